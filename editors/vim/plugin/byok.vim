vim9script
# Commands and mappings of the byok-host plugin, and the shutdown of the host when Vim exits.
# The work is done in autoload/byok.vim, which loads on first use.

if exists('g:loaded_byok') || v:version < 900
  finish
endif
g:loaded_byok = true

import autoload 'byok.vim'

command! -range -nargs=* ByokSend byok.SendCommand(<q-args>, <range>, <line1>, <line2>)
command! ByokAbort byok.Abort()
command! ByokNew byok.NewSession()
command! ByokResume byok.Resume()
command! ByokChat byok.OpenChat()
command! ByokLog byok.OpenLog()
command! ByokStop byok.Shutdown()

# g:byok.keymaps: v:false maps nothing, and a key set to v:false is left unmapped.
var keymaps = get(get(g:, 'byok', {}), 'keymaps', {})
if type(keymaps) == v:t_dict
  var send = get(keymaps, 'send', '<leader>as')
  var abort = get(keymaps, 'abort', '<leader>aa')
  if type(send) == v:t_string && send != ''
    execute 'nnoremap' send '<Cmd>call byok#Prompt()<CR>'
    execute 'xnoremap' send ':ByokSend<CR>'
  endif
  if type(abort) == v:t_string && abort != ''
    execute 'nnoremap' abort '<Cmd>ByokAbort<CR>'
  endif
endif

augroup byok
  autocmd!
  # g:byok_running is set once the plugin has started a host, so an unused plugin loads nothing here.
  autocmd VimLeavePre * if get(g:, 'byok_running', false) | byok.Shutdown() | endif
augroup END

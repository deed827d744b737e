-- Commands of the byok-host plugin, and the shutdown of the host when Neovim exits.
if vim.g.loaded_byok then
  return
end
vim.g.loaded_byok = true

local function byok()
  return require("byok")
end

local command = vim.api.nvim_create_user_command

command("ByokSend", function(opts)
  byok().send_command(opts)
end, { nargs = "*", range = true, desc = "Send a prompt, or the selection, to byok-host" })

command("ByokAbort", function()
  byok().abort()
end, { desc = "Abort the running byok turn" })

command("ByokNew", function()
  byok().new_session()
end, { desc = "Start a new byok session" })

command("ByokResume", function()
  byok().resume()
end, { desc = "Resume the last byok session" })

command("ByokChat", function()
  byok().open_chat()
end, { desc = "Open the byok chat window" })

command("ByokLog", function()
  byok().open_log()
end, { desc = "Open the byok-host log" })

command("ByokStop", function()
  byok().shutdown()
end, { desc = "Stop byok-host" })

vim.api.nvim_create_autocmd("VimLeavePre", {
  group = vim.api.nvim_create_augroup("byok", { clear = true }),
  callback = function()
    -- Loaded modules only: a session that never used the plugin has no host to stop.
    local loaded = package.loaded["byok"]
    if loaded then
      loaded.shutdown()
    end
  end,
})

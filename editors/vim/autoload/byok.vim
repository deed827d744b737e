vim9script
# Chat with your own model provider through byok-host, from Vim 9.
#
# The host runs as a job whose stdin and stdout use Vim's 'lsp' channel mode, which does the
# Content-Length framing and JSON coding. Its stderr goes to the log buffer byok://log.
# Options come from the dictionary g:byok; see editors/README.md.

const chat_name = 'byok://chat'
const log_name = 'byok://log'

# Milliseconds to wait for the response to connect before stopping the process.
const connect_timeout_ms = 10000

# The log buffer keeps at most this many lines and drops the oldest.
const max_log_lines = 5000

const key_variables = {openai: 'OPENAI_API_KEY', azure: 'AZURE_OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', ollama: ''}
const base_urls = {openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com', ollama: 'http://localhost:11434/v1'}

var host_job: job
var host_channel: channel
var host_pid = 0
var connected = false
var starting = false
var shutting_down = false
# True for a host stopped because its handshake failed, so its exit is not reported again.
var abandoned = false
# Callbacks waiting for the host to connect, or for a session; each gets an error message or ''.
var host_waiters: list<func> = []
var session_waiters: list<func> = []
var preparing_session = false
var session_id = ''
var busy = false
# The number of session.idle events seen, so callers can wait for a turn to end.
var turns_finished = 0
# messageIds whose text arrived as deltas, so their final assistant.message is not shown again.
var streamed: dict<bool> = {}
# True after a user.message until the answer's heading is written.
var heading_pending = false

# Options ---------------------------------------------------------------------------------------------

def Option(name: string, default: any): any
  return get(get(g:, 'byok', {}), name, default)
enddef

def Env(name: string): string
  return name == '' ? '' : (getenv(name) ?? '')
enddef

def Command(): list<string>
  var cmd = Option('cmd', [])
  var command: list<string>
  if type(cmd) == v:t_string
    command = [cmd, '--stdio']
  elseif empty(cmd)
    var binary = Env('BYOK_HOST_BINARY')
    command = [binary == '' ? 'byok-host' : binary, '--stdio']
  else
    command = copy(cmd)
  endif
  return command + Option('args', [])
enddef

# Builds the provider object of session.create and session.resume, reading the key from the
# environment now. Returns [provider, ''] or [{}, error message].
def Provider(): list<any>
  var configured: dict<any> = Option('provider', {})
  if has_key(configured, 'apiKey') || has_key(configured, 'bearerToken')
    return [{}, 'provider.apiKey is not read from the configuration; put the key in an environment '
      .. 'variable and name it with provider.apiKeyEnv']
  endif
  var kind = get(configured, 'type', Env('BYOK_PROVIDER_TYPE'))
  kind = kind == '' ? 'openai' : kind
  if !has_key(key_variables, kind)
    return [{}, $"provider type '{kind}' is not supported; use openai, azure, anthropic or ollama"]
  endif

  var provider = filter(deepcopy(configured), (key, _) => key != 'apiKeyEnv')
  # Ollama serves the OpenAI Chat Completions API, so the host talks to it as an OpenAI provider.
  provider.type = kind == 'ollama' ? 'openai' : kind
  var base_url = get(configured, 'baseUrl', Env('BYOK_BASE_URL'))
  provider.baseUrl = base_url != '' ? base_url : get(base_urls, kind, '')
  if provider.baseUrl == ''
    return [{}, $"provider.baseUrl is required for type '{kind}', for example https://NAME.openai.azure.com"]
  endif
  if kind == 'azure'
    var version = get(get(configured, 'azure', {}), 'apiVersion', Env('BYOK_AZURE_API_VERSION'))
    if version != ''
      provider.azure = {apiVersion: version}
    endif
  endif

  # apiKeyEnv: v:false means the provider needs no key.
  var key_setting: any = get(configured, 'apiKeyEnv', Env('BYOK_API_KEY_ENV'))
  var key_variable = type(key_setting) == v:t_string ? key_setting : ''
  if key_variable == '' && type(key_setting) != v:t_bool
    key_variable = key_variables[kind]
  endif
  if key_variable != ''
    var key = Env(key_variable)
    if key == ''
      return [{}, $"the API key variable ${key_variable} is not set; export it, or set provider.apiKeyEnv "
        .. 'to the variable that holds your key']
    endif
    provider.apiKey = key
  endif
  return [provider, '']
enddef

def ToolDefinitions(): list<dict<any>>
  var definitions: list<dict<any>> = []
  for tool in Option('tools', [])
    definitions->add({
      name: tool.name,
      description: get(tool, 'description', ''),
      parameters: get(tool, 'parameters', {type: 'object', properties: {}}),
      skipPermission: get(tool, 'skip_permission', false),
    })
  endfor
  return definitions
enddef

# The settings sent with session.create and session.resume: [params, ''] or [{}, error message].
def SessionParams(model_required: bool): list<any>
  var [provider, problem] = Provider()
  if problem != ''
    return [{}, problem]
  endif
  var params: dict<any> = {
    provider: provider,
    streaming: Option('streaming', true),
    clientName: 'byok.vim',
    workingDirectory: getcwd(),
    requestPermission: Option('request_permission', true),
    tools: ToolDefinitions(),
  }
  var model = Option('model', Env('BYOK_MODEL'))
  if model != ''
    params.model = model
  elseif model_required
    return [{}, 'no model configured: set g:byok.model or $BYOK_MODEL']
  endif
  var system_message = Option('system_message', '')
  if system_message != ''
    params.systemMessage = {mode: 'append', content: system_message}
  endif
  return [params, '']
enddef

# Buffers ---------------------------------------------------------------------------------------------

# Buffer numbers by name; bufnr() would take the names as patterns.
var scratch_buffers: dict<number> = {}

def ScratchBuffer(name: string, filetype: string): number
  var buf = get(scratch_buffers, name, 0)
  if buf > 0 && bufexists(buf)
    bufload(buf)
    return buf
  endif
  buf = bufadd(name)
  scratch_buffers[name] = buf
  setbufvar(buf, '&buftype', 'nofile')
  setbufvar(buf, '&bufhidden', 'hide')
  setbufvar(buf, '&swapfile', false)
  bufload(buf)
  setbufvar(buf, '&filetype', filetype)
  return buf
enddef

def LineCount(buf: number): number
  return getbufinfo(buf)[0].linecount
enddef

def LastLine(buf: number): string
  return get(getbufline(buf, LineCount(buf)), 0, '')
enddef

# Moves the cursor of every window that shows buf to its last line, so new text stays in view.
def Follow(buf: number)
  for win in win_findbuf(buf)
    win_execute(win, 'normal! G')
  endfor
enddef

def IsEmpty(buf: number): bool
  return LineCount(buf) == 1 && LastLine(buf) == ''
enddef

def AppendLines(buf: number, lines: list<string>)
  if IsEmpty(buf)
    setbufline(buf, 1, lines)
  else
    appendbufline(buf, '$', lines)
  endif
  Follow(buf)
enddef

# Appends text to the end of the last line; newlines in text start new lines.
def AppendText(buf: number, text: string)
  var pieces = split(text, "\n", true)
  var last = LineCount(buf)
  pieces[0] = LastLine(buf) .. pieces[0]
  setbufline(buf, last, pieces[0])
  if len(pieces) > 1
    appendbufline(buf, last, pieces[1 :])
  endif
  Follow(buf)
enddef

# Ends the current line when it has text, so the next append starts on a line of its own.
def FinishLine(buf: number)
  if LastLine(buf) != ''
    appendbufline(buf, '$', '')
  endif
enddef

def ChatBuffer(): number
  return ScratchBuffer(chat_name, 'markdown')
enddef

# Writes lines on lines of their own and leaves an empty last line for the text that follows.
def WriteBlock(lines: list<string>)
  var buf = ChatBuffer()
  if LastLine(buf) == ''
    setbufline(buf, LineCount(buf), lines + [''])
  else
    appendbufline(buf, '$', lines + [''])
  endif
  Follow(buf)
enddef

def Note(text: string)
  WriteBlock(split(text, "\n", true))
enddef

def Section(title: string)
  WriteBlock(IsEmpty(ChatBuffer()) ? [title] : ['', title])
enddef

def ShowUserMessage(content: string)
  Section('## You')
  AppendText(ChatBuffer(), content)
  FinishLine(ChatBuffer())
  heading_pending = true
enddef

def ShowAssistantText(text: string)
  if text == ''
    return
  endif
  if heading_pending
    Section('## Assistant')
    heading_pending = false
  endif
  AppendText(ChatBuffer(), text)
enddef

# Logging ---------------------------------------------------------------------------------------------

def Log(line: string)
  var buf = ScratchBuffer(log_name, 'log')
  AppendLines(buf, [line])
  var excess = LineCount(buf) - max_log_lines
  if excess > 0
    deletebufline(buf, 1, excess)
  endif
  var path = Option('log_file', '')
  if path != ''
    writefile([line], expand(path), 'a')
  endif
enddef

def Notify(message: string, is_error: bool)
  Log('[byok] ' .. message)
  if is_error
    echohl ErrorMsg
    echomsg 'byok: ' .. message
    echohl None
  else
    echomsg 'byok: ' .. message
  endif
enddef

def DescribeError(response: dict<any>): string
  var error = get(response, 'error', {})
  if type(error) != v:t_dict
    return string(error)
  endif
  return $"{get(error, 'message', 'unknown error')} ({get(error, 'code', '?')})"
enddef

def IsError(response: dict<any>): bool
  return empty(response) || (has_key(response, 'error') && response.error != null)
enddef

# Sends a request; Callback receives the response message (a dict with result or error).
def Request(method: string, params: dict<any>, Callback: func)
  ch_sendexpr(host_channel, {method: method, params: params}, {callback: (_, response) => Callback(response)})
enddef

# Sends a request whose result is not needed, and reports a failure to the user.
def RequestOrReport(method: string, params: dict<any>, failure: string)
  Request(method, params, (response) => {
    if IsError(response)
      Notify($'{failure}: {DescribeError(response)}', true)
    endif
  })
enddef

# Permissions and tools -------------------------------------------------------------------------------

def EncodeArguments(arguments: any): string
  return type(arguments) == v:t_dict && !empty(arguments) ? json_encode(arguments) : '{}'
enddef

def AskUser(question: string): bool
  var Confirm = Option('confirm', null)
  if Confirm != null
    return call(Confirm, [question]) == true
  endif
  return confirm(question, "&Yes\n&No", 2, 'Question') == 1
enddef

def AnswerPermission(sid: string, data: dict<any>)
  var request = get(data, 'permissionRequest', {})
  var tool = StringField(request, 'toolName')
  tool = tool == '' ? 'a tool' : tool
  var arguments = EncodeArguments(get(request, 'args', {}))
  var approved = false
  try
    approved = AskUser($"byok: allow the tool '{tool}' to run with {arguments}?")
  catch
    Notify('the permission prompt failed: ' .. v:exception, true)
  endtry
  Note($'[permission] {tool} {arguments}: {approved ? "approved" : "rejected"}')
  var params = {sessionId: sid, requestId: data.requestId, result: {kind: approved ? 'approve-once' : 'reject'}}
  RequestOrReport('session.permissions.handlePendingPermissionRequest', params, 'could not answer the permission request')
enddef

# Runs a configured tool's handler and returns the result of session.tools.handlePendingToolCall.
def RunTool(name: string, arguments: any): dict<any>
  var matches = filter(copy(Option('tools', [])), (_, tool) => tool.name == name)
  if empty(matches) || !has_key(matches[0], 'handler')
    return {resultType: 'failure', textResultForLlm: $"The editor has no tool named '{name}'."}
  endif
  var value: any
  try
    value = call(matches[0].handler, [type(arguments) == v:t_dict ? arguments : {}])
  catch
    return {resultType: 'failure', textResultForLlm: $"The tool '{name}' failed: {v:exception}"}
  endtry
  if type(value) == v:t_dict
    return {resultType: get(value, 'resultType', 'success'), textResultForLlm: string(get(value, 'text', ''))}
  endif
  return {resultType: 'success', textResultForLlm: type(value) == v:t_string ? value : string(value)}
enddef

def AnswerToolCall(sid: string, data: dict<any>)
  var name = StringField(data, 'toolName')
  var arguments = get(data, 'arguments', {})
  var result = RunTool(name, arguments)
  Note($'[tool] {name} {EncodeArguments(arguments)}: {result.resultType}')
  RequestOrReport('session.tools.handlePendingToolCall', {sessionId: sid, requestId: data.requestId, result: result},
    'could not return the tool result')
enddef

# Session events --------------------------------------------------------------------------------------

def StringField(data: dict<any>, name: string): string
  var value = get(data, name, '')
  return type(value) == v:t_string ? value : ''
enddef

def HandleEvent(sid: string, event_type: string, data: dict<any>)
  if event_type == 'user.message'
    ShowUserMessage(StringField(data, 'content'))
  elseif event_type == 'assistant.message_delta'
    streamed[StringField(data, 'messageId')] = true
    ShowAssistantText(StringField(data, 'deltaContent'))
  elseif event_type == 'assistant.message'
    # Without streaming, or for a message whose deltas were missed, the whole text arrives here.
    var message_id = StringField(data, 'messageId')
    if !has_key(streamed, message_id)
      ShowAssistantText(StringField(data, 'content'))
    else
      remove(streamed, message_id)
    endif
  elseif event_type == 'session.error'
    var message = StringField(data, 'message')
    Note('[error] ' .. message)
    Notify(message, true)
  elseif event_type == 'session.warning'
    Note('[warning] ' .. StringField(data, 'message'))
  elseif event_type == 'abort'
    Note('[aborted]')
  elseif event_type == 'session.idle'
    busy = false
    turns_finished += 1
    FinishLine(ChatBuffer())
  elseif event_type == 'permission.requested'
    timer_start(0, (_) => AnswerPermission(sid, data))
  elseif event_type == 'external_tool.requested'
    timer_start(0, (_) => AnswerToolCall(sid, data))
  endif
enddef

def OnMessage(_: channel, message: dict<any>)
  var method = get(message, 'method', '')
  if type(method) != v:t_string || method == ''
    Log('[byok] a message without a method or a known id: ' .. json_encode(message))
    return
  endif
  if has_key(message, 'id')
    # byok-host sends providerToken.getToken only for providers with a bearer token provider.
    ch_sendexpr(host_channel, {id: message.id, error: {code: -32601, message: $'The editor does not handle {method}'}})
    return
  endif
  var params = get(message, 'params', {})
  if method != 'session.event' || type(params) != v:t_dict || type(get(params, 'event', 0)) != v:t_dict
    return
  endif
  # Events of other sessions (an earlier one still finishing its turn) are not shown.
  if get(params, 'sessionId', '') != session_id
    return
  endif
  var data = get(params.event, 'data', {})
  HandleEvent(session_id, get(params.event, 'type', ''), type(data) == v:t_dict ? data : {})
enddef

# Host process ----------------------------------------------------------------------------------------

def Flush(waiters: list<func>, error: string)
  for Callback in waiters
    Callback(error)
  endfor
enddef

def FlushHost(error: string)
  var waiters = host_waiters
  host_waiters = []
  starting = false
  Flush(waiters, error)
enddef

def OnExit(exited: job, status: number)
  var pid = job_info(exited).process
  Log($'[byok] byok-host (pid {pid}) exited with status {status}')
  if pid != host_pid
    return
  endif
  if !shutting_down && !abandoned
    Notify($'byok-host exited with status {status}; :ByokLog shows its log', true)
  endif
  connected = false
  session_id = ''
  busy = false
  FlushHost('byok-host exited')
  var waiters = session_waiters
  session_waiters = []
  preparing_session = false
  Flush(waiters, 'byok-host exited')
enddef

# Stops a host that failed its handshake and reports reason to the callbacks waiting for it.
def AbandonHost(reason: string)
  abandoned = true
  ch_close_in(host_channel)
  job_stop(host_job, 'kill')
  FlushHost(reason)
enddef

def IsRunning(): bool
  return job_status(host_job) == 'run'
enddef

def OnConnect(pid: number, response: dict<any>)
  if pid != host_pid || !starting
    return
  endif
  if IsError(response)
    AbandonHost('connect failed: ' .. DescribeError(response))
  elseif get(response.result, 'protocolVersion', 0) != 3
    AbandonHost($"byok-host speaks protocol version {get(response.result, 'protocolVersion', '?')}, but this plugin needs version 3")
  else
    connected = true
    FlushHost('')
  endif
enddef

def OnConnectTimeout(pid: number)
  if pid == host_pid && starting && !connected
    AbandonHost($'byok-host did not respond to connect within {connect_timeout_ms} ms; :ByokLog shows its log')
  endif
enddef

# Calls Callback('') once byok-host runs and has answered connect, or Callback(error message).
def WithHost(Callback: func)
  if connected && IsRunning()
    Callback('')
    return
  endif
  host_waiters->add(Callback)
  if starting
    return
  endif
  starting = true
  shutting_down = false
  var cmd = Command()
  if !executable(cmd[0])
    FlushHost($"could not start byok-host: '{cmd[0]}' is not executable; set g:byok.cmd or $BYOK_HOST_BINARY to the byok-host binary")
    return
  endif
  host_job = job_start(cmd, {
    in_mode: 'lsp', out_mode: 'lsp', err_mode: 'nl',
    out_cb: OnMessage, err_cb: (_, line) => Log(line), exit_cb: OnExit,
    stoponexit: 'term', noblock: true,
  })
  if job_status(host_job) != 'run'
    FlushHost($'could not start byok-host: job_start failed for {string(cmd)}')
    return
  endif
  host_channel = job_getchannel(host_job)
  host_pid = job_info(host_job).process
  g:byok_running = true
  Log($'[byok] started {join(cmd)} (pid {host_pid})')
  abandoned = false
  var pid = host_pid
  Request('connect', {clientInfo: {name: 'byok.vim'}}, (response) => OnConnect(pid, response))
  timer_start(connect_timeout_ms, (_) => OnConnectTimeout(pid))
enddef

def FinishSession(error: string)
  var waiters = session_waiters
  session_waiters = []
  preparing_session = false
  Flush(waiters, error)
enddef

# Runs Start() unless a session is being prepared already, then calls Callback(error or '').
def PrepareSession(Callback: func, Start: func)
  session_waiters->add(Callback)
  if preparing_session
    return
  endif
  preparing_session = true
  WithHost((error) => {
    if error != ''
      FinishSession(error)
    else
      Start()
    endif
  })
enddef

def CreateSession()
  var [params, problem] = SessionParams(true)
  if problem != ''
    FinishSession(problem)
    return
  endif
  Request('session.create', params, (response) => {
    if IsError(response)
      FinishSession('session.create failed: ' .. DescribeError(response))
      return
    endif
    session_id = response.result.sessionId
    Log('[byok] created session ' .. session_id)
    FinishSession('')
  })
enddef

def ShowHistory(events: list<any>)
  for event in events
    var data = type(get(event, 'data', 0)) == v:t_dict ? event.data : {}
    if event.type == 'user.message'
      ShowUserMessage(StringField(data, 'content'))
    elseif event.type == 'assistant.message'
      ShowAssistantText(StringField(data, 'content'))
    elseif event.type == 'session.error'
      Note('[error] ' .. StringField(data, 'message'))
    endif
  endfor
  FinishLine(ChatBuffer())
enddef

def LoadResumedSession(id: string)
  session_id = id
  Log('[byok] resumed session ' .. id)
  Request('session.getMessages', {sessionId: id}, (response) => {
    Note($'[resumed session {id}]')
    if IsError(response)
      Notify('could not read the session''s messages: ' .. DescribeError(response), false)
    else
      ShowHistory(get(response.result, 'events', []))
    endif
    FinishSession('')
  })
enddef

def ResumeLast()
  var [params, problem] = SessionParams(false)
  if problem != ''
    FinishSession(problem)
    return
  endif
  Request('session.getLastId', {}, (last) => {
    if IsError(last)
      FinishSession('session.getLastId failed: ' .. DescribeError(last))
      return
    endif
    var id = get(last.result, 'sessionId', '')
    if type(id) != v:t_string || id == ''
      FinishSession('there is no stored session to resume')
      return
    endif
    params.sessionId = id
    Request('session.resume', params, (response) => {
      if IsError(response)
        FinishSession('session.resume failed: ' .. DescribeError(response))
      else
        LoadResumedSession(id)
      endif
    })
  })
enddef

def ReportError(error: string)
  if error != ''
    Note('[error] ' .. error)
    Notify(error, true)
  endif
enddef

# Commands --------------------------------------------------------------------------------------------

# Opens the chat window unless a window shows it already.
export def OpenChat()
  var buf = ChatBuffer()
  if !empty(win_findbuf(buf))
    return
  endif
  var previous = win_getid()
  execute Option('split', 'botright vsplit')
  execute 'buffer' buf
  nnoremap <buffer> <C-c> <Cmd>ByokAbort<CR>
  Follow(buf)
  win_gotoid(previous)
enddef

# Opens the log buffer in the current window.
export def OpenLog()
  execute 'buffer' ScratchBuffer(log_name, 'log')
enddef

# Sends prompt to the current session, starting the host and a session when needed.
export def Send(prompt: string)
  if prompt == ''
    Notify('nothing to send: the prompt is empty', false)
    return
  endif
  if Option('open_on_send', true)
    OpenChat()
  endif
  var Deliver = (error) => {
    if error != ''
      ReportError(error)
      return
    endif
    busy = true
    Request('session.send', {sessionId: session_id, prompt: prompt}, (response) => {
      if IsError(response)
        busy = false
        ReportError('session.send failed: ' .. DescribeError(response))
      endif
    })
  }
  if session_id != '' && IsRunning()
    Deliver('')
  else
    PrepareSession(Deliver, CreateSession)
  endif
enddef

# Asks for a prompt on the command line and sends it.
export def Prompt()
  var prompt = input('byok> ')
  if prompt != ''
    Send(prompt)
  endif
enddef

# Returns lines line1 to line2, cut to the last visual selection when it was charwise and covers
# exactly those lines.
export def SelectionText(line1: number, line2: number): string
  var lines = getline(line1, line2)
  var first = getpos("'<")
  var last = getpos("'>")
  if visualmode() == 'v' && first[1] == line1 && last[1] == line2 && !empty(lines)
    var final = lines[-1]
    var end_col = min([last[2], len(final)])
    # '> points at the first byte of the last character; keep all of that character's bytes.
    var last_char = strpart(final, end_col - 1, 1, true)
    lines[-1] = strpart(final, 0, end_col - 1 + len(last_char))
    lines[0] = strpart(lines[0], first[2] - 1)
  endif
  # NOTE: a blockwise selection is sent as whole lines.
  return join(lines, "\n")
enddef

# Handles :ByokSend [text]: with a range, sends the selection (after the text, when given).
export def SendCommand(instruction: string, range: number, line1: number, line2: number)
  if range > 0
    var selection = SelectionText(line1, line2)
    if instruction != ''
      Send(instruction .. "\n\n```" .. &filetype .. "\n" .. selection .. "\n```")
    else
      Send(selection)
    endif
  elseif instruction != ''
    Send(instruction)
  else
    Prompt()
  endif
enddef

# Aborts the running turn of the current session.
export def Abort()
  if session_id == '' || !IsRunning()
    Notify('no session is running', false)
    return
  endif
  RequestOrReport('session.abort', {sessionId: session_id}, 'session.abort failed')
enddef

# Starts a new session; the next prompt goes to it.
export def NewSession()
  var previous = session_id
  session_id = ''
  busy = false
  if previous != '' && IsRunning()
    Request('session.detach', {sessionId: previous}, (_) => 0)
  endif
  PrepareSession((error) => {
    if error != ''
      ReportError(error)
    else
      Note($'[new session {session_id}]')
    endif
  }, CreateSession)
enddef

# Resumes the most recently used session, passing the provider again because keys are never stored.
export def Resume()
  session_id = ''
  if Option('open_on_send', true)
    OpenChat()
  endif
  PrepareSession(ReportError, ResumeLast)
enddef

# Shuts byok-host down: runtime.shutdown, then stdin is closed, then the job is killed if it still
# runs after shutdown_timeout_ms.
export def Shutdown()
  if !IsRunning()
    return
  endif
  shutting_down = true
  var timeout = Option('shutdown_timeout_ms', 3000)
  var response = {}
  if ch_status(host_channel) == 'open'
    response = ch_evalexpr(host_channel, {method: 'runtime.shutdown', params: {}}, {timeout: timeout})
  endif
  if IsError(response)
    Log('[byok] runtime.shutdown failed: ' .. (empty(response) ? $'no response within {timeout} ms' : DescribeError(response)))
  else
    Log('[byok] runtime.shutdown answered')
  endif
  ch_close_in(host_channel)
  if !WaitForExit(timeout)
    Log($'[byok] byok-host (pid {host_pid}) still runs {timeout} ms after its stdin closed; stopping it')
    job_stop(host_job, 'kill')
    WaitForExit(timeout)
  endif
enddef

def WaitForExit(timeout: number): bool
  var start = reltime()
  while job_status(host_job) == 'run' && reltimefloat(reltime(start)) * 1000 < timeout
    sleep 10m
  endwhile
  return job_status(host_job) != 'run'
enddef

# Returns the plugin's state for statuslines and tests.
export def Status(): dict<any>
  return {
    running: IsRunning(),
    pid: host_pid,
    session_id: session_id,
    busy: busy,
    turns_finished: turns_finished,
  }
enddef

# Returns the chat buffer's number.
export def ChatBufferNumber(): number
  return ChatBuffer()
enddef

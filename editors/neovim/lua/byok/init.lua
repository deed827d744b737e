-- Chat with your own model provider through byok-host, from Neovim 0.7 or later.
--
-- The plugin starts `byok-host --stdio` on first use, creates one session, streams each answer into
-- the chat buffer `byok://chat` and copies the host's stderr to the log buffer `byok://log`.

local buffers = require("byok.buffers")
local chat = require("byok.chat")
local config = require("byok.config")
local rpc = require("byok.rpc")
local tools = require("byok.tools")

local M = {}

local log_name = "byok://log"

-- Milliseconds to wait for the response to connect before stopping the process.
local connect_timeout_ms = 10000

local state = {
  options = config.merge({}),
  client = nil,
  connected = false,
  -- Callbacks waiting for the host to connect, or for a session.
  host_waiters = nil,
  session_waiters = nil,
  session_id = nil,
  busy = false,
  -- The number of session.idle events seen, so callers can wait for a turn to end.
  turns_finished = 0,
  shutting_down = false,
  -- messageIds whose text arrived as deltas, so their final assistant.message is not shown again.
  streamed = {},
  log_handle = nil,
}

-- Logging --------------------------------------------------------------------------------------------

local function log(line)
  local buf = buffers.get(log_name, "log")
  buffers.append_log(buf, { line })
  local path = state.options.log_file
  if path then
    if not state.log_handle then
      state.log_handle = io.open(vim.fn.expand(path), "a")
    end
    if state.log_handle then
      state.log_handle:write(line, "\n")
      state.log_handle:flush()
    end
  end
end

local function notify(message, level)
  log("[byok] " .. message)
  vim.notify("byok: " .. message, level or vim.log.levels.INFO)
end

local function describe_error(err)
  if type(err) ~= "table" then
    return tostring(err)
  end
  return tostring(err.message) .. " (" .. tostring(err.code) .. ")"
end

-- Sends a request whose result is not needed, and reports a failure to the user.
local function request_or_report(method, params, failure)
  state.client:request(method, params, function(err)
    if err then
      notify(failure .. ": " .. describe_error(err), vim.log.levels.ERROR)
    end
  end)
end

-- Session events -------------------------------------------------------------------------------------

local function answer_permission(session_id, data)
  local question, tool, arguments = tools.permission_question(data)
  local ok, approved = pcall(tools.ask, state.options, question)
  if not ok then
    notify("the permission prompt failed: " .. tostring(approved), vim.log.levels.ERROR)
    approved = false
  end
  chat.note("[permission] " .. tool .. " " .. arguments .. ": " .. (approved and "approved" or "rejected"))
  request_or_report(
    "session.permissions.handlePendingPermissionRequest",
    { sessionId = session_id, requestId = data.requestId, result = { kind = approved and "approve-once" or "reject" } },
    "could not answer the permission request"
  )
end

local function answer_tool_call(session_id, data)
  local name = tostring(data.toolName)
  local result = tools.run(state.options.tools, name, data.arguments)
  chat.note("[tool] " .. name .. " " .. tools.encode_arguments(data.arguments) .. ": " .. result.resultType)
  request_or_report(
    "session.tools.handlePendingToolCall",
    { sessionId = session_id, requestId = data.requestId, result = result },
    "could not return the tool result"
  )
end

local handlers = {}

handlers["user.message"] = function(data)
  chat.user_message(tostring(data.content or ""))
end

handlers["assistant.message_delta"] = function(data)
  state.streamed[data.messageId] = true
  chat.assistant_text(tostring(data.deltaContent or ""))
end

handlers["assistant.message"] = function(data)
  -- Without streaming, or for a message whose deltas were missed, the whole text arrives here.
  if not state.streamed[data.messageId] and type(data.content) == "string" then
    chat.assistant_text(data.content)
  end
  state.streamed[data.messageId] = nil
end

handlers["session.error"] = function(data)
  local message = tostring(data.message or "unknown error")
  chat.note("[error] " .. message)
  notify(message, vim.log.levels.ERROR)
end

handlers["session.warning"] = function(data)
  chat.note("[warning] " .. tostring(data.message))
end

handlers["abort"] = function()
  chat.note("[aborted]")
end

handlers["session.idle"] = function()
  state.busy = false
  state.turns_finished = state.turns_finished + 1
  chat.finish_line()
end

handlers["permission.requested"] = function(data, session_id)
  vim.schedule(function()
    answer_permission(session_id, data)
  end)
end

handlers["external_tool.requested"] = function(data, session_id)
  vim.schedule(function()
    answer_tool_call(session_id, data)
  end)
end

local function on_notification(method, params)
  if method ~= "session.event" or type(params.event) ~= "table" then
    return
  end
  -- Events of other sessions (an earlier one still finishing its turn) are not shown.
  if params.sessionId ~= state.session_id then
    return
  end
  local event = params.event
  local handler = handlers[event.type]
  if handler then
    local data = event.data
    handler(type(data) == "table" and data or {}, params.sessionId)
  end
end

-- Host process ---------------------------------------------------------------------------------------

local function flush(waiters, err)
  for _, callback in ipairs(waiters or {}) do
    callback(err)
  end
end

local function on_exit(client, code)
  log("[byok] byok-host (pid " .. client.pid .. ") exited with status " .. code)
  if state.client ~= client then
    return
  end
  if not state.shutting_down and not client.abandoned then
    notify("byok-host exited with status " .. code .. "; :ByokLog shows its log", vim.log.levels.ERROR)
  end
  state.client = nil
  state.connected = false
  state.session_id = nil
  state.busy = false
  local host_waiters, session_waiters = state.host_waiters, state.session_waiters
  state.host_waiters, state.session_waiters = nil, nil
  flush(host_waiters, "byok-host exited")
  flush(session_waiters, "byok-host exited")
end

-- Stops a host that failed its handshake and reports `reason` to the callbacks waiting for it.
local function abandon_host(client, reason)
  local waiters = state.host_waiters
  state.host_waiters = nil
  client.abandoned = true
  client:close_stdin()
  client:kill()
  flush(waiters, reason)
end

-- Calls `callback(err)` once byok-host runs and has responded to `connect`.
local function with_host(callback)
  if state.client and state.connected then
    callback(nil)
    return
  end
  if state.host_waiters then
    table.insert(state.host_waiters, callback)
    return
  end
  state.host_waiters = { callback }
  state.shutting_down = false

  local cmd = config.command(state.options)
  local client, problem
  client, problem = rpc.start(cmd, {
    on_notification = on_notification,
    on_request = function(method)
      return nil, { code = -32601, message = "The editor does not handle " .. method }
    end,
    on_stderr = log,
    on_exit = function(code)
      on_exit(client, code)
    end,
    on_protocol_error = function(message)
      log("[byok] " .. message)
    end,
  })
  if not client then
    local waiters = state.host_waiters
    state.host_waiters = nil
    flush(waiters, "could not start byok-host: " .. problem)
    return
  end
  state.client = client
  log("[byok] started " .. table.concat(cmd, " ") .. " (pid " .. client.pid .. ")")

  client:request("connect", { clientInfo = { name = "byok.nvim" } }, function(err, result)
    if state.client ~= client or not state.host_waiters then
      return
    end
    if err then
      abandon_host(client, "connect failed: " .. describe_error(err))
    elseif type(result) ~= "table" or result.protocolVersion ~= 3 then
      abandon_host(client, "byok-host speaks protocol version " .. tostring(result and result.protocolVersion)
        .. ", but this plugin needs version 3")
    else
      state.connected = true
      local waiters = state.host_waiters
      state.host_waiters = nil
      flush(waiters, nil)
    end
  end)
  vim.defer_fn(function()
    if state.client == client and not state.connected and state.host_waiters then
      abandon_host(client, "byok-host did not respond to connect within " .. connect_timeout_ms .. " ms; "
        .. ":ByokLog shows its log")
    end
  end, connect_timeout_ms)
end

-- The settings sent with session.create and session.resume. Returns nil and a message on error.
local function session_params(model_required)
  local provider, problem = config.provider(state.options)
  if not provider then
    return nil, problem
  end
  local params = {
    provider = provider,
    streaming = state.options.streaming,
    clientName = "byok.nvim",
    workingDirectory = vim.fn.getcwd(),
    requestPermission = state.options.request_permission,
    tools = config.tool_definitions(state.options),
  }
  local model, model_problem = config.model(state.options)
  if model then
    params.model = model
  elseif model_required then
    return nil, model_problem
  end
  if state.options.system_message then
    params.systemMessage = { mode = "append", content = state.options.system_message }
  end
  return params
end

-- Runs `start(done)` unless a session is being prepared already, then calls `callback(err)` when done.
local function prepare_session(callback, start)
  if state.session_waiters then
    table.insert(state.session_waiters, callback)
    return
  end
  state.session_waiters = { callback }
  local function done(err)
    local waiters = state.session_waiters
    state.session_waiters = nil
    flush(waiters, err)
  end
  with_host(function(err)
    if err then
      done(err)
    else
      start(done)
    end
  end)
end

local function create_session(done)
  local params, problem = session_params(true)
  if not params then
    done(problem)
    return
  end
  state.client:request("session.create", params, function(err, result)
    if err then
      done("session.create failed: " .. describe_error(err))
      return
    end
    state.session_id = result.sessionId
    log("[byok] created session " .. tostring(result.sessionId))
    done(nil)
  end)
end

-- Calls `callback(err)` once a session exists, creating one when needed.
local function with_session(callback)
  if state.session_id and state.client then
    callback(nil)
    return
  end
  prepare_session(callback, create_session)
end

-- Commands -------------------------------------------------------------------------------------------

-- Applies options; see the README for each of them.
function M.setup(options)
  state.options = config.merge(options)
  local keymaps = state.options.keymaps
  if keymaps then
    if keymaps.send then
      vim.keymap.set("n", keymaps.send, M.prompt, { desc = "Send a prompt to byok-host" })
      vim.keymap.set("x", keymaps.send, ":ByokSend<CR>", { desc = "Send the selection to byok-host" })
    end
    if keymaps.abort then
      vim.keymap.set("n", keymaps.abort, M.abort, { desc = "Abort the running byok turn" })
    end
  end
end

-- Opens the chat window.
function M.open_chat()
  return buffers.show(chat.buffer(), state.options.split)
end

-- Opens the log buffer in the current window.
function M.open_log()
  local buf = buffers.get(log_name, "log")
  vim.api.nvim_win_set_buf(0, buf)
  return buf
end

-- Sends `prompt` to the current session, starting the host and a session when needed.
function M.send(prompt)
  if prompt == nil or prompt == "" then
    notify("nothing to send: the prompt is empty", vim.log.levels.WARN)
    return
  end
  if state.options.open_on_send then
    M.open_chat()
  end
  with_session(function(err)
    if err then
      chat.note("[error] " .. err)
      notify(err, vim.log.levels.ERROR)
      return
    end
    state.busy = true
    state.client:request("session.send", { sessionId = state.session_id, prompt = prompt }, function(send_err)
      if send_err then
        state.busy = false
        local message = "session.send failed: " .. describe_error(send_err)
        chat.note("[error] " .. message)
        notify(message, vim.log.levels.ERROR)
      end
    end)
  end)
end

-- Asks for a prompt on the command line and sends it.
function M.prompt()
  local prompt = vim.fn.input("byok> ")
  if prompt ~= "" then
    M.send(prompt)
  end
end

-- Returns the text of lines `line1` to `line2`, cut to the last visual selection when it was charwise
-- and covers exactly those lines.
function M.selection_text(line1, line2)
  local lines = vim.api.nvim_buf_get_lines(0, line1 - 1, line2, false)
  local first, last = vim.fn.getpos("'<"), vim.fn.getpos("'>")
  if vim.fn.visualmode() == "v" and first[2] == line1 and last[2] == line2 and #lines > 0 then
    local final = lines[#lines]
    local end_col = math.min(last[3], #final)
    -- '> points at the first byte of the last character; keep all of that character's bytes.
    local last_char = vim.fn.strpart(final, end_col - 1, 1, 1)
    lines[#lines] = final:sub(1, end_col - 1 + #last_char)
    lines[1] = lines[1]:sub(first[3])
  end
  -- NOTE: a blockwise selection is sent as whole lines.
  return table.concat(lines, "\n")
end

-- Handles :ByokSend [text]: with a range, sends the selection (after the text, when given).
function M.send_command(opts)
  local instruction = opts.args or ""
  if opts.range and opts.range > 0 then
    local selection = M.selection_text(opts.line1, opts.line2)
    if instruction ~= "" then
      M.send(instruction .. "\n\n```" .. vim.bo.filetype .. "\n" .. selection .. "\n```")
    else
      M.send(selection)
    end
  elseif instruction ~= "" then
    M.send(instruction)
  else
    M.prompt()
  end
end

-- Aborts the running turn of the current session.
function M.abort()
  if not (state.client and state.session_id) then
    notify("no session is running", vim.log.levels.WARN)
    return
  end
  request_or_report("session.abort", { sessionId = state.session_id }, "session.abort failed")
end

-- Starts a new session; the next prompt goes to it.
function M.new_session()
  local previous = state.session_id
  state.session_id = nil
  state.busy = false
  if previous and state.client then
    state.client:request("session.detach", { sessionId = previous }, function() end)
  end
  prepare_session(function(err)
    if err then
      notify(err, vim.log.levels.ERROR)
    else
      chat.note("[new session " .. state.session_id .. "]")
    end
  end, create_session)
end

local function resume_last(done)
  local params, problem = session_params(false)
  if not params then
    done(problem)
    return
  end
  state.client:request("session.getLastId", {}, function(err, result)
    if err then
      done("session.getLastId failed: " .. describe_error(err))
      return
    end
    local id = type(result) == "table" and result.sessionId or nil
    if type(id) ~= "string" then
      done("there is no stored session to resume")
      return
    end
    params.sessionId = id
    state.client:request("session.resume", params, function(resume_err)
      if resume_err then
        done("session.resume failed: " .. describe_error(resume_err))
        return
      end
      state.session_id = id
      log("[byok] resumed session " .. id)
      state.client:request("session.getMessages", { sessionId = id }, function(history_err, history)
        chat.note("[resumed session " .. id .. "]")
        if history_err then
          notify("could not read the session's messages: " .. describe_error(history_err), vim.log.levels.WARN)
        else
          chat.history(history.events)
        end
        done(nil)
      end)
    end)
  end)
end

-- Resumes the most recently used session, passing the provider again because keys are never stored.
function M.resume()
  state.session_id = nil
  if state.options.open_on_send then
    M.open_chat()
  end
  prepare_session(function(err)
    if err then
      chat.note("[error] " .. err)
      notify(err, vim.log.levels.ERROR)
    end
  end, resume_last)
end

-- Shuts byok-host down: runtime.shutdown, then stdin is closed, then the process is stopped if it
-- is still running after `shutdown_timeout_ms`.
function M.shutdown()
  local client = state.client
  if not client or client.exited then
    return
  end
  state.shutting_down = true
  local timeout = state.options.shutdown_timeout_ms
  local err = client:request_sync("runtime.shutdown", {}, timeout)
  if err then
    log("[byok] runtime.shutdown failed: " .. describe_error(err))
  else
    log("[byok] runtime.shutdown answered")
  end
  client:close_stdin()
  if not client:wait_for_exit(timeout) then
    log("[byok] byok-host (pid " .. client.pid .. ") still runs " .. timeout .. " ms after its stdin closed; stopping it")
    client:kill()
    client:wait_for_exit(timeout)
  end
  if state.log_handle then
    state.log_handle:close()
    state.log_handle = nil
  end
end

-- Returns the plugin's state for statuslines and tests.
function M.status()
  return {
    running = state.client ~= nil and not state.client.exited,
    pid = state.client and state.client.pid or nil,
    session_id = state.session_id,
    busy = state.busy,
    turns_finished = state.turns_finished,
  }
end

-- Returns the chat buffer's number.
function M.chat_buffer()
  return chat.buffer()
end

return M

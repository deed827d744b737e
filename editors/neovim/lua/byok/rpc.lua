-- A JSON-RPC 2.0 client for a byok-host child process, over `jobstart()` pipes.
--
-- Only APIs present in Neovim 0.7 are used: `jobstart` with `on_stdout`, `chansend`, and
-- `vim.fn.json_encode`/`json_decode`, because `vim.system` and `vim.json` are newer.

local framing = require("byok.framing")

local M = {}

-- The error code passed to callbacks of requests that the host can no longer respond to.
M.host_exited_code = -32099

local Client = {}
Client.__index = Client

local function decode(body)
  local ok, message = pcall(vim.fn.json_decode, body)
  if not ok then
    return nil, tostring(message)
  end
  if type(message) ~= "table" then
    return nil, "the message is not a JSON object"
  end
  return message
end

-- Starts `cmd` (a list) and returns a client, or nil and an error message.
--
-- `handlers` holds:
--   on_notification(method, params)
--   on_request(method, params) -> result, error   (for requests the host sends)
--   on_stderr(line)                               (each line the host writes to stderr)
--   on_exit(code)
--   on_protocol_error(message)                    (framing and decoding errors)
function M.start(cmd, handlers)
  local client = setmetatable({
    handlers = handlers,
    next_id = 1,
    callbacks = {},
    stderr_partial = "",
    exited = false,
    exit_code = nil,
  }, Client)
  client.reader = framing.new_reader(function(body)
    client:dispatch(body)
  end, function(message)
    handlers.on_protocol_error("framing error: " .. message)
  end)

  local ok, job = pcall(vim.fn.jobstart, cmd, {
    on_stdout = function(_, data)
      client.reader:feed(framing.chunk_from_job_data(data))
    end,
    on_stderr = function(_, data)
      client:read_stderr(data)
    end,
    on_exit = function(_, code)
      client:finish(code)
    end,
  })
  if not ok then
    return nil, tostring(job)
  end
  if job == -1 then
    return nil, "'" .. tostring(cmd[1]) .. "' is not executable; set `cmd` or BYOK_HOST_BINARY to the byok-host binary"
  end
  if job <= 0 then
    return nil, "jobstart() failed for " .. vim.inspect(cmd)
  end
  client.job = job
  client.pid = vim.fn.jobpid(job)
  return client
end

-- Splits stderr output into lines, keeping a partial last line for the next call.
function Client:read_stderr(data)
  local text = self.stderr_partial .. table.concat(data, "\n")
  local lines = {}
  local start = 1
  while true do
    local newline = text:find("\n", start, true)
    if not newline then
      break
    end
    table.insert(lines, text:sub(start, newline - 1))
    start = newline + 1
  end
  self.stderr_partial = text:sub(start)
  for _, line in ipairs(lines) do
    self.handlers.on_stderr(line)
  end
end

function Client:finish(code)
  if self.stderr_partial ~= "" then
    self.handlers.on_stderr(self.stderr_partial)
    self.stderr_partial = ""
  end
  self.exited = true
  self.exit_code = code
  local callbacks = self.callbacks
  self.callbacks = {}
  for _, callback in pairs(callbacks) do
    callback({ code = M.host_exited_code, message = "byok-host exited with status " .. code }, nil)
  end
  self.handlers.on_exit(code)
end

function Client:dispatch(body)
  local message, problem = decode(body)
  if not message then
    self.handlers.on_protocol_error("could not decode a message from byok-host: " .. problem)
    return
  end
  local has_id = message.id ~= nil and message.id ~= vim.NIL
  if message.method ~= nil and has_id then
    self:answer_request(message)
  elseif message.method ~= nil then
    local params = message.params
    if params == vim.NIL then
      params = nil
    end
    self.handlers.on_notification(message.method, params or {})
  elseif has_id then
    local callback = self.callbacks[message.id]
    self.callbacks[message.id] = nil
    if callback then
      local err = message.error
      if err == vim.NIL then
        err = nil
      end
      callback(err, message.result)
    end
  else
    local err = message.error
    local text = type(err) == "table" and tostring(err.message) or body
    self.handlers.on_protocol_error("byok-host reported an error without a request id: " .. text)
  end
end

function Client:answer_request(message)
  local ok, result, err = pcall(self.handlers.on_request, message.method, message.params)
  local reply = { jsonrpc = "2.0", id = message.id }
  if not ok then
    reply.error = { code = -32603, message = "The editor failed to handle " .. message.method .. ": " .. tostring(result) }
  elseif err then
    reply.error = err
  else
    reply.result = result == nil and vim.NIL or result
  end
  self:write(reply)
end

-- Encodes and sends one message; returns true, or false and an error message.
function Client:write(message)
  if self.exited or not self.job then
    return false, "byok-host is not running"
  end
  local ok, body = pcall(vim.fn.json_encode, message)
  if not ok then
    return false, "could not encode the message as JSON: " .. tostring(body)
  end
  local sent = vim.fn.chansend(self.job, framing.encode(body))
  if sent == 0 then
    return false, "could not write to byok-host's stdin"
  end
  return true
end

-- Sends a request; `callback(err, result)` runs once with the response, or with an error when the
-- request could not be sent or the host exits first. Returns the request id, or nil.
function Client:request(method, params, callback)
  local id = self.next_id
  self.next_id = id + 1
  self.callbacks[id] = callback
  -- json_encode() writes an empty Lua table as [], and byok-host rejects params that are not an object.
  if params == nil or (getmetatable(params) == nil and vim.tbl_isempty(params)) then
    params = vim.empty_dict()
  end
  local ok, problem = self:write({ jsonrpc = "2.0", id = id, method = method, params = params })
  if not ok then
    self.callbacks[id] = nil
    callback({ code = M.host_exited_code, message = problem }, nil)
    return nil
  end
  return id
end

-- Sends a request and waits up to `timeout_ms` for its response. Returns err, result; err is a
-- timeout error when no response arrived in time.
function Client:request_sync(method, params, timeout_ms)
  local done, response_error, response_result = false, nil, nil
  self:request(method, params, function(err, result)
    done, response_error, response_result = true, err, result
  end)
  vim.wait(timeout_ms, function()
    return done
  end, 10)
  if not done then
    return { code = -32000, message = method .. " timed out after " .. timeout_ms .. " ms" }, nil
  end
  return response_error, response_result
end

-- Closes the host's stdin, which makes byok-host finish its work and exit.
function Client:close_stdin()
  if self.job and not self.exited then
    pcall(vim.fn.chanclose, self.job, "stdin")
  end
end

-- Waits up to `timeout_ms` for the process to exit; returns true once it has.
function Client:wait_for_exit(timeout_ms)
  if self.exited then
    return true
  end
  local status = vim.fn.jobwait({ self.job }, timeout_ms)[1]
  -- jobwait returns -1 on timeout; any other value means the job is gone. on_exit may run later.
  return status ~= -1
end

-- Stops the process (SIGTERM, then SIGKILL when it ignores that).
function Client:kill()
  if self.job then
    pcall(vim.fn.jobstop, self.job)
  end
end

return M

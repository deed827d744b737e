-- Permission prompts and the editor-side tools that the model may call.

local M = {}

-- Returns the JSON text of tool-call arguments for prompts and notes.
function M.encode_arguments(arguments)
  if type(arguments) ~= "table" or vim.tbl_isempty(arguments) then
    return "{}"
  end
  local ok, text = pcall(vim.fn.json_encode, arguments)
  return ok and text or vim.inspect(arguments)
end

-- Asks the user whether a tool call may run, with `options.confirm` when set, else confirm().
-- Returns true to approve.
function M.ask(options, question)
  if options.confirm then
    return options.confirm(question) == true
  end
  return vim.fn.confirm(question, "&Yes\n&No", 2, "Question") == 1
end

-- Returns the question for a permission.requested event, the tool's name and its arguments as text.
function M.permission_question(data)
  local request = type(data.permissionRequest) == "table" and data.permissionRequest or {}
  local tool = tostring(request.toolName or request.kind or "a tool")
  local arguments = M.encode_arguments(request.args)
  return "byok: allow the tool '" .. tool .. "' to run with " .. arguments .. "?", tool, arguments
end

local function find(tools, name)
  for _, tool in ipairs(tools or {}) do
    if tool.name == name then
      return tool
    end
  end
  return nil
end

-- Runs the handler of the configured tool `name` and returns the `result` object of
-- session.tools.handlePendingToolCall. A handler returns a string, or { text, resultType }.
function M.run(tools, name, arguments)
  local tool = find(tools, name)
  if not tool or type(tool.handler) ~= "function" then
    return { resultType = "failure", textResultForLlm = "The editor has no tool named '" .. name .. "'." }
  end
  local ok, value = pcall(tool.handler, type(arguments) == "table" and arguments or {})
  if not ok then
    return { resultType = "failure", textResultForLlm = "The tool '" .. name .. "' failed: " .. tostring(value) }
  end
  if type(value) == "table" then
    return { resultType = value.resultType or "success", textResultForLlm = tostring(value.text or "") }
  end
  return { resultType = "success", textResultForLlm = tostring(value) }
end

return M

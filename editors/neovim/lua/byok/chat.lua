-- The layout of the chat buffer `byok://chat`: a "## You" section per prompt, a "## Assistant"
-- section per answer, and notes such as "[error] ..." on lines of their own. The last line is always
-- the line that streamed text is appended to.

local buffers = require("byok.buffers")

local M = {}

M.name = "byok://chat"

-- True after a prompt is shown until its answer's heading is written.
local heading_pending = false

-- Returns the chat buffer, creating it with its <C-c> mapping when needed.
function M.buffer()
  local buf = buffers.get(M.name, "markdown")
  if not vim.b[buf].byok_mapped then
    vim.keymap.set("n", "<C-c>", "<Cmd>ByokAbort<CR>", { buffer = buf, desc = "Abort the running byok turn" })
    vim.b[buf].byok_mapped = true
  end
  return buf
end

local function last_line_is_empty(buf)
  local count = vim.api.nvim_buf_line_count(buf)
  return vim.api.nvim_buf_get_lines(buf, count - 1, count, false)[1] == ""
end

-- Writes `lines` on lines of their own and leaves an empty last line for the text that follows.
local function write_block(lines)
  local buf = M.buffer()
  local block = vim.deepcopy(lines)
  table.insert(block, "")
  if last_line_is_empty(buf) then
    local count = vim.api.nvim_buf_line_count(buf)
    vim.api.nvim_buf_set_lines(buf, count - 1, count, false, block)
  else
    vim.api.nvim_buf_set_lines(buf, -1, -1, false, block)
  end
  buffers.append_text(buf, "")
end

-- Writes a note such as "[aborted]"; newlines in `text` start new lines.
function M.note(text)
  write_block(buffers.split_lines(text))
end

local function section(title)
  local buf = M.buffer()
  if vim.api.nvim_buf_line_count(buf) == 1 and last_line_is_empty(buf) then
    write_block({ title })
  else
    write_block({ "", title })
  end
end

function M.user_message(content)
  section("## You")
  buffers.append_text(M.buffer(), content)
  buffers.finish_line(M.buffer())
  heading_pending = true
end

-- Appends answer text, after the "## Assistant" heading when it is the answer's first text.
function M.assistant_text(text)
  if text == "" then
    return
  end
  if heading_pending then
    section("## Assistant")
    heading_pending = false
  end
  buffers.append_text(M.buffer(), text)
end

-- Ends the current line when it has text.
function M.finish_line()
  buffers.finish_line(M.buffer())
end

-- Shows a resumed session's stored conversation.
function M.history(events)
  for _, event in ipairs(events or {}) do
    local data = type(event.data) == "table" and event.data or {}
    if event.type == "user.message" then
      M.user_message(tostring(data.content or ""))
    elseif event.type == "assistant.message" and type(data.content) == "string" then
      M.assistant_text(data.content)
    elseif event.type == "session.error" then
      M.note("[error] " .. tostring(data.message))
    end
  end
  M.finish_line()
end

return M

-- The chat buffer, where prompts and streamed answers appear, and the log buffer.

local M = {}

-- The log buffer keeps at most this many lines and drops the oldest.
M.max_log_lines = 5000

local buffers = {}

local function split_lines(text)
  local lines = {}
  local start = 1
  while true do
    local newline = text:find("\n", start, true)
    if not newline then
      table.insert(lines, text:sub(start))
      return lines
    end
    table.insert(lines, text:sub(start, newline - 1))
    start = newline + 1
  end
end
M.split_lines = split_lines

-- Returns the scratch buffer called `name`, creating it when needed.
function M.get(name, filetype)
  local buf = buffers[name]
  if buf and vim.api.nvim_buf_is_valid(buf) then
    return buf
  end
  buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, name)
  vim.bo[buf].buftype = "nofile"
  vim.bo[buf].bufhidden = "hide"
  vim.bo[buf].swapfile = false
  if filetype then
    vim.bo[buf].filetype = filetype
  end
  buffers[name] = buf
  return buf
end

-- Moves the cursor of every window that shows `buf` to its last line, so new text stays in view.
local function follow(buf)
  local last = vim.api.nvim_buf_line_count(buf)
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    pcall(vim.api.nvim_win_set_cursor, win, { last, 0 })
  end
end

local function is_empty(buf)
  return vim.api.nvim_buf_line_count(buf) == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ""
end

-- Appends whole lines after the last line (or replaces the single empty line of a new buffer).
function M.append_lines(buf, lines)
  if is_empty(buf) then
    vim.api.nvim_buf_set_lines(buf, 0, 1, false, lines)
  else
    vim.api.nvim_buf_set_lines(buf, -1, -1, false, lines)
  end
  follow(buf)
end

-- Appends text to the end of the last line; newlines in `text` start new lines.
function M.append_text(buf, text)
  local pieces = split_lines(text)
  local last = vim.api.nvim_buf_line_count(buf)
  local current = vim.api.nvim_buf_get_lines(buf, last - 1, last, false)[1] or ""
  pieces[1] = current .. pieces[1]
  vim.api.nvim_buf_set_lines(buf, last - 1, last, false, pieces)
  follow(buf)
end

-- Ends the current line when it has text, so the next append starts on a line of its own.
function M.finish_line(buf)
  local last = vim.api.nvim_buf_line_count(buf)
  if vim.api.nvim_buf_get_lines(buf, last - 1, last, false)[1] ~= "" then
    vim.api.nvim_buf_set_lines(buf, -1, -1, false, { "" })
  end
end

-- Appends log lines and drops the oldest beyond `max_log_lines`.
function M.append_log(buf, lines)
  M.append_lines(buf, lines)
  local excess = vim.api.nvim_buf_line_count(buf) - M.max_log_lines
  if excess > 0 then
    vim.api.nvim_buf_set_lines(buf, 0, excess, false, {})
  end
end

-- Shows `buf` in a window: the current one when it already shows it, else one opened with `split`.
function M.show(buf, split)
  local windows = vim.fn.win_findbuf(buf)
  if #windows > 0 then
    return windows[1]
  end
  local previous = vim.api.nvim_get_current_win()
  vim.cmd(split)
  local win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_buf(win, buf)
  follow(buf)
  vim.api.nvim_set_current_win(previous)
  return win
end

return M

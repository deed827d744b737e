-- Content-Length framing for byok-host's stdout: `Content-Length: N\r\n\r\n` then N bytes of UTF-8 JSON.
--
-- Lua strings are byte strings, so a chunk that ends inside a header or inside a multibyte character is
-- simply kept until the rest arrives. Bodies are decoded only once all N bytes are buffered.

local M = {}

-- The longest header block accepted, so garbage on stdout cannot grow the buffer without bound.
M.max_header_bytes = 8192

local Reader = {}
Reader.__index = Reader

-- Creates a reader. `on_body(body)` receives each complete body as a string, and
-- `on_error(message)` each framing error; after an error the reader drops what it had buffered.
function M.new_reader(on_body, on_error)
  return setmetatable({
    pieces = {},
    size = 0,
    body_length = nil,
    on_body = on_body,
    on_error = on_error,
  }, Reader)
end

-- Joins the buffered pieces into one string and keeps that string as the only piece.
function Reader:joined()
  local text = table.concat(self.pieces)
  self.pieces = { text }
  return text
end

function Reader:reset(rest)
  self.pieces = { rest }
  self.size = #rest
end

-- Parses a header block and returns the Content-Length, or nil and an error message.
local function content_length(header_block)
  local length
  for line in (header_block .. "\r\n"):gmatch("(.-)\r\n") do
    local name, value = line:match("^([^:]+):%s*(.-)%s*$")
    if name and name:lower() == "content-length" then
      if not value:match("^%d+$") then
        return nil, "invalid Content-Length '" .. value .. "'"
      end
      length = tonumber(value)
    end
  end
  if not length then
    return nil, "header block without Content-Length: '" .. header_block .. "'"
  end
  return length
end

-- Adds a chunk of raw bytes and calls `on_body` for every frame it completes.
function Reader:feed(chunk)
  if chunk == "" then
    return
  end
  table.insert(self.pieces, chunk)
  self.size = self.size + #chunk
  while true do
    if self.body_length == nil then
      local buffered = self:joined()
      local header_end = buffered:find("\r\n\r\n", 1, true)
      if not header_end then
        if #buffered > M.max_header_bytes then
          self:reset("")
          self.on_error("no header end within " .. M.max_header_bytes .. " bytes; dropped them")
        end
        return
      end
      local length, message = content_length(buffered:sub(1, header_end - 1))
      self:reset(buffered:sub(header_end + 4))
      if not length then
        self.on_error(message)
      else
        self.body_length = length
      end
    else
      if self.size < self.body_length then
        return
      end
      local buffered = self:joined()
      local body = buffered:sub(1, self.body_length)
      self:reset(buffered:sub(self.body_length + 1))
      self.body_length = nil
      self.on_body(body)
    end
  end
end

-- Turns the `data` list of a `jobstart()` stdout callback back into the raw bytes it was split from.
-- Neovim splits each chunk at "\n" and the pieces join back exactly; `{""}` alone marks end of file.
function M.chunk_from_job_data(data)
  return table.concat(data, "\n")
end

-- Returns the frame for one JSON body.
function M.encode(body)
  return "Content-Length: " .. #body .. "\r\n\r\n" .. body
end

return M

-- Editor side of editors/neovim/test.sh: runs the scenario named by $BYOK_TEST_SCENARIO against the
-- real byok-host and the mock provider the harness started, writes one PASS or FAIL line per check to
-- $BYOK_TEST_RESULTS, and quits Neovim, which makes the plugin shut the host down.

vim.cmd("runtime plugin/byok.lua")
local byok = require("byok")

local scenario = os.getenv("BYOK_TEST_SCENARIO")
local results = assert(io.open(assert(os.getenv("BYOK_TEST_RESULTS")), "a"))

-- Milliseconds to wait for anything the host or the mock provider does.
local wait_ms = 15000

local function check(name, ok, detail)
  if ok then
    results:write("PASS ", scenario, ": ", name, "\n")
  else
    -- One line per check: the harness reads the results file line by line.
    local one_line = tostring(detail):gsub("\n", "\\n")
    results:write("FAIL ", scenario, ": ", name, ": ", one_line, "\n")
  end
  results:flush()
end

local function check_equal(name, actual, expected)
  check(name, vim.deep_equal(actual, expected), "expected " .. vim.inspect(expected) .. ", got " .. vim.inspect(actual))
end

local function wait_for(condition)
  return vim.wait(wait_ms, condition, 10)
end

local function setup(overrides)
  local options = {
    model = "mock-model",
    provider = { type = "openai", baseUrl = os.getenv("BYOK_TEST_BASE_URL"), apiKeyEnv = "BYOK_TEST_API_KEY" },
    args = { "--log-level", "debug" },
    log_file = os.getenv("BYOK_TEST_LOG_FILE"),
  }
  byok.setup(vim.tbl_extend("force", options, overrides or {}))
end

local function write_pid()
  local file = assert(io.open(os.getenv("BYOK_TEST_PID_FILE"), "w"))
  file:write(tostring(byok.status().pid or ""))
  file:close()
end

local function chat_lines()
  return vim.api.nvim_buf_get_lines(byok.chat_buffer(), 0, -1, false)
end

local function chat_text()
  return table.concat(chat_lines(), "\n")
end

local function contains(text, part)
  return text:find(part, 1, true) ~= nil
end

-- The text under the last "## Assistant" heading, up to the next note, without trailing empty lines.
local function answer_text()
  local lines = chat_lines()
  local start
  for index = #lines, 1, -1 do
    if lines[index] == "## Assistant" then
      start = index + 1
      break
    end
  end
  if not start then
    return ""
  end
  local answer = {}
  for index = start, #lines do
    if lines[index]:match("^%[") then
      break
    end
    table.insert(answer, lines[index])
  end
  while #answer > 0 and answer[#answer] == "" do
    table.remove(answer)
  end
  return table.concat(answer, "\n")
end

local function wait_for_turns(count)
  return wait_for(function()
    return byok.status().turns_finished >= count
  end)
end

local function count_matches(text, part)
  local count, start = 0, 1
  while true do
    local found = text:find(part, start, true)
    if not found then
      return count
    end
    count = count + 1
    start = found + #part
  end
end

local streamed_reply = "Héllo, wörld ✓ 🙂\nsecond line"

local scenarios = {}

function scenarios.stream()
  setup()
  byok.send("Say hello")
  write_pid()
  local snapshots = {}
  local finished = wait_for(function()
    local text = answer_text()
    if text ~= "" and snapshots[#snapshots] ~= text then
      table.insert(snapshots, text)
    end
    return byok.status().turns_finished >= 1
  end)
  check("turn finished", finished, "no session.idle within " .. wait_ms .. " ms")
  check_equal("answer equals the scripted reply", answer_text(), streamed_reply)

  -- The chunks arrive 150 ms apart, so a plugin that showed the answer only at the end has one snapshot.
  local growing = #snapshots >= 3
  for index, snapshot in ipairs(snapshots) do
    local previous = snapshots[index - 1] or ""
    if streamed_reply:sub(1, #snapshot) ~= snapshot or #snapshot <= #previous then
      growing = false
    end
  end
  check("answer grew chunk by chunk, in order", growing, vim.inspect(snapshots))
  check("prompt shown above the answer", contains(chat_text(), "## You\nSay hello\n\n## Assistant"), chat_text())

  vim.cmd("ByokLog")
  local log = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  check("ByokLog shows the host's stderr", contains(log, "Session created"), log)
end

scenarios["no-stream"] = function()
  setup({ streaming = false })
  byok.send("Say hello")
  write_pid()
  check("turn finished", wait_for_turns(1), "no session.idle within " .. wait_ms .. " ms")
  check_equal("answer from assistant.message", answer_text(), streamed_reply)
end

-- Feeds two frames with multibyte bodies to the frame reader, split at every byte offset, including
-- offsets inside the header and inside multibyte characters.
local function check_frame_reader()
  local framing = require("byok.framing")
  local bodies = { '{"text":"Grüße ✓ 🙂"}', '{"text":"—\\r\\n\\r\\nContent-Length: 3"}' }
  local stream = framing.encode(bodies[1]) .. framing.encode(bodies[2])
  local failures = {}
  for split = 1, #stream - 1 do
    local received, errors = {}, {}
    local reader = framing.new_reader(function(body)
      table.insert(received, body)
    end, function(message)
      table.insert(errors, message)
    end)
    reader:feed(stream:sub(1, split))
    reader:feed(stream:sub(split + 1))
    if not vim.deep_equal(received, bodies) or #errors > 0 then
      table.insert(failures, split)
    end
  end
  check("frame reader splits at every byte", #failures == 0, "failed at offsets " .. table.concat(failures, ","))

  local received = {}
  local reader = framing.new_reader(function(body)
    table.insert(received, body)
  end, function() end)
  for index = 1, #stream do
    reader:feed(stream:sub(index, index))
  end
  check_equal("frame reader fed one byte at a time", received, bodies)
end

function scenarios.large()
  check_frame_reader()
  local file = assert(io.open(os.getenv("BYOK_TEST_EXPECTED"), "r"))
  local expected = file:read("*a")
  file:close()
  setup()
  byok.send("Send a long text")
  write_pid()
  check("turn finished", wait_for_turns(1), "no session.idle within " .. wait_ms .. " ms")
  local answer = answer_text()
  local first_difference = 0
  for index = 1, math.max(#answer, #expected) do
    if answer:byte(index) ~= expected:byte(index) then
      first_difference = index
      break
    end
  end
  check("large multibyte answer arrived intact", first_difference == 0,
    "got " .. #answer .. " bytes, expected " .. #expected .. ", first difference at byte " .. first_difference)
end

function scenarios.permission()
  local questions, looked_up = {}, {}
  local decisions = { true, false }
  setup({
    tools = {
      {
        name = "lookup_word",
        description = "Looks up a word in the editor's dictionary.",
        parameters = { type = "object", properties = { word = { type = "string" } }, required = { "word" } },
        handler = function(arguments)
          table.insert(looked_up, arguments.word)
          return arguments.word .. ": a fruit"
        end,
      },
    },
    request_permission = true,
    confirm = function(question)
      table.insert(questions, question)
      return table.remove(decisions, 1)
    end,
  })
  byok.send("Define apple")
  write_pid()
  check("approved turn finished", wait_for_turns(1), "no session.idle within " .. wait_ms .. " ms")
  byok.send("Define pear")
  check("rejected turn finished", wait_for_turns(2), "no session.idle within " .. wait_ms .. " ms")

  check_equal("user asked once per tool call", #questions, 2)
  check("question names the tool and its arguments",
    questions[1] and contains(questions[1], "lookup_word") and contains(questions[1], '"apple"'), questions[1])
  check_equal("only the approved call ran", looked_up, { "apple" })
  local text = chat_text()
  check("approved result reached the model", contains(text, "Approved tool ran."), text)
  check("rejection reached the model", contains(text, "Rejected tool did not run."), text)
  check("decisions shown in the chat",
    contains(text, '[permission] lookup_word {"word": "apple"}: approved')
      and contains(text, '[permission] lookup_word {"word": "pear"}: rejected'), text)
end

function scenarios.error()
  setup()
  byok.send("Hello")
  write_pid()
  check("turn finished", wait_for_turns(1), "no session.idle within " .. wait_ms .. " ms")
  local text = chat_text()
  check("error shown in the chat buffer",
    contains(text, "[error] ") and contains(text, "Incorrect API key provided: sk-wrong."), text)
  local messages = vim.fn.execute("messages")
  check("error shown in :messages", contains(messages, "Incorrect API key provided: sk-wrong."), messages)
end

function scenarios.abort()
  setup()
  byok.send("Count slowly")
  write_pid()
  check("first reply started", wait_for(function()
    return answer_text() == "one two "
  end), chat_text())
  vim.cmd("ByokAbort")
  check("ByokAbort ended the turn", wait_for_turns(1), "no session.idle within " .. wait_ms .. " ms")
  check("abort shown after the partial answer", contains(chat_text(), "one two \n[aborted]"), chat_text())

  byok.send("Count again")
  check("second reply started", wait_for(function()
    return answer_text() == "five six "
  end), chat_text())
  -- <leader>aa with the default leader, typed as keys so that the mapping runs.
  vim.api.nvim_feedkeys("\\aa", "x", false)
  check("abort key ended the turn", wait_for_turns(2), "no session.idle within " .. wait_ms .. " ms")
  check_equal("two aborts shown", count_matches(chat_text(), "[aborted]"), 2)
end

scenarios["resume-first"] = function()
  setup()
  byok.send("Remember the word zebra")
  write_pid()
  check("turn finished", wait_for_turns(1), "no session.idle within " .. wait_ms .. " ms")
  check("answer shown", contains(chat_text(), "Noted: zebra."), chat_text())
  local file = assert(io.open(os.getenv("BYOK_TEST_SESSION_FILE"), "w"))
  file:write(byok.status().session_id or "")
  file:close()
end

scenarios["resume-second"] = function()
  local file = assert(io.open(os.getenv("BYOK_TEST_SESSION_FILE"), "r"))
  local first_session = file:read("*a")
  file:close()
  setup()
  vim.cmd("ByokResume")
  write_pid()
  check("session resumed", wait_for(function()
    return contains(chat_text(), "[resumed session")
  end), chat_text())
  check_equal("resumed the last session", byok.status().session_id, first_session)
  local text = chat_text()
  check("history shown", contains(text, "Remember the word zebra") and contains(text, "Noted: zebra."), text)
  byok.send("Which word?")
  check("turn finished", wait_for_turns(1), "no session.idle within " .. wait_ms .. " ms")
  check("answer used the earlier conversation", contains(chat_text(), "The word was zebra."), chat_text())
end

function scenarios.configuration()
  setup({ cmd = { "/nonexistent/byok-host" } })
  byok.send("Hello")
  local text = chat_text()
  check("missing binary reported", contains(text, "[error] could not start byok-host") and contains(text, "/nonexistent/byok-host"), text)

  setup({ provider = { type = "openai", baseUrl = os.getenv("BYOK_TEST_BASE_URL"), apiKeyEnv = "BYOK_TEST_UNSET_KEY" } })
  byok.send("Hello")
  write_pid()
  check("unset key variable reported", wait_for(function()
    return contains(chat_text(), "$BYOK_TEST_UNSET_KEY is not set")
  end), chat_text())
  local messages = vim.fn.execute("messages")
  check("unset key variable in :messages", contains(messages, "$BYOK_TEST_UNSET_KEY is not set"), messages)
end

function scenarios.linger()
  -- sleep does not read stdin, so it neither responds to runtime.shutdown nor exits when stdin closes.
  setup({ cmd = { "sleep", "300" }, args = {}, shutdown_timeout_ms = 500 })
  byok.send("Hello")
  write_pid()
  check("stand-in process started", byok.status().running, vim.inspect(byok.status()))
end

local ok, problem = pcall(scenarios[scenario] or function()
  error("unknown scenario " .. tostring(scenario))
end)
if not ok then
  check("scenario ran without a Lua error", false, problem)
end
results:close()
vim.cmd("qa!")

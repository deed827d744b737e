-- Options of the byok-host plugin and the provider object sent to `session.create`.

local M = {}

M.defaults = {
  -- The host command. The binary comes from $BYOK_HOST_BINARY, else `byok-host` on PATH.
  cmd = nil,
  -- Extra arguments after `--stdio`, for example { "--log-level", "info" }.
  args = {},
  -- The model name. Default: $BYOK_MODEL.
  model = nil,
  -- { type, baseUrl, apiKeyEnv, azure = { apiVersion } }; missing fields come from the environment.
  provider = {},
  -- Stream the answer as it arrives (assistant.message_delta); otherwise show the whole answer at the end.
  streaming = true,
  -- Appended to the host's system prompt.
  system_message = nil,
  -- Tools the model may call; each { name, description, parameters, handler = function(args) ... end }.
  tools = {},
  -- Ask before each tool call.
  request_permission = true,
  -- function(question) -> boolean; asks the user whether a tool call may run. Default: confirm().
  confirm = nil,
  -- A file that receives the host's stderr and the plugin's own log lines, besides the log buffer.
  log_file = nil,
  -- The command that opens the chat window.
  split = "botright vsplit",
  -- Open the chat window when a prompt is sent.
  open_on_send = true,
  -- Global mappings; set a key to false, or `keymaps = false`, to leave it unmapped.
  keymaps = { send = "<leader>as", abort = "<leader>aa" },
  -- Milliseconds to wait for runtime.shutdown and then for the process to exit when Neovim quits.
  shutdown_timeout_ms = 3000,
}

-- The variables each provider type reads its key from, unless `apiKeyEnv` names another.
-- `false` means the provider needs no key.
M.key_variables = {
  openai = "OPENAI_API_KEY",
  azure = "AZURE_OPENAI_API_KEY",
  anthropic = "ANTHROPIC_API_KEY",
  ollama = false,
}

M.base_urls = {
  openai = "https://api.openai.com/v1",
  anthropic = "https://api.anthropic.com",
  ollama = "http://localhost:11434/v1",
}

local function env(name)
  local value = os.getenv(name)
  if value == nil or value == "" then
    return nil
  end
  return value
end

-- Merges user options over the defaults.
function M.merge(options)
  local merged = vim.tbl_deep_extend("force", {}, M.defaults, options or {})
  -- Lists and functions replace the defaults whole instead of being merged entry by entry.
  if options and options.tools then
    merged.tools = options.tools
  end
  if options and options.keymaps == false then
    merged.keymaps = false
  end
  return merged
end

-- Returns the command that starts the host.
function M.command(options)
  local cmd = options.cmd
  if cmd == nil then
    cmd = { env("BYOK_HOST_BINARY") or "byok-host", "--stdio" }
  elseif type(cmd) == "string" then
    cmd = { cmd, "--stdio" }
  else
    cmd = vim.deepcopy(cmd)
  end
  for _, argument in ipairs(options.args or {}) do
    table.insert(cmd, argument)
  end
  return cmd
end

-- Returns the model name, or nil and an error message.
function M.model(options)
  local model = options.model or env("BYOK_MODEL")
  if not model then
    return nil, "no model configured: set `model` in require('byok').setup{} or $BYOK_MODEL"
  end
  return model
end

-- Builds the `provider` object of session.create and session.resume, reading the key from the
-- environment at this moment. Returns the provider, or nil and an error message.
function M.provider(options)
  local configured = options.provider or {}
  if configured.apiKey ~= nil or configured.bearerToken ~= nil then
    return nil, "provider.apiKey is not read from the configuration; put the key in an environment "
      .. "variable and name it with provider.apiKeyEnv"
  end
  local kind = configured.type or env("BYOK_PROVIDER_TYPE") or "openai"
  if M.key_variables[kind] == nil then
    return nil, "provider type '" .. kind .. "' is not supported; use openai, azure, anthropic or ollama"
  end

  local provider = {}
  for key, value in pairs(configured) do
    if key ~= "apiKeyEnv" and key ~= "type" then
      provider[key] = value
    end
  end
  -- Ollama serves the OpenAI Chat Completions API, so the host talks to it as an OpenAI provider.
  provider.type = kind == "ollama" and "openai" or kind
  provider.baseUrl = configured.baseUrl or env("BYOK_BASE_URL") or M.base_urls[kind]
  if not provider.baseUrl then
    return nil, "provider.baseUrl is required for type '" .. kind .. "', for example https://NAME.openai.azure.com"
  end
  if kind == "azure" then
    local version = (configured.azure or {}).apiVersion or env("BYOK_AZURE_API_VERSION")
    if version then
      provider.azure = { apiVersion = version }
    end
  end

  local key_variable = configured.apiKeyEnv
  if key_variable == nil then
    key_variable = env("BYOK_API_KEY_ENV") or M.key_variables[kind]
  end
  if key_variable then
    local key = env(key_variable)
    if not key then
      return nil, "the API key variable $" .. key_variable .. " is not set; export it, or set provider.apiKeyEnv "
        .. "to the variable that holds your key"
    end
    provider.apiKey = key
  end
  return provider
end

-- Returns the tool definitions for the host: the configured tools without their handlers.
function M.tool_definitions(options)
  local definitions = {}
  for _, tool in ipairs(options.tools or {}) do
    local parameters = tool.parameters or { type = "object" }
    parameters = vim.deepcopy(parameters)
    -- json_encode() writes an empty Lua table as [], but JSON Schema needs an object here.
    if parameters.properties == nil or vim.tbl_isempty(parameters.properties) then
      parameters.properties = vim.empty_dict()
    end
    table.insert(definitions, {
      name = tool.name,
      description = tool.description or "",
      parameters = parameters,
      skipPermission = tool.skip_permission or false,
    })
  end
  return definitions
end

return M

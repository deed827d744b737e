/// The text printed by `--help`.
enum HelpText {
  static let version = "0.1.0"

  static let serve = """
    byok-host \(version): a JSON-RPC agent host for your own model provider (bring your own key).

    Usage:
      byok-host [--stdio] [options]        Serve JSON-RPC 2.0 on stdin/stdout with Content-Length framing.
      byok-host --port N [--host ADDR]     Serve the same protocol on TCP (127.0.0.1 by default) and print
                                           'byok-host listening on port N' once ready.
      byok-host chat [options] PROMPT      Run one streamed turn and print the answer (see 'byok-host chat --help').
      byok-host mock-provider --script F   Start the scripted mock provider (see 'byok-host mock-provider --help').

    Options:
      --stdio                     Serve on stdin/stdout. This is the default, except that a host started
                                  without --stdio and with stdin at /dev/null serves TCP on a free port,
                                  as the Copilot SDKs expect.
      --port N                    Serve TCP on port N (0 picks a free one).
      --host ADDR                 The IP address to listen on with TCP (default 127.0.0.1).
      --home DIR                  State directory for sessions. Default: $BYOK_HOST_HOME, else $COPILOT_HOME,
                                  else $XDG_STATE_HOME/byok-host, else ~/.local/state/byok-host.
      --log-level LEVEL           none, error, warning (default), info, debug or all.
      --log-file PATH             Write logs to PATH instead of stderr.
      --stream-idle-timeout SECS  Fail a model call when the provider sends nothing for SECS seconds (default 120).
      --connection-token TOKEN    Require this token in the params of 'connect' before any other call.
                                  In TCP mode COPILOT_CONNECTION_TOKEN sets it too.
      --max-model-calls N         End a send with session.error after N model calls (default 50).
      --tool-timeout SECS         Fail a client tool or permission request unanswered for SECS seconds
                                  (default 600).
      --max-retries N             Retry a provider request that failed before streaming began (HTTP 408,
                                  409, 429, 5xx, connection failures) up to N times (default 3).
      --max-retry-delay SECS      The longest wait before a retry, including one asked for by the
                                  provider's retry-after header (default 60).
      --provider-base-url URL     A default provider for sessions that bring none, and for models.list.
                                  Also BYOK_HOST_PROVIDER_BASE_URL.
      --provider-type TYPE        The default provider's type: openai (default), azure or anthropic.
                                  Also BYOK_HOST_PROVIDER_TYPE.
      --provider-api-key-env NAME The variable holding the default provider's key; without it,
                                  BYOK_HOST_PROVIDER_API_KEY is read.
      --version                   Print the version and exit.
      --help                      Print this help and exit.

    Accepted for the Copilot SDKs: --headless, --no-auto-update, --no-auto-login, --auth-token-env NAME,
    --session-idle-timeout SECS, --remote. They change nothing in byok-host.

    stdout carries only protocol frames; logs go to stderr or --log-file. API keys are never written to disk
    or to a log.
    """

  static let chat = """
    Run one turn against a model provider and print the answer as it streams.

    Usage:
      byok-host chat --mock PROMPT
      byok-host chat --base-url URL --model MODEL [--api-key-env NAME] PROMPT

    Options:
      --mock                 Use the built-in mock provider: no key and no network needed.
      --base-url URL         The provider's OpenAI-compatible base URL, e.g. https://api.openai.com/v1
                             or http://localhost:11434/v1 for Ollama.
      --model MODEL          The model name sent to the provider.
      --provider-type TYPE   openai (the default; also for Ollama and other compatible servers),
                             azure or anthropic.
      --azure-api-version V  With azure: use the deployment route with this api-version instead of
                             the /openai/v1 route.
      --api-key-env NAME     The environment variable holding the API key (default OPENAI_API_KEY,
                             AZURE_OPENAI_API_KEY or ANTHROPIC_API_KEY by type). When it is unset or
                             empty, no key is sent (fine for a local Ollama).
      --system TEXT          Text appended to the system prompt.
      --home DIR             State directory; the chat is saved there as a session you can resume.
      --log-level LEVEL      none, error, warning (default), info, debug or all; logs go to stderr.
      --stream-idle-timeout SECS
                             Fail when the provider sends nothing for SECS seconds (default 120).
      --max-retries N        Retries of a request that failed before streaming began (default 3).
      --max-retry-delay SECS The longest wait before a retry (default 60).
    """
}

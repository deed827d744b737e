import JSONRPC

/// The model APIs the mock provider speaks, chosen by the request path.
enum WireFormat: Sendable {
  /// `POST …/chat/completions`: OpenAI, Azure OpenAI and OpenAI-compatible servers such as Ollama.
  case chatCompletions
  /// `POST …/responses`: the OpenAI Responses API, also under Azure's `/openai/responses` and `/openai/v1/responses`.
  case responses
  /// `POST …/v1/messages`: the Anthropic Messages API.
  case anthropicMessages

  /// Returns the format that a `POST` to `path` (without its query) requests, or `nil` for another route.
  static func route(path: String) -> WireFormat? {
    if path.hasSuffix("/chat/completions") { return .chatCompletions }
    if path.hasSuffix("/responses") { return .responses }
    if path.hasSuffix("/v1/messages") { return .anthropicMessages }
    return nil
  }

  /// The word for one tool result of this format, as error messages name it.
  var toolResultName: String {
    switch self {
    case .chatCompletions: return "tool message"
    case .responses: return "function_call_output item"
    case .anthropicMessages: return "tool_result block"
    }
  }

  /// The field of a tool result that names the call it answers.
  var toolResultIDField: String {
    switch self {
    case .chatCompletions: return "tool_call_id"
    case .responses: return "call_id"
    case .anthropicMessages: return "tool_use_id"
    }
  }
}

/// Builds error bodies in the envelope a client of one route and dialect expects.
struct ErrorEnvelope {
  var format: WireFormat
  var dialect: MockScript.Dialect
  /// The `request_id` of an Anthropic error body.
  var requestID: String

  /// The OpenAI envelope of api.openai.com, for responses sent before the route is known.
  static let openAI = ErrorEnvelope(format: .chatCompletions, dialect: .openai, requestID: "")

  /// Builds the body of an HTTP error. `type` and `code` default to what the provider sends for `status`.
  func body(status: Int, message: String, type: String? = nil, param: String? = nil, code: String? = nil)
    -> JSONValue
  {
    switch (format, dialect) {
    case (.anthropicMessages, _):
      return AnthropicFormat.errorBody(
        type: type ?? AnthropicFormat.errorType(forStatus: status), message: message, requestID: requestID)
    case (_, .azure):
      // Azure's own errors carry a `code`, often the status as a string, and no `type`.
      return ["error": ["code": .string(code ?? String(status)), "message": .string(message)]]
    case (_, .ollama):
      return OpenAIChatFormat.errorBody(
        message: message, type: type ?? Self.ollamaErrorType(forStatus: status), param: param, code: code)
    case (_, .openai):
      return OpenAIChatFormat.errorBody(
        message: message, type: type ?? OpenAIChatFormat.errorType(forStatus: status), param: param, code: code)
    }
  }

  /// Returns the `error.type` Ollama's OpenAI-compatible layer uses for a status.
  static func ollamaErrorType(forStatus status: Int) -> String {
    switch status {
    case 400: return "invalid_request_error"
    case 404: return "not_found_error"
    default: return "api_error"
    }
  }
}

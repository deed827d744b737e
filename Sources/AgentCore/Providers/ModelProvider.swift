import JSONRPC

/// Everything a provider needs for one model call.
public struct ModelRequest: Sendable {
  public var model: String
  public var systemPrompt: String
  public var messages: [ConversationMessage]
  public var tools: [ToolDefinition]
  public var reasoningEffort: String?
  /// The Responses API's reasoning summary level (`none`, `concise`, `detailed`, `auto`).
  public var reasoningSummary: String?
  public var maxOutputTokens: Int?
  /// Extra HTTP headers for this call only (`session.send`'s `requestHeaders`).
  public var extraHeaders: [(name: String, value: String)]
  public var userAgent: String

  public init(
    model: String,
    systemPrompt: String,
    messages: [ConversationMessage],
    tools: [ToolDefinition] = [],
    reasoningEffort: String? = nil,
    reasoningSummary: String? = nil,
    maxOutputTokens: Int? = nil,
    extraHeaders: [(name: String, value: String)] = [],
    userAgent: String
  ) {
    self.model = model
    self.systemPrompt = systemPrompt
    self.messages = messages
    self.tools = tools
    self.reasoningEffort = reasoningEffort
    self.reasoningSummary = reasoningSummary
    self.maxOutputTokens = maxOutputTokens
    self.extraHeaders = extraHeaders
    self.userAgent = userAgent
  }
}

/// A provider-neutral piece of a streamed model answer.
public enum ModelStreamEvent: Sendable, Equatable {
  case textDelta(String)
  case reasoningDelta(String)
  /// A provider-format reasoning item (an Anthropic thinking block with its signature, a Responses
  /// reasoning item with its encrypted content) that must be sent back unchanged on later requests.
  case reasoningItem(JSONValue)
  case toolCall(ToolCall)
  case usage(inputTokens: Int?, outputTokens: Int?)
  /// The answer ended normally, with the provider's finish reason when it gave one.
  case finished(reason: String?)
}

/// A model API: it turns one request into a stream of neutral events.
///
/// The stream finishes after `.finished`, or throws a `ProviderError`. Cancelling the consuming task
/// closes the HTTP connection.
public protocol ModelProvider: Sendable {
  /// The API path shown in `assistant.usage.apiEndpoint`, such as `/chat/completions`.
  var apiEndpoint: String { get }

  func stream(_ request: ModelRequest) -> AsyncThrowingStream<ModelStreamEvent, any Error>
}

/// Builds a provider client from a session's provider configuration.
public protocol ModelProviderFactory: Sendable {
  func makeProvider(for configuration: ProviderConfiguration, context: ProviderContext) throws(ProviderError)
    -> any ModelProvider
}

/// A failed model call, classified so the client can act on it.
///
/// `message` is written for the user: it names what failed and what to do next, and never contains a
/// credential.
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
  /// A stable category, sent as `session.error.errorType`.
  public enum Kind: String, Sendable {
    case authentication
    case authorization
    case notFound = "not_found"
    case rateLimit = "rate_limit"
    case quota
    case contextLength = "context_length"
    case badRequest = "bad_request"
    case contentFilter = "content_filter"
    case server
    case network
    case timeout
    case configuration
    case invalidResponse = "invalid_response"
  }

  public var kind: Kind
  public var message: String
  public var statusCode: Int?

  public init(kind: Kind, message: String, statusCode: Int? = nil) {
    self.kind = kind
    self.message = message
    self.statusCode = statusCode
  }

  public var description: String { message }
}

import JSONRPC

/// A scripted conversation for the mock provider: the model it reports and the replies its model endpoints
/// return, one per request, in order, in the wire format of the route each request arrives on.
public struct MockScript: Sendable, Equatable {
  /// The chat endpoint's behavior once every reply has been used.
  public enum AfterLast: String, Sendable, CaseIterable {
    /// Respond to every further request with the last reply again.
    case repeatLast = "repeat"
    /// Respond to every further request with HTTP 500 and a message saying the script ran out.
    case error
  }

  /// The framing that marks the end of a streamed response on the wire.
  public enum StreamFraming: String, Sendable, CaseIterable {
    /// `Transfer-Encoding: chunked`, one HTTP chunk per SSE event, with the connection kept open.
    case chunked
    /// No length and no chunking: the body ends when the server closes the connection.
    case connectionClose = "close"
  }

  /// The server whose Chat Completions stream shape the replies copy. Responses and Anthropic replies have one
  /// shape each.
  public enum Dialect: String, Sendable, CaseIterable {
    /// api.openai.com.
    case openai
    /// Azure OpenAI: a first chunk with empty `choices` and `prompt_filter_results`, and
    /// `content_filter_results` on every choice.
    case azure
    /// Ollama's OpenAI-compatible `/v1`: the role in the first content chunk, no `logprobs`, whole tool calls in
    /// one delta, and a mid-stream error that closes the connection without an error object.
    case ollama
  }

  /// The line ending of every line of a streamed body.
  public enum LineEnding: String, Sendable, CaseIterable {
    case lf
    case crlf
    case cr

    var bytes: String {
      switch self {
      case .lf: return "\n"
      case .crlf: return "\r\n"
      case .cr: return "\r"
      }
    }
  }

  /// The model id used in responses and listed by `GET …/models`.
  public var model: String
  /// The replies, used in order. Never empty.
  public var replies: [MockReply]
  public var afterLast: AfterLast
  public var streamFraming: StreamFraming
  public var dialect: Dialect
  public var lineEnding: LineEnding
  /// The largest write of a streamed body in bytes, so one event reaches the client in several reads; `nil`
  /// sends each event in one write.
  public var writeSize: Int?

  public init(
    model: String = "mock-model",
    replies: [MockReply],
    afterLast: AfterLast = .error,
    streamFraming: StreamFraming = .chunked,
    dialect: Dialect = .openai,
    lineEnding: LineEnding = .lf,
    writeSize: Int? = nil
  ) {
    precondition(!replies.isEmpty, "A mock script needs at least one reply")
    precondition(writeSize.map { $0 > 0 } ?? true, "A write size must be positive")
    self.model = model
    self.replies = replies
    self.afterLast = afterLast
    self.streamFraming = streamFraming
    self.dialect = dialect
    self.lineEnding = lineEnding
    self.writeSize = writeSize
  }
}

/// One scripted response to a model request.
public struct MockReply: Sendable, Equatable {
  /// The content a reply sends.
  public enum Body: Sendable, Equatable {
    case text(MockTextReply)
    case error(MockErrorReply)
  }

  public var body: Body
  /// A check on the request. When it fails, the server responds with 400 instead of this reply.
  public var expectation: MockExpectation?
  /// Extra response headers, sent after the server's own.
  public var headers: [MockHeader]

  public init(_ body: Body, expectation: MockExpectation? = nil, headers: [MockHeader] = []) {
    self.body = body
    self.expectation = expectation
    self.headers = headers
  }

  /// Creates a text reply split into word chunks, with no delay and the default usage.
  public static func text(_ text: String) -> MockReply {
    MockReply(.text(MockTextReply(text: text)))
  }

  /// Creates a reply of tool calls only, streamed as api.openai.com streams them, with `finish_reason`
  /// `tool_calls`.
  public static func toolCalls(_ calls: [MockToolCall]) -> MockReply {
    MockReply(.text(MockTextReply(text: "", toolCalls: calls)))
  }
}

/// An assistant reply: optional reasoning, then text, tool calls, or text followed by tool calls, streamed as
/// chunks or returned as one response body.
public struct MockTextReply: Sendable, Equatable {
  /// The whole reply text, always equal to `chunks.joined()`. Empty for a reply of tool calls only.
  public private(set) var text: String
  /// The content deltas of a streamed reply.
  public private(set) var chunks: [String]
  /// The reasoning (thinking) text sent before the reply text, always equal to `reasoningChunks.joined()`.
  public private(set) var reasoning: String
  /// The reasoning deltas of a streamed reply.
  public private(set) var reasoningChunks: [String]
  /// The opaque token that carries the reasoning between turns: the Responses `encrypted_content` and the
  /// Anthropic thinking `signature`. `nil` means one derived from the request number.
  public var reasoningSignature: String?
  /// The tool calls the reply makes after its text, in call order.
  public private(set) var toolCalls: [MockToolCall]
  /// How a streamed reply splits its tool calls into chunks.
  public private(set) var toolCallStreaming: MockToolCallStreaming
  /// The pause before each content or tool-call chunk and before the finish chunk, in milliseconds.
  public var delayMilliseconds: Int
  /// Usage fields that replace the counted defaults (`prompt_tokens`, `completion_tokens`, …).
  public var usage: JSONObject?
  public var finishReason: String
  /// Whether the role chunk and every content chunk carry `"tool_calls": null`, as some compatible servers
  /// send them.
  public var nullToolCalls: Bool
  /// The point where the reply breaks off, or `nil` for a complete reply.
  public var interruption: MockInterruption?
  /// Shapes that only some servers send, such as Azure's content-filter annotations.
  public var quirks: MockReplyQuirks

  /// Creates a reply whose chunks are `chunks`, or `text` split into words when `chunks` is `nil`, followed by
  /// `toolCalls`, after the reasoning in `reasoningChunks`, or `reasoning` split into words. The finish reason
  /// defaults to `tool_calls` when there are tool calls, else `stop`.
  public init(
    text: String,
    chunks: [String]? = nil,
    toolCalls: [MockToolCall] = [],
    toolCallStreaming: MockToolCallStreaming = MockToolCallStreaming(),
    delayMilliseconds: Int = 0,
    usage: JSONObject? = nil,
    finishReason: String? = nil,
    nullToolCalls: Bool = false,
    interruption: MockInterruption? = nil,
    reasoning: String = "",
    reasoningChunks: [String]? = nil,
    reasoningSignature: String? = nil,
    quirks: MockReplyQuirks = MockReplyQuirks()
  ) {
    let resolvedChunks = chunks ?? TextChunker.words(text)
    precondition(resolvedChunks.joined() == text, "The chunks of a text reply must join to its text")
    let resolvedReasoningChunks = reasoningChunks ?? TextChunker.words(reasoning)
    precondition(
      resolvedReasoningChunks.joined() == reasoning, "The reasoning chunks of a reply must join to its reasoning")
    self.text = text
    self.chunks = resolvedChunks
    self.reasoning = reasoning
    self.reasoningChunks = resolvedReasoningChunks
    self.reasoningSignature = reasoningSignature
    self.quirks = quirks
    self.toolCalls = toolCalls
    self.toolCallStreaming = toolCallStreaming
    self.delayMilliseconds = delayMilliseconds
    self.usage = usage
    self.finishReason = finishReason ?? (toolCalls.isEmpty ? "stop" : "tool_calls")
    self.nullToolCalls = nullToolCalls
    self.interruption = interruption
    precondition(
      (interruption?.afterChunks ?? 0) <= streamedChunkCount,
      "An interruption cannot come after more chunks than the reply has")
  }

  /// The number of reasoning, content and tool-call chunks a streamed reply sends between its opening events
  /// and its finish.
  public var streamedChunkCount: Int {
    reasoningChunks.count + chunks.count + toolCallStreaming.chunkCount(for: toolCalls)
  }
}

/// One tool call in a scripted reply.
public struct MockToolCall: Sendable, Equatable {
  public var id: String
  /// The name of the function the model calls.
  public var name: String
  /// The `function.arguments` string exactly as sent: usually serialized JSON, but any text, so a script can
  /// send invalid JSON.
  public var arguments: String

  public init(id: String, name: String, arguments: String) {
    self.id = id
    self.name = name
    self.arguments = arguments
  }

  /// Creates a call whose arguments are `arguments` serialized as JSON.
  public init(id: String, name: String, arguments: JSONObject) {
    self.init(id: id, name: name, arguments: JSONValue.object(arguments).serializedString())
  }
}

/// The way a streamed reply splits its tool calls into `delta.tool_calls` chunks.
public struct MockToolCallStreaming: Sendable, Equatable {
  /// How many chunks carry each call.
  public enum Delivery: String, Sendable, CaseIterable {
    /// As api.openai.com streams them: per call, a first fragment with `id`, `type`, `function.name` and
    /// `"arguments": ""`, then `argumentChunks` fragments of the argument text; one fragment per chunk.
    case fragments
    /// Each call whole (`id`, `type`, `name` and all its arguments) in a chunk of its own.
    case whole
    /// Every call whole in one single chunk, as Ollama sends parallel calls.
    case oneDelta
  }

  public var delivery: Delivery
  /// With `fragments`, the number of pieces each call's argument text is split into. A call whose argument
  /// text is shorter gets one piece per character.
  public var argumentChunks: Int
  /// Whether each fragment carries its call's `index`. Without it, fragments look like those of older Ollama
  /// and some compatible servers.
  public var includesIndex: Bool
  /// Whether every call gets `index` 0, as some Ollama 0.20.x builds send parallel calls.
  public var reusesIndexZero: Bool

  public init(
    delivery: Delivery = .fragments, argumentChunks: Int = 1, includesIndex: Bool = true, reusesIndexZero: Bool = false
  ) {
    precondition(argumentChunks >= 1, "A tool call needs at least one argument chunk")
    self.delivery = delivery
    self.argumentChunks = argumentChunks
    self.includesIndex = includesIndex
    self.reusesIndexZero = reusesIndexZero
  }

  /// Returns the number of chunks `calls` take.
  func chunkCount(for calls: [MockToolCall]) -> Int {
    guard !calls.isEmpty else { return 0 }
    switch delivery {
    case .fragments:
      return calls.reduce(0) { total, call in total + 1 + argumentPieces(call.arguments).count }
    case .whole:
      return calls.count
    case .oneDelta:
      return 1
    }
  }

  /// Splits argument text into at most `argumentChunks` pieces of near equal length; empty text gives none.
  func argumentPieces(_ arguments: String) -> [String] {
    guard !arguments.isEmpty else { return [] }
    let size = (arguments.count + argumentChunks - 1) / argumentChunks
    return TextChunker.pieces(arguments, size: size)
  }
}

/// A point in a streamed reply where the mock provider stops behaving like a healthy server.
public enum MockInterruption: Sendable, Equatable {
  /// Send this many chunks, then send nothing more and keep the connection open.
  case stall(afterChunks: Int)
  /// Send this many chunks, then close the socket with no finish and no terminal event.
  case truncate(afterChunks: Int)
  /// Send this many chunks, then reset the connection: close it with TCP RST instead of FIN.
  case reset(afterChunks: Int)
  /// Send this many chunks, then the wire format's error event and end the stream. `error` contains the fields
  /// the script gives (`message`, `type`, `code`, …), and each format fills in the rest with its own defaults.
  case error(afterChunks: Int, error: JSONObject)

  /// The number of reasoning, content and tool-call chunks sent before the interruption.
  public var afterChunks: Int {
    switch self {
    case .stall(let count), .truncate(let count), .reset(let count), .error(let count, _): return count
    }
  }
}

/// Stream shapes that only some servers send, each reproducing a problem clients have had with them.
public struct MockReplyQuirks: Sendable, Equatable {
  /// The place of an Azure asynchronous content-filter annotation: a Chat Completions chunk whose choice has no
  /// `delta`.
  public enum FilterAnnotation: String, Sendable, CaseIterable {
    case beforeFinish
    case afterFinish
  }

  /// The terminal event of a Responses stream that fails mid-stream.
  public enum ResponsesErrorEvent: String, Sendable, CaseIterable {
    case failed = "response.failed"
    case error
  }

  /// The Chat Completions delta field that carries reasoning text.
  public enum ReasoningField: String, Sendable, CaseIterable {
    /// DeepSeek and vLLM.
    case reasoningContent = "reasoning_content"
    /// Ollama.
    case reasoning
  }

  /// Whether a Chat Completions stream leaves out the usage chunk even when the request includes
  /// `stream_options.include_usage`, as Ollama before v0.5.2 does.
  public var omitsUsage: Bool
  /// Members added to every streamed chunk or event and to a whole response, such as fields a client does not
  /// know yet.
  public var extraFields: JSONObject
  public var filterAnnotation: FilterAnnotation?
  public var responsesErrorEvent: ResponsesErrorEvent
  /// The field for reasoning text in Chat Completions, or `nil` for the dialect's: `reasoning` for Ollama, else
  /// `reasoning_content`.
  public var reasoningField: ReasoningField?

  public init(
    omitsUsage: Bool = false, extraFields: JSONObject = JSONObject(), filterAnnotation: FilterAnnotation? = nil,
    responsesErrorEvent: ResponsesErrorEvent = .failed, reasoningField: ReasoningField? = nil
  ) {
    self.omitsUsage = omitsUsage
    self.extraFields = extraFields
    self.filterAnnotation = filterAnnotation
    self.responsesErrorEvent = responsesErrorEvent
    self.reasoningField = reasoningField
  }
}

/// An HTTP error reply with a status and an optional body.
public struct MockErrorReply: Sendable, Equatable {
  /// The response body of an error reply.
  public enum Body: Sendable, Equatable {
    /// Sent as `application/json`.
    case json(JSONValue)
    /// Sent as `text/plain`, as proxies do.
    case text(String)
  }

  /// An HTTP status from 400 to 599.
  public var status: Int
  /// The body, or `nil` for the route's own error object naming the status.
  public var body: Body?

  /// Creates an error reply. Without a body it sends the error object of the request's wire format, naming the
  /// status.
  public init(status: Int, body: Body? = nil) {
    precondition((400...599).contains(status), "An error reply needs a status from 400 to 599")
    self.status = status
    self.body = body
  }
}

/// A check a reply makes on the model request before responding to it.
public struct MockExpectation: Sendable, Equatable {
  /// Texts that must each appear in the content of at least one request message.
  public var messagesContain: [String]
  /// Tool results that must each be in the request: a `role: tool` message, a `function_call_output` item or
  /// a `tool_result` block, as the wire format has them.
  public var toolResults: [MockToolResultExpectation]
  /// The `role` the last request message must have, or `nil` for any.
  public var lastMessageRole: String?
  /// Request headers that must be present, absent or equal to a value. Names compare case-insensitively.
  public var headers: MockFieldChecks<String>
  /// Body fields, by path such as `messages[-1].content[0].type`, that must be present, absent or equal.
  public var bodyFields: MockFieldChecks<JSONValue>
  /// The exact request path without the query, or `nil` for any.
  public var path: String?
  /// The exact query after `?`, empty for none, or `nil` for any.
  public var query: String?
  /// Whether the request must also follow the rules the real API enforces on its history, such as every tool
  /// call having a result.
  public var providerRules: Bool

  public init(
    messagesContain: [String] = [], toolResults: [MockToolResultExpectation] = [], lastMessageRole: String? = nil,
    headers: MockFieldChecks<String> = MockFieldChecks(), bodyFields: MockFieldChecks<JSONValue> = MockFieldChecks(),
    path: String? = nil, query: String? = nil, providerRules: Bool = false
  ) {
    self.messagesContain = messagesContain
    self.toolResults = toolResults
    self.lastMessageRole = lastMessageRole
    self.headers = headers
    self.bodyFields = bodyFields
    self.path = path
    self.query = query
    self.providerRules = providerRules
  }
}

/// Conditions on named fields of a request: headers by name, or body fields by path.
public struct MockFieldChecks<Value: Sendable & Equatable>: Sendable, Equatable {
  /// A field that must have a value.
  public struct Match: Sendable, Equatable {
    public var field: String
    public var value: Value

    public init(field: String, value: Value) {
      self.field = field
      self.value = value
    }
  }

  public var present: [String]
  public var absent: [String]
  public var equals: [Match]

  public init(present: [String] = [], absent: [String] = [], equals: [Match] = []) {
    self.present = present
    self.absent = absent
    self.equals = equals
  }
}

/// A tool result the request must contain: the result of the call `toolCallID`, with matching content.
public struct MockToolResultExpectation: Sendable, Equatable {
  /// The condition on the tool result's content.
  public enum Content: Sendable, Equatable {
    /// Any content.
    case any
    /// Exactly this text.
    case equals(String)
    /// Text that contains this text.
    case contains(String)
  }

  public var toolCallID: String
  public var content: Content

  public init(toolCallID: String, content: Content = .any) {
    self.toolCallID = toolCallID
    self.content = content
  }
}

/// One HTTP header field, name as written.
public struct MockHeader: Sendable, Hashable {
  public var name: String
  public var value: String

  public init(name: String, value: String) {
    self.name = name
    self.value = value
  }
}

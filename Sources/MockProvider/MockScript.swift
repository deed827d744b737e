import JSONRPC

/// A scripted conversation for the mock provider: the model it reports and the replies its chat endpoint
/// returns, one per request, in order.
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

  /// The model id used in responses and listed by `GET …/models`.
  public var model: String
  /// The replies, used in order. Never empty.
  public var replies: [MockReply]
  public var afterLast: AfterLast
  public var streamFraming: StreamFraming

  public init(
    model: String = "mock-model",
    replies: [MockReply],
    afterLast: AfterLast = .error,
    streamFraming: StreamFraming = .chunked
  ) {
    precondition(!replies.isEmpty, "A mock script needs at least one reply")
    self.model = model
    self.replies = replies
    self.afterLast = afterLast
    self.streamFraming = streamFraming
  }
}

/// One scripted response to a chat request.
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

/// An assistant reply: text, tool calls, or text followed by tool calls, streamed as chunks or returned as one
/// `chat.completion`.
public struct MockTextReply: Sendable, Equatable {
  /// The whole reply text, always equal to `chunks.joined()`. Empty for a reply of tool calls only.
  public private(set) var text: String
  /// The content deltas of a streamed reply.
  public private(set) var chunks: [String]
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

  /// Creates a reply whose chunks are `chunks`, or `text` split into words when `chunks` is `nil`, followed by
  /// `toolCalls`. The finish reason defaults to `tool_calls` when there are tool calls, else `stop`.
  public init(
    text: String,
    chunks: [String]? = nil,
    toolCalls: [MockToolCall] = [],
    toolCallStreaming: MockToolCallStreaming = MockToolCallStreaming(),
    delayMilliseconds: Int = 0,
    usage: JSONObject? = nil,
    finishReason: String? = nil,
    nullToolCalls: Bool = false,
    interruption: MockInterruption? = nil
  ) {
    let resolvedChunks = chunks ?? TextChunker.words(text)
    precondition(resolvedChunks.joined() == text, "The chunks of a text reply must join to its text")
    self.text = text
    self.chunks = resolvedChunks
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

  /// The number of content and tool-call chunks a streamed reply sends between its role chunk and its finish
  /// chunk.
  public var streamedChunkCount: Int {
    chunks.count + toolCallStreaming.chunkCount(for: toolCalls)
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

  public init(delivery: Delivery = .fragments, argumentChunks: Int = 1, includesIndex: Bool = true) {
    precondition(argumentChunks >= 1, "A tool call needs at least one argument chunk")
    self.delivery = delivery
    self.argumentChunks = argumentChunks
    self.includesIndex = includesIndex
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
  /// Send this many content and tool-call chunks, then send nothing more and keep the connection open.
  case stall(afterChunks: Int)
  /// Send this many content and tool-call chunks, then close the socket with no finish chunk and no `[DONE]`.
  case truncate(afterChunks: Int)
  /// Send this many content and tool-call chunks, then one `data: {"error": …}` event and end the stream.
  case error(afterChunks: Int, error: JSONObject)

  /// The number of content and tool-call chunks sent before the interruption.
  public var afterChunks: Int {
    switch self {
    case .stall(let count), .truncate(let count), .error(let count, _): return count
    }
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
  public var body: Body

  /// Creates an error reply. Without a body it sends an OpenAI error object naming the status.
  public init(status: Int, body: Body? = nil) {
    precondition((400...599).contains(status), "An error reply needs a status from 400 to 599")
    self.status = status
    self.body = body ?? .json(OpenAIChatFormat.errorBody(
      message: "Scripted error reply with HTTP status \(status)",
      type: OpenAIChatFormat.errorType(forStatus: status)))
  }
}

/// A check a reply makes on the chat request before responding to it.
public struct MockExpectation: Sendable, Equatable {
  /// Texts that must each appear in the content of at least one request message.
  public var messagesContain: [String]
  /// Tool results that must each be answered by a `role: tool` message in the request.
  public var toolResults: [MockToolResultExpectation]
  /// The `role` the last request message must have, or `nil` for any.
  public var lastMessageRole: String?

  public init(
    messagesContain: [String] = [], toolResults: [MockToolResultExpectation] = [], lastMessageRole: String? = nil
  ) {
    self.messagesContain = messagesContain
    self.toolResults = toolResults
    self.lastMessageRole = lastMessageRole
  }
}

/// A `role: tool` message the request must contain: one whose `tool_call_id` is `toolCallID` and whose content
/// matches.
public struct MockToolResultExpectation: Sendable, Equatable {
  /// How the tool message's content must match.
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

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
}

/// An assistant text reply, streamed as chunks or returned as one `chat.completion`.
public struct MockTextReply: Sendable, Equatable {
  /// The whole reply text, always equal to `chunks.joined()`.
  public private(set) var text: String
  /// The content deltas of a streamed reply.
  public private(set) var chunks: [String]
  /// The pause before each content chunk and before the finish chunk, in milliseconds.
  public var delayMilliseconds: Int
  /// Usage fields that replace the counted defaults (`prompt_tokens`, `completion_tokens`, …).
  public var usage: JSONObject?
  public var finishReason: String
  /// The point where the reply breaks off, or `nil` for a complete reply.
  public var interruption: MockInterruption?

  /// Creates a reply whose chunks are `chunks`, or `text` split into words when `chunks` is `nil`.
  public init(
    text: String,
    chunks: [String]? = nil,
    delayMilliseconds: Int = 0,
    usage: JSONObject? = nil,
    finishReason: String = "stop",
    interruption: MockInterruption? = nil
  ) {
    let resolvedChunks = chunks ?? TextChunker.words(text)
    precondition(resolvedChunks.joined() == text, "The chunks of a text reply must join to its text")
    precondition(
      (interruption?.afterChunks ?? 0) <= resolvedChunks.count,
      "An interruption cannot come after more chunks than the reply has")
    self.text = text
    self.chunks = resolvedChunks
    self.delayMilliseconds = delayMilliseconds
    self.usage = usage
    self.finishReason = finishReason
    self.interruption = interruption
  }
}

/// A point in a streamed reply where the mock provider stops behaving like a healthy server.
public enum MockInterruption: Sendable, Equatable {
  /// Send this many content chunks, then send nothing more and keep the connection open.
  case stall(afterChunks: Int)
  /// Send this many content chunks, then close the socket with no finish chunk and no `[DONE]`.
  case truncate(afterChunks: Int)
  /// Send this many content chunks, then one `data: {"error": …}` event and end the stream.
  case error(afterChunks: Int, error: JSONObject)

  /// The number of content chunks sent before the interruption.
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

  public init(messagesContain: [String]) {
    self.messagesContain = messagesContain
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

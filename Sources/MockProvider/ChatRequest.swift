import JSONRPC

/// The fields of a Chat Completions request body that the mock provider reads.
struct ChatRequest {
  /// A request body the real API would reject, with the OpenAI `param` it names.
  struct Invalid: Error {
    var message: String
    var param: String?
  }

  let body: JSONValue
  let stream: Bool
  /// Whether `stream_options.include_usage` is true.
  let includeUsage: Bool

  /// Checks the fields OpenAI requires: a JSON object with a non-empty `messages` array and a boolean `stream`.
  init(body: JSONValue?) throws(Invalid) {
    guard let body, let object = body.objectValue else {
      throw Invalid(message: "The request body must be a JSON object with \"model\" and \"messages\".")
    }
    guard let messages = object["messages"]?.arrayValue, !messages.isEmpty else {
      throw Invalid(message: "\"messages\" must be a non-empty array of chat messages.", param: "messages")
    }
    let stream = object["stream"] ?? .bool(false)
    guard let isStreaming = stream.boolValue ?? (stream.isNull ? false : nil) else {
      throw Invalid(message: "\"stream\" must be a boolean, found \(stream.typeName).", param: "stream")
    }
    self.body = body
    self.stream = isStreaming
    self.includeUsage = isStreaming && object["stream_options"]?["include_usage"]?.boolValue == true
  }

  /// Returns one clause per condition of `expectation` the request does not meet, such as
  /// `the last message to have role "tool", but it has role "user"`; empty when the request meets them all.
  func unmetConditions(of expectation: MockExpectation) -> [String] {
    var clauses: [String] = []
    let contents = Self.messageContents(of: body)
    let missing = expectation.messagesContain.filter { text in
      !contents.contains { $0.contains(text) }
    }
    if !missing.isEmpty {
      let quoted = missing.map(Self.quote).joined(separator: ", ")
      clauses.append("the request messages to contain \(quoted), but no message content does")
    }

    let toolMessages = self.toolMessages
    for result in expectation.toolResults where !toolMessages.contains(where: { result.isMet(by: $0) }) {
      var wanted = "a tool message with tool_call_id \(Self.quote(result.toolCallID))"
      switch result.content {
      case .any: break
      case .equals(let text): wanted += " and content \(Self.quote(text))"
      case .contains(let text): wanted += " with content containing \(Self.quote(text))"
      }
      let found = toolMessages.isEmpty
        ? "the request has no tool messages"
        : "its tool messages are "
          + toolMessages.map { "\(Self.quote($0.toolCallID ?? "(none)")): \(Self.quote($0.content, limit: 200))" }
          .joined(separator: ", ")
      clauses.append("\(wanted), but \(found)")
    }

    if let role = expectation.lastMessageRole {
      let lastRole = body["messages"]?.arrayValue?.last?["role"]?.stringValue
      if lastRole != role {
        clauses.append(
          "the last message to have role \(Self.quote(role)), but it has role \(Self.quote(lastRole ?? "(none)"))")
      }
    }
    return clauses
  }

  /// A `role: tool` message of the request: the call it answers and its text.
  struct ToolMessage {
    var toolCallID: String?
    var content: String
  }

  /// The request's `role: tool` messages in order; array content is its text parts joined.
  var toolMessages: [ToolMessage] {
    (body["messages"]?.arrayValue ?? []).compactMap { message in
      guard message["role"] == "tool" else { return nil }
      return ToolMessage(toolCallID: message["tool_call_id"]?.stringValue, content: Self.text(of: message["content"]))
    }
  }

  private static func text(of content: JSONValue?) -> String {
    switch content {
    case .string(let text)?:
      return text
    case .array(let parts)?:
      return parts.compactMap { $0["text"]?.stringValue }.joined()
    default:
      return ""
    }
  }

  private static func quote(_ text: String) -> String {
    quote(text, limit: nil)
  }

  /// Returns `text` in double quotes, cut to `limit` characters with an ellipsis when longer.
  private static func quote(_ text: String, limit: Int?) -> String {
    guard let limit, text.count > limit else { return "\"\(text)\"" }
    return "\"\(text.prefix(limit))…\""
  }

  /// Returns the text of each message: its `content` string, or the `text` of each part when `content` is an array.
  static func messageContents(of body: JSONValue) -> [String] {
    guard let messages = body["messages"]?.arrayValue else { return [] }
    var contents: [String] = []
    for message in messages {
      switch message["content"] {
      case .string(let text)?:
        contents.append(text)
      case .array(let parts)?:
        contents.append(contentsOf: parts.compactMap { $0["text"]?.stringValue })
      default:
        continue
      }
    }
    return contents
  }
}

extension MockToolResultExpectation {
  /// Returns whether `message` answers this expectation's call with matching content.
  fileprivate func isMet(by message: ChatRequest.ToolMessage) -> Bool {
    guard message.toolCallID == toolCallID else { return false }
    switch content {
    case .any: return true
    case .equals(let text): return message.content == text
    case .contains(let text): return message.content.contains(text)
    }
  }
}

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

  /// Returns the texts of `expectation` that no message content contains.
  func missingTexts(for expectation: MockExpectation) -> [String] {
    let contents = Self.messageContents(of: body)
    return expectation.messagesContain.filter { text in
      !contents.contains { $0.contains(text) }
    }
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

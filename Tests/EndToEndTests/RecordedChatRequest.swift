import JSONRPC

/// One request line of the mock provider's record file.
struct RecordedChatRequest: Sendable {
  var line: JSONValue

  init(_ line: JSONValue) {
    self.line = line
  }

  var method: String? { line["method"]?.stringValue }
  var path: String? { line["path"]?.stringValue }
  var body: JSONValue { line["body"] ?? .null }

  /// Returns the value of the header `name`, compared case-insensitively as HTTP does.
  func header(_ name: String) -> String? {
    guard let headers = line["headers"]?.objectValue else { return nil }
    return headers.first { $0.key.lowercased() == name.lowercased() }?.value.stringValue
  }

  /// The chat messages of the body as role and text; the text of array content is its text parts joined.
  var messages: [(role: String, text: String)] {
    (body["messages"]?.arrayValue ?? []).map { message in
      let role = message["role"]?.stringValue ?? ""
      if let text = message["content"]?.stringValue {
        return (role, text)
      }
      let parts = message["content"]?.arrayValue ?? []
      return (role, parts.compactMap { $0["text"]?.stringValue }.joined())
    }
  }

  /// Returns whether some message with `role` has text containing `text`.
  func hasMessage(role: String, containing text: String) -> Bool {
    messages.contains { $0.role == role && $0.text.contains(text) }
  }
}

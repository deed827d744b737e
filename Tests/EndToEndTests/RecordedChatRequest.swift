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

extension RecordedChatRequest {
  /// The `role: tool` messages of the body in order: the `tool_call_id` of each and its text.
  var toolMessages: [(toolCallID: String, text: String)] {
    (body["messages"]?.arrayValue ?? []).compactMap { message in
      guard message["role"] == "tool" else { return nil }
      let text =
        message["content"]?.stringValue
        ?? (message["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
      return (message["tool_call_id"]?.stringValue ?? "", text)
    }
  }

  /// The names of the functions offered in `tools`, in order.
  var offeredToolNames: [String] {
    (body["tools"]?.arrayValue ?? []).compactMap { $0["function"]?["name"]?.stringValue }
  }
}

import JSONRPC

/// The fields of a model request body that the mock provider reads, in any of its wire formats.
struct APIRequest {
  /// A request the real API would reject, with the field it names.
  struct Invalid: Error {
    var message: String
    var param: String?
  }

  /// A tool result in the request: the call it answers and its text.
  struct ToolResult {
    var callID: String?
    var content: String
  }

  let format: WireFormat
  let body: JSONValue
  let stream: Bool
  /// Whether a Chat Completions request set `stream_options.include_usage`.
  let includeUsage: Bool
  /// Whether a Responses request asked for `include: ["reasoning.encrypted_content"]`, without which the API
  /// sends reasoning items with no encrypted content.
  let includesEncryptedReasoning: Bool

  /// Checks the fields the real API requires before it responds: Chat Completions a non-empty `messages`,
  /// Responses an `input`, Anthropic `model`, `max_tokens`, non-empty `messages` and the `anthropic-version`
  /// header. `stream`, if present, must be a boolean everywhere.
  init(format: WireFormat, recorded: RecordedRequest) throws(Invalid) {
    guard let body = recorded.body, let object = body.objectValue else {
      throw Invalid(message: "The request body must be a JSON object.")
    }
    switch format {
    case .chatCompletions:
      guard let messages = object["messages"]?.arrayValue, !messages.isEmpty else {
        throw Invalid(message: "\"messages\" must be a non-empty array of chat messages.", param: "messages")
      }
    case .responses:
      let input = object["input"]
      let hasInput = !(input?.stringValue ?? "").isEmpty || !(input?.arrayValue ?? []).isEmpty
      guard hasInput else {
        throw Invalid(
          message: "Missing required parameter: 'input'. Send a string or a non-empty array of input items.",
          param: "input")
      }
    case .anthropicMessages:
      guard recorded.headerValue("anthropic-version") != nil else {
        throw Invalid(message: "anthropic-version: header is required")
      }
      guard object["model"]?.stringValue != nil else { throw Invalid(message: "model: Field required") }
      guard let maxTokens = object["max_tokens"]?.intValue, maxTokens >= 1 else {
        throw Invalid(message: "max_tokens: Field required; send a positive integer")
      }
      guard let messages = object["messages"]?.arrayValue, !messages.isEmpty else {
        throw Invalid(message: "messages: Field required; send at least one message")
      }
    }
    let stream = object["stream"] ?? .bool(false)
    guard let isStreaming = stream.boolValue ?? (stream.isNull ? false : nil) else {
      throw Invalid(message: "\"stream\" must be a boolean, found \(stream.typeName).", param: "stream")
    }

    self.format = format
    self.body = body
    self.stream = isStreaming
    self.includeUsage =
      format == .chatCompletions && isStreaming && object["stream_options"]?["include_usage"]?.boolValue == true
    self.includesEncryptedReasoning =
      format == .responses
      && (object["include"]?.arrayValue ?? []).contains(.string("reasoning.encrypted_content"))
  }

  // MARK: - Conversation

  /// Returns the text of every message: system text, message content and tool results, in order.
  ///
  /// Chat Completions: each message's `content`. Responses: `instructions`, then each input item's content and
  /// each `function_call_output`'s output. Anthropic: `system`, then each message's text blocks and tool results.
  var messageTexts: [String] {
    switch format {
    case .chatCompletions:
      return (body["messages"]?.arrayValue ?? []).flatMap { Self.texts(of: $0["content"]) }
    case .responses:
      var texts = Self.texts(of: body["instructions"])
      if let input = body["input"]?.stringValue {
        return texts + [input]
      }
      for item in body["input"]?.arrayValue ?? [] {
        texts += Self.texts(of: item["content"]) + Self.texts(of: item["output"])
      }
      return texts
    case .anthropicMessages:
      var texts = Self.texts(of: body["system"])
      for message in body["messages"]?.arrayValue ?? [] {
        if let content = message["content"]?.stringValue {
          texts.append(content)
          continue
        }
        for block in message["content"]?.arrayValue ?? [] {
          texts += block["type"] == "tool_result" ? Self.texts(of: block["content"]) : Self.texts(of: .array([block]))
        }
      }
      return texts
    }
  }

  /// The tool results of the request in order: Chat Completions `role: tool` messages, Responses
  /// `function_call_output` items, or Anthropic `tool_result` blocks. Array content is its text parts joined.
  var toolResults: [ToolResult] {
    switch format {
    case .chatCompletions:
      return (body["messages"]?.arrayValue ?? []).compactMap { message in
        guard message["role"] == "tool" else { return nil }
        return ToolResult(callID: message["tool_call_id"]?.stringValue, content: Self.text(of: message["content"]))
      }
    case .responses:
      return (body["input"]?.arrayValue ?? []).compactMap { item in
        guard item["type"] == "function_call_output" else { return nil }
        return ToolResult(callID: item["call_id"]?.stringValue, content: Self.text(of: item["output"]))
      }
    case .anthropicMessages:
      return (body["messages"]?.arrayValue ?? []).flatMap { message in
        (message["content"]?.arrayValue ?? []).compactMap { block in
          guard block["type"] == "tool_result" else { return nil }
          return ToolResult(callID: block["tool_use_id"]?.stringValue, content: Self.text(of: block["content"]))
        }
      }
    }
  }

  /// The `role` of the last message; for a Responses item without a role, such as `function_call_output`, its
  /// `type`.
  var lastRole: String? {
    switch format {
    case .chatCompletions, .anthropicMessages:
      return body["messages"]?.arrayValue?.last?["role"]?.stringValue
    case .responses:
      if body["input"]?.stringValue != nil { return "user" }
      let last = body["input"]?.arrayValue?.last
      return last?["role"]?.stringValue ?? last?["type"]?.stringValue
    }
  }

  /// Returns `content` as one text: a string as is, or the `text` of each part joined.
  static func text(of content: JSONValue?) -> String {
    texts(of: content).joined()
  }

  /// Returns a string content as its one text, or the `text` of each part of an array content.
  private static func texts(of content: JSONValue?) -> [String] {
    switch content {
    case .string(let text)?:
      return [text]
    case .array(let parts)?:
      return parts.compactMap { $0["text"]?.stringValue }
    default:
      return []
    }
  }
}

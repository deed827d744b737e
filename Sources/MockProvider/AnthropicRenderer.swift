import JSONRPC

/// Renders a reply as an Anthropic Messages stream: `message_start`, one content block per part of the reply (a
/// `thinking` block, a `text` block, one `tool_use` block per call), each as `content_block_start`, deltas and
/// `content_block_stop`, then `message_delta` and `message_stop`. A `ping` follows the first block start.
///
/// A block is stopped when the next block starts or the stream finishes, so an interruption leaves the block it
/// cuts open. A thinking block sends its `signature_delta` just before its stop.
struct AnthropicRenderer: ReplyRenderer {
  private enum OpenBlock {
    case thinking(index: Int, text: String)
    case text(index: Int, text: String)
    case toolUse(index: Int, call: MockToolCall)
  }

  let context: ReplyContext
  private var openBlock: OpenBlock?
  /// The finished content blocks, in order.
  private var content: [JSONValue] = []
  private var sentPing = false

  init(context: ReplyContext) {
    self.context = context
  }

  private var reply: MockTextReply { context.reply }
  private var nextIndex: Int { content.count + (openBlock == nil ? 0 : 1) }

  /// The `stop_reason` for the reply's finish reason, which scripts give in Chat Completions terms.
  private var stopReason: String {
    switch reply.finishReason {
    case "stop": return "end_turn"
    case "tool_calls": return "tool_use"
    case "length": return "max_tokens"
    case "content_filter": return "refusal"
    case let other: return other
    }
  }

  // MARK: - Streaming

  mutating func openingEvents() -> [StreamEvent] {
    var message = messageObject(content: [], stopReason: nil)
    message["usage"] = .object(usage(outputTokens: 1, includesServiceTier: true))
    return [event("message_start", ["message": .object(message)])]
  }

  mutating func events(for step: ReplyStep) -> [StreamEvent] {
    switch step {
    case .reasoning(let delta):
      var events = openBlockIfNeeded(thinking: true)
      guard case .thinking(let index, let text)? = openBlock else { return events }
      openBlock = .thinking(index: index, text: text + delta)
      events.append(blockDelta(index, ["type": "thinking_delta", "thinking": .string(delta)]))
      return events
    case .text(let delta):
      var events = openBlockIfNeeded(thinking: false)
      guard case .text(let index, let text)? = openBlock else { return events }
      openBlock = .text(index: index, text: text + delta)
      events.append(blockDelta(index, ["type": "text_delta", "text": .string(delta)]))
      return events
    case .toolCalls(let pieces):
      return pieces.flatMap { piece in toolUseEvents(piece) }
    }
  }

  mutating func closingEvents() -> [StreamEvent] {
    var events: [StreamEvent] = []
    // At max_tokens the API leaves a cut-off tool_use block without its content_block_stop.
    if case .toolUse? = openBlock, stopReason == "max_tokens" {
      openBlock = nil
    } else {
      events += stopOpenBlock()
    }
    events.append(
      event(
        "message_delta",
        [
          "delta": ["stop_reason": .string(stopReason), "stop_sequence": nil],
          "usage": ["output_tokens": JSONValue(context.usage.completionTokens)],
        ]))
    events.append(event("message_stop", [:]))
    return events
  }

  mutating func errorEvents(_ error: JSONObject) -> (events: [StreamEvent], ending: StreamErrorEnding) {
    ([event("error", ["error": .object(errorObject(error))])], .endBody)
  }

  // MARK: - Whole responses

  func completion() -> JSONValue {
    var renderer = self
    for step in reply.steps {
      _ = renderer.events(for: step)
    }
    _ = renderer.closingEvents()
    var message = messageObject(content: renderer.content, stopReason: stopReason)
    message["usage"] = .object(usage(outputTokens: context.usage.completionTokens, includesServiceTier: false))
    return .object(context.addingExtraFields(message))
  }

  /// Returns HTTP 529 for an overload, as the API does without streaming, and 500 for any other error type.
  func completionError(_ error: JSONObject) -> (status: Int, body: JSONValue) {
    let object = errorObject(error)
    let status = object["type"] == "overloaded_error" ? 529 : 500
    return (status, AnthropicFormat.errorBody(object, requestID: "req_mock_\(context.sequence)"))
  }

  // MARK: - Blocks

  private mutating func openBlockIfNeeded(thinking: Bool) -> [StreamEvent] {
    switch openBlock {
    case .thinking? where thinking, .text? where !thinking: return []
    default: break
    }
    var events = stopOpenBlock()
    let index = nextIndex
    let block: JSONValue
    if thinking {
      openBlock = .thinking(index: index, text: "")
      block = ["type": "thinking", "thinking": "", "signature": ""]
    } else {
      openBlock = .text(index: index, text: "")
      block = ["type": "text", "text": ""]
    }
    events += blockStart(index, block)
    return events
  }

  private mutating func toolUseEvents(_ piece: ToolCallPiece) -> [StreamEvent] {
    var events: [StreamEvent] = []
    if piece.opensCall {
      events += stopOpenBlock()
      let index = nextIndex
      openBlock = .toolUse(index: index, call: piece.call)
      events += blockStart(
        index, ["type": "tool_use", "id": .string(piece.call.id), "name": .string(piece.call.name), "input": [:]])
    }
    guard case .toolUse(let index, let call)? = openBlock else { return events }
    // A tool without parameters streams only empty fragments; the API never sends the text "{}".
    let fragment = call.arguments == "{}" ? "" : piece.arguments
    if piece.opensCall, !piece.arguments.isEmpty {
      events.append(blockDelta(index, ["type": "input_json_delta", "partial_json": ""]))
    }
    events.append(blockDelta(index, ["type": "input_json_delta", "partial_json": .string(fragment)]))
    return events
  }

  private mutating func blockStart(_ index: Int, _ block: JSONValue) -> [StreamEvent] {
    var events = [event("content_block_start", ["index": JSONValue(index), "content_block": block])]
    if !sentPing {
      sentPing = true
      events.append(event("ping", [:]))
    }
    return events
  }

  private func blockDelta(_ index: Int, _ delta: JSONObject) -> StreamEvent {
    event("content_block_delta", ["index": JSONValue(index), "delta": .object(delta)])
  }

  /// Sends the open block's `content_block_stop`, after the signature of a thinking block, and moves the block
  /// to `content`.
  private mutating func stopOpenBlock() -> [StreamEvent] {
    guard let block = openBlock else { return [] }
    openBlock = nil
    var events: [StreamEvent] = []
    let index: Int
    switch block {
    case .thinking(let blockIndex, let text):
      index = blockIndex
      events.append(blockDelta(index, ["type": "signature_delta", "signature": .string(context.reasoningSignature)]))
      content.append(
        ["type": "thinking", "thinking": .string(text), "signature": .string(context.reasoningSignature)])
    case .text(let blockIndex, let text):
      index = blockIndex
      content.append(["type": "text", "text": .string(text)])
    case .toolUse(let blockIndex, let call):
      index = blockIndex
      let input = (try? JSONParser.parse(call.arguments))?.objectValue ?? JSONObject()
      content.append(
        ["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": .object(input)])
    }
    events.append(event("content_block_stop", ["index": JSONValue(index)]))
    return events
  }

  // MARK: - Objects

  /// Builds an event whose data repeats its name in `type`.
  private func event(_ type: String, _ fields: JSONObject) -> StreamEvent {
    StreamEvent(name: type, json: context.addingExtraFields(merging(["type": .string(type)], fields)))
  }

  private func messageObject(content: [JSONValue], stopReason: String?) -> JSONObject {
    [
      "id": .string("msg_mock_\(context.sequence)"), "type": "message", "role": "assistant",
      "model": .string(context.model), "content": .array(content), "stop_reason": JSONValue(stopReason),
      "stop_sequence": nil,
    ]
  }

  private func usage(outputTokens: Int, includesServiceTier: Bool) -> JSONObject {
    var usage: JSONObject = [
      "input_tokens": JSONValue(context.usage.promptTokens), "cache_creation_input_tokens": 0,
      "cache_read_input_tokens": 0, "output_tokens": JSONValue(outputTokens),
    ]
    if includesServiceTier {
      usage["service_tier"] = "standard"
    }
    return merging(usage, context.usage.extraFields)
  }

  /// Builds the `error` object of a scripted error: `overloaded_error` and "Overloaded" unless the script gives a
  /// `type` or `message`.
  private func errorObject(_ error: JSONObject) -> JSONObject {
    ["type": error["type"] ?? "overloaded_error", "message": error["message"] ?? "Overloaded"]
  }
}

/// The Anthropic Messages error envelope and model list.
enum AnthropicFormat {
  /// Builds `{"type": "error", "error": {"type", "message"}, "request_id"}`.
  static func errorBody(type: String, message: String, requestID: String) -> JSONValue {
    errorBody(["type": .string(type), "message": .string(message)], requestID: requestID)
  }

  static func errorBody(_ error: JSONObject, requestID: String) -> JSONValue {
    ["type": "error", "error": .object(error), "request_id": .string(requestID)]
  }

  /// Returns the `error.type` the Messages API uses for a status.
  static func errorType(forStatus status: Int) -> String {
    switch status {
    case 401: return "authentication_error"
    case 402: return "billing_error"
    case 403: return "permission_error"
    case 404: return "not_found_error"
    case 413: return "request_too_large"
    case 429: return "rate_limit_error"
    case 504: return "timeout_error"
    case 529: return "overloaded_error"
    case 400...499: return "invalid_request_error"
    default: return "api_error"
    }
  }

  /// Builds the body of `GET /v1/models`.
  static func modelList(_ ids: [String]) -> JSONValue {
    let models: [JSONValue] = ids.map { id in
      ["type": "model", "id": .string(id), "display_name": .string(id), "created_at": "2025-01-01T00:00:00Z"]
    }
    return [
      "data": .array(models), "has_more": false, "first_id": JSONValue(ids.first), "last_id": JSONValue(ids.last),
    ]
  }
}

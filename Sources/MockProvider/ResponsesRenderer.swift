import JSONRPC

/// Renders a reply as an OpenAI Responses stream: named events with increasing `sequence_number`, one output item
/// per part of the reply (a `reasoning` item, a `message` item, one `function_call` item per call), and
/// `response.completed` at the end. There is no `[DONE]`.
///
/// An item is closed with its `.done` events when the next item starts or the stream finishes, so an
/// interruption leaves the item it cuts open.
struct ResponsesRenderer: ReplyRenderer {
  private enum OpenItem {
    case reasoning(id: String, outputIndex: Int, text: String)
    case message(id: String, outputIndex: Int, text: String)
    case call(id: String, outputIndex: Int, call: MockToolCall, arguments: String)
  }

  let context: ReplyContext
  private var sequenceNumber = 0
  private var openItem: OpenItem?
  /// The finished output items, in output order.
  private var output: [JSONValue] = []
  /// The response object of the terminal event, once `closingEvents` has run.
  private var finalResponse: JSONObject?

  init(context: ReplyContext) {
    self.context = context
  }

  private var reply: MockTextReply { context.reply }
  private var responseID: String { "resp_mock_\(context.sequence)" }
  private var nextOutputIndex: Int { output.count + (openItem == nil ? 0 : 1) }

  // MARK: - Streaming

  mutating func openingEvents() -> [StreamEvent] {
    let response = self.response(status: "in_progress", output: [], usage: nil)
    return [
      event("response.created", ["response": .object(response)]),
      event("response.in_progress", ["response": .object(response)]),
    ]
  }

  mutating func events(for step: ReplyStep) -> [StreamEvent] {
    switch step {
    case .reasoning(let delta):
      var events = openReasoningIfNeeded()
      guard case .reasoning(let id, let index, let text)? = openItem else { return events }
      openItem = .reasoning(id: id, outputIndex: index, text: text + delta)
      events.append(
        event(
          "response.reasoning_summary_text.delta",
          ["item_id": .string(id), "output_index": JSONValue(index), "summary_index": 0, "delta": .string(delta)]))
      return events
    case .text(let delta):
      var events = openMessageIfNeeded()
      guard case .message(let id, let index, let text)? = openItem else { return events }
      openItem = .message(id: id, outputIndex: index, text: text + delta)
      events.append(
        event(
          "response.output_text.delta",
          [
            "item_id": .string(id), "output_index": JSONValue(index), "content_index": 0, "delta": .string(delta),
            "logprobs": [],
          ]))
      return events
    case .toolCalls(let pieces):
      return pieces.flatMap { piece in callEvents(piece) }
    }
  }

  mutating func closingEvents() -> [StreamEvent] {
    var events: [StreamEvent] = []
    let terminal: String
    var incompleteDetails: JSONValue = nil
    switch reply.finishReason {
    case "length":
      // The reply ran out of output tokens, so the item being written is never finished.
      terminal = "response.incomplete"
      incompleteDetails = ["reason": "max_output_tokens"]
    case "content_filter":
      events += closeOpenItem()
      terminal = "response.incomplete"
      incompleteDetails = ["reason": "content_filter"]
    default:
      events += closeOpenItem()
      terminal = "response.completed"
    }
    var response = self.response(
      status: terminal == "response.completed" ? "completed" : "incomplete", output: output, usage: usage())
    response["incomplete_details"] = incompleteDetails
    finalResponse = response
    events.append(event(terminal, ["response": .object(response)]))
    return events
  }

  mutating func errorEvents(_ error: JSONObject) -> (events: [StreamEvent], ending: StreamErrorEnding) {
    let code = error["code"].flatMap { $0.isNull ? nil : $0 } ?? error["type"] ?? "server_error"
    switch reply.quirks.responsesErrorEvent {
    case .failed:
      var response = self.response(status: "failed", output: output, usage: nil)
      response["error"] = [
        "code": code,
        "message": error["message"] ?? "The model failed to generate a response.",
      ]
      return ([event("response.failed", ["response": .object(response)])], .endBody)
    case .error:
      let fields: JSONObject = [
        "code": code,
        "message": error["message"] ?? "The server had an error while processing your request.",
        "param": error["param"] ?? .null,
      ]
      return ([event("error", fields)], .endBody)
    }
  }

  // MARK: - Whole responses

  func completion() -> JSONValue {
    var renderer = self
    for step in reply.steps {
      _ = renderer.events(for: step)
    }
    _ = renderer.closingEvents()
    return .object(context.addingExtraFields(renderer.finalResponse ?? JSONObject()))
  }

  func completionError(_ error: JSONObject) -> (status: Int, body: JSONValue) {
    (500, .object(JSONObject([("error", .object(merging(OpenAIChatFormat.serverError, error)))])))
  }

  // MARK: - Items

  private mutating func openReasoningIfNeeded() -> [StreamEvent] {
    if case .reasoning? = openItem { return [] }
    var events = closeOpenItem()
    let index = nextOutputIndex
    let id = "rs_mock_\(context.sequence)_\(index)"
    openItem = .reasoning(id: id, outputIndex: index, text: "")
    events.append(
      event(
        "response.output_item.added",
        ["output_index": JSONValue(index), "item": ["id": .string(id), "type": "reasoning", "summary": []]]))
    events.append(
      event(
        "response.reasoning_summary_part.added",
        [
          "item_id": .string(id), "output_index": JSONValue(index), "summary_index": 0,
          "part": ["type": "summary_text", "text": ""],
        ]))
    return events
  }

  private mutating func openMessageIfNeeded() -> [StreamEvent] {
    if case .message? = openItem { return [] }
    var events = closeOpenItem()
    let index = nextOutputIndex
    let id = "msg_mock_\(context.sequence)_\(index)"
    openItem = .message(id: id, outputIndex: index, text: "")
    events.append(
      event(
        "response.output_item.added",
        [
          "output_index": JSONValue(index),
          "item": ["id": .string(id), "type": "message", "status": "in_progress", "role": "assistant", "content": []],
        ]))
    events.append(
      event(
        "response.content_part.added",
        [
          "item_id": .string(id), "output_index": JSONValue(index), "content_index": 0,
          "part": ["type": "output_text", "text": "", "annotations": []],
        ]))
    return events
  }

  private mutating func callEvents(_ piece: ToolCallPiece) -> [StreamEvent] {
    var events: [StreamEvent] = []
    if piece.opensCall {
      events += closeOpenItem()
      let index = nextOutputIndex
      let id = "fc_mock_\(context.sequence)_\(index)"
      openItem = .call(id: id, outputIndex: index, call: piece.call, arguments: "")
      events.append(
        event(
          "response.output_item.added",
          ["output_index": JSONValue(index), "item": .object(callItem(id: id, call: piece.call, arguments: "", done: false))]))
    }
    guard case .call(let id, let index, let call, let arguments)? = openItem, !piece.arguments.isEmpty else {
      return events
    }
    openItem = .call(id: id, outputIndex: index, call: call, arguments: arguments + piece.arguments)
    events.append(
      event(
        "response.function_call_arguments.delta",
        ["item_id": .string(id), "output_index": JSONValue(index), "delta": .string(piece.arguments)]))
    return events
  }

  /// Sends the `.done` events of the open item and moves it to `output`.
  private mutating func closeOpenItem() -> [StreamEvent] {
    guard let item = openItem else { return [] }
    openItem = nil
    switch item {
    case .reasoning(let id, let index, let text):
      let part: JSONValue = ["type": "summary_text", "text": .string(text)]
      var finished: JSONObject = ["id": .string(id), "type": "reasoning", "summary": [part]]
      if context.includesEncryptedReasoning {
        finished["encrypted_content"] = .string(context.reasoningSignature)
      }
      output.append(.object(finished))
      let ids: JSONObject = ["item_id": .string(id), "output_index": JSONValue(index), "summary_index": 0]
      return [
        event("response.reasoning_summary_text.done", merging(ids, ["text": .string(text)])),
        event("response.reasoning_summary_part.done", merging(ids, ["part": part])),
        event("response.output_item.done", ["output_index": JSONValue(index), "item": .object(finished)]),
      ]
    case .message(let id, let index, let text):
      let part: JSONValue = ["type": "output_text", "text": .string(text), "annotations": []]
      let finished: JSONObject = [
        "id": .string(id), "type": "message", "status": "completed", "role": "assistant", "content": [part],
      ]
      output.append(.object(finished))
      let ids: JSONObject = ["item_id": .string(id), "output_index": JSONValue(index), "content_index": 0]
      return [
        event("response.output_text.done", merging(ids, ["text": .string(text), "logprobs": []])),
        event("response.content_part.done", merging(ids, ["part": part])),
        event("response.output_item.done", ["output_index": JSONValue(index), "item": .object(finished)]),
      ]
    case .call(let id, let index, let call, let arguments):
      let finished = callItem(id: id, call: call, arguments: arguments, done: true)
      output.append(.object(finished))
      return [
        event(
          "response.function_call_arguments.done",
          [
            "item_id": .string(id), "output_index": JSONValue(index), "name": .string(call.name),
            "arguments": .string(arguments),
          ]),
        event("response.output_item.done", ["output_index": JSONValue(index), "item": .object(finished)]),
      ]
    }
  }

  private func callItem(id: String, call: MockToolCall, arguments: String, done: Bool) -> JSONObject {
    [
      "id": .string(id), "type": "function_call", "status": done ? "completed" : "in_progress",
      "call_id": .string(call.id), "name": .string(call.name), "arguments": .string(arguments),
    ]
  }

  // MARK: - Objects

  /// Builds an event whose data repeats its name in `type`, followed by `sequence_number` and `fields`.
  private mutating func event(_ type: String, _ fields: JSONObject) -> StreamEvent {
    let object = merging(["type": .string(type), "sequence_number": JSONValue(sequenceNumber)], fields)
    sequenceNumber += 1
    return StreamEvent(name: type, json: context.addingExtraFields(object))
  }

  /// Builds the `response` object, trimmed to the fields a client reads.
  private func response(status: String, output: [JSONValue], usage: JSONObject?) -> JSONObject {
    [
      "id": .string(responseID), "object": "response", "created_at": JSONValue(context.created),
      "status": .string(status), "error": nil, "incomplete_details": nil, "model": .string(context.model),
      "output": .array(output), "usage": usage.map(JSONValue.object) ?? .null,
    ]
  }

  private func usage() -> JSONObject {
    let counts = context.usage
    let usage: JSONObject = [
      "input_tokens": JSONValue(counts.promptTokens), "input_tokens_details": ["cached_tokens": 0],
      "output_tokens": JSONValue(counts.completionTokens),
      "output_tokens_details": ["reasoning_tokens": JSONValue(counts.reasoningTokens)],
      "total_tokens": JSONValue(counts.totalTokens),
    ]
    return merging(usage, counts.extraFields)
  }
}

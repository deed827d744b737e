import JSONRPC

/// Renders a reply as an OpenAI Chat Completions stream of `data:` chunks ending in `data: [DONE]`, in the shape
/// of the script's dialect: api.openai.com, Azure OpenAI or Ollama.
struct ChatCompletionsRenderer: ReplyRenderer {
  let context: ReplyContext
  /// Whether a chunk has carried `"role": "assistant"` yet. Ollama sends it in the first content chunk.
  private var sentRole = false

  init(context: ReplyContext) {
    self.context = context
  }

  private var reply: MockTextReply { context.reply }
  private var dialect: MockScript.Dialect { context.dialect }
  private var identity: OpenAIChatFormat.ResponseIdentity {
    OpenAIChatFormat.ResponseIdentity(id: "chatcmpl-mock-\(context.sequence)", created: context.created, model: context.model)
  }

  // MARK: - Streaming

  mutating func openingEvents() -> [StreamEvent] {
    var events: [StreamEvent] = []
    if dialect == .azure {
      events.append(
        StreamEvent(
          json: context.addingExtraFields([
            "choices": [], "created": 0, "id": "", "model": "", "object": "",
            "prompt_filter_results": [["prompt_index": 0, "content_filter_results": AzureFilter.safe]],
          ])))
    }
    if dialect != .ollama {
      events.append(chunk(delta: roleDelta(), filterResults: [:]))
      sentRole = true
    }
    return events
  }

  mutating func events(for step: ReplyStep) -> [StreamEvent] {
    var delta: JSONObject
    var filterResults: JSONValue = [:]
    switch step {
    case .reasoning(let text):
      delta = [reasoningField: .string(text)]
      filterResults = AzureFilter.safe
    case .text(let text):
      delta = ["content": .string(text)]
      filterResults = AzureFilter.safe
    case .toolCalls(let pieces):
      delta = ["tool_calls": .array(pieces.map { .object(fragment($0)) })]
    }
    if reply.nullToolCalls, delta["tool_calls"] == nil {
      delta["tool_calls"] = .null
    }
    if !sentRole {
      // Ollama's first chunk carries the role together with the first delta.
      delta = merging(["role": "assistant", "content": ""], delta)
      sentRole = true
    }
    return [chunk(delta: delta, filterResults: filterResults)]
  }

  mutating func closingEvents() -> [StreamEvent] {
    var events: [StreamEvent] = []
    if !sentRole {
      events.append(chunk(delta: ["role": "assistant", "content": ""], filterResults: [:]))
      sentRole = true
    }
    if reply.quirks.filterAnnotation == .beforeFinish {
      events.append(annotationChunk())
    }
    let isFiltered = reply.finishReason == "content_filter"
    events.append(
      chunk(delta: JSONObject(), finishReason: reply.finishReason, filterResults: isFiltered ? AzureFilter.flagged : [:]))
    if reply.quirks.filterAnnotation == .afterFinish {
      events.append(annotationChunk())
    }
    // Azure skips the usage chunk after its content filter stops a reply.
    let sendsUsage = context.includeUsage && !reply.quirks.omitsUsage && !(dialect == .azure && isFiltered)
    if sendsUsage {
      events.append(StreamEvent(json: context.addingExtraFields(usageChunk())))
    }
    events.append(StreamEvent(data: "[DONE]"))
    return events
  }

  mutating func errorEvents(_ error: JSONObject) -> (events: [StreamEvent], ending: StreamErrorEnding) {
    guard dialect != .ollama else {
      // Ollama's OpenAI layer drops the error: one empty content chunk, then the connection closes.
      return (events(for: .text("")), .closeConnection)
    }
    let body = JSONObject([("error", .object(merging(OpenAIChatFormat.serverError, error)))])
    return ([StreamEvent(json: body)], .endBody)
  }

  // MARK: - Whole responses

  func completion() -> JSONValue {
    let completion = OpenAIChatFormat.completion(
      identity, reply: reply, usage: openAIUsage(), reasoningField: reasoningField)
    return .object(context.addingExtraFields(completion.objectValue ?? JSONObject()))
  }

  func completionError(_ error: JSONObject) -> (status: Int, body: JSONValue) {
    (500, .object(JSONObject([("error", .object(merging(OpenAIChatFormat.serverError, error)))])))
  }

  // MARK: - Chunks

  private var reasoningField: String {
    if let field = reply.quirks.reasoningField { return field.rawValue }
    return dialect == .ollama ? "reasoning" : "reasoning_content"
  }

  /// Builds the delta of the first chunk: `{"role":"assistant","content":null}` for a reply of tool calls only,
  /// else `{"role":"assistant","content":"","refusal":null}`, as api.openai.com sends them.
  private func roleDelta() -> JSONObject {
    let callsOnly = reply.text.isEmpty && reply.reasoning.isEmpty && !reply.toolCalls.isEmpty
    var delta: JSONObject =
      callsOnly ? ["role": "assistant", "content": nil] : ["role": "assistant", "content": "", "refusal": nil]
    if reply.nullToolCalls {
      delta["tool_calls"] = .null
    }
    return delta
  }

  /// Builds one `tool_calls` fragment: the first of a call carries its `id`, `type` and `function.name`.
  private func fragment(_ piece: ToolCallPiece) -> JSONObject {
    var fragment = JSONObject()
    let streaming = reply.toolCallStreaming
    if streaming.includesIndex {
      fragment["index"] = JSONValue(streaming.reusesIndexZero ? 0 : piece.position)
    }
    var function = JSONObject()
    if piece.opensCall {
      fragment["id"] = .string(piece.call.id)
      fragment["type"] = "function"
      function["name"] = .string(piece.call.name)
    }
    function["arguments"] = .string(piece.arguments)
    fragment["function"] = .object(function)
    return fragment
  }

  /// Builds a chunk with one choice in the dialect's shape.
  private func chunk(delta: JSONObject, finishReason: String? = nil, filterResults: JSONValue) -> StreamEvent {
    var chunk: JSONObject
    switch dialect {
    case .openai:
      chunk =
        OpenAIChatFormat.chunk(identity, delta: delta, finishReason: finishReason, includeUsage: context.includeUsage)
        .objectValue ?? JSONObject()
    case .azure:
      // Azure sends its keys in alphabetical order.
      let choice: JSONObject = [
        "content_filter_results": filterResults, "delta": .object(delta), "finish_reason": JSONValue(finishReason),
        "index": 0, "logprobs": nil,
      ]
      chunk = [
        "choices": [.object(choice)], "created": JSONValue(context.created), "id": .string(identity.id),
        "model": .string(context.model), "object": "chat.completion.chunk", "system_fingerprint": "fp_mock",
      ]
    case .ollama:
      let choice: JSONObject = ["index": 0, "delta": .object(delta), "finish_reason": JSONValue(finishReason)]
      chunk = [
        "id": .string(identity.id), "object": "chat.completion.chunk", "created": JSONValue(context.created),
        "model": .string(context.model), "system_fingerprint": "fp_ollama", "choices": [.object(choice)],
      ]
    }
    return StreamEvent(json: context.addingExtraFields(chunk))
  }

  /// Builds the chunk after the finish chunk that carries the usage, with `choices: []`.
  private func usageChunk() -> JSONObject {
    switch dialect {
    case .openai:
      return OpenAIChatFormat.usageChunk(identity, usage: openAIUsage()).objectValue ?? JSONObject()
    case .azure:
      return [
        "choices": [], "created": JSONValue(context.created), "id": .string(identity.id),
        "model": .string(context.model), "object": "chat.completion.chunk", "system_fingerprint": "fp_mock",
        "usage": .object(basicUsage()),
      ]
    case .ollama:
      return [
        "id": .string(identity.id), "object": "chat.completion.chunk", "created": JSONValue(context.created),
        "model": .string(context.model), "system_fingerprint": "fp_ollama", "choices": [],
        "usage": .object(basicUsage()),
      ]
    }
  }

  /// Builds an Azure asynchronous-filter annotation: a choice with no `delta`, and empty `id` and `model`.
  private func annotationChunk() -> StreamEvent {
    let choice: JSONObject = [
      "content_filter_offsets": [
        "check_offset": 0, "start_offset": 0, "end_offset": JSONValue(reply.text.utf8.count),
      ],
      "content_filter_results": AzureFilter.safe, "finish_reason": nil, "index": 0,
    ]
    return StreamEvent(
      json: context.addingExtraFields(["choices": [.object(choice)], "created": 0, "id": "", "model": "", "object": ""]))
  }

  /// Builds the usage object of api.openai.com, with token details.
  private func openAIUsage() -> JSONObject {
    var usage = basicUsage()
    usage["prompt_tokens_details"] = ["cached_tokens": 0, "audio_tokens": 0]
    usage["completion_tokens_details"] = [
      "reasoning_tokens": JSONValue(context.usage.reasoningTokens), "audio_tokens": 0,
      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
    ]
    return merging(usage, context.usage.extraFields)
  }

  /// Builds the usage object of Azure and Ollama: the three counts only.
  private func basicUsage() -> JSONObject {
    let usage: JSONObject = [
      "prompt_tokens": JSONValue(context.usage.promptTokens),
      "completion_tokens": JSONValue(context.usage.completionTokens),
      "total_tokens": JSONValue(context.usage.totalTokens),
    ]
    return dialect == .openai ? usage : merging(usage, context.usage.extraFields)
  }
}

/// Azure OpenAI's per-category content-filter verdicts.
enum AzureFilter {
  /// Every category passed.
  static let safe: JSONValue = [
    "hate": ["filtered": false, "severity": "safe"], "self_harm": ["filtered": false, "severity": "safe"],
    "sexual": ["filtered": false, "severity": "safe"], "violence": ["filtered": false, "severity": "safe"],
  ]

  /// The `violence` category blocked the output.
  static let flagged: JSONValue = [
    "hate": ["filtered": false, "severity": "safe"], "self_harm": ["filtered": false, "severity": "safe"],
    "sexual": ["filtered": false, "severity": "safe"], "violence": ["filtered": true, "severity": "high"],
  ]
}

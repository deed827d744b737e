import AgentCore
import HTTPStreaming
import JSONRPC

/// Decodes an Anthropic Messages event stream into neutral events.
///
/// Text and thinking deltas pass straight through. At its `content_block_stop` a `thinking` block becomes a
/// `.reasoningItem` holding the whole text and signature, and a `redacted_thinking` block is passed on
/// unchanged. Tool input fragments are joined per block index. The calls, the usage and `.finished` follow
/// only at `message_stop`, so a stream cut off before it yields no tool calls.
struct AnthropicStreamDecoder {
  private enum Block {
    case text
    /// The `content_block_start` object, with the thinking text and signature gathered so far.
    case thinking(start: JSONObject, text: String, signature: String)
    case redactedThinking(JSONValue)
    /// The call's id and name, the `partial_json` fragments joined, and the `input` of the start event.
    case toolUse(id: String, name: String, json: String, startInput: JSONObject)
    case other
  }

  private var parser = ServerSentEventParser()
  private var openBlocks: [Int: Block] = [:]
  private var toolCalls: [(index: Int, call: ToolCall)] = []
  /// Token counts by usage field. The API reports cumulative counts, so a later event overwrites a field.
  private var tokenCounts: [String: Int] = [:]
  private var stopReason: String?
  /// Whether `message_stop` arrived; events after it are ignored.
  private(set) var isComplete = false

  /// Splits `bytes` into server-sent events and passes each decoded event to `emit` as soon as it is decoded,
  /// so the events before an `error` event in the same read are not lost.
  mutating func feed(
    _ bytes: [UInt8], errors: ProviderErrorMapper, emit: (ModelStreamEvent) -> Void
  ) throws {
    for event in parser.feed(bytes) {
      for output in try decode(event, errors: errors) {
        emit(output)
      }
    }
  }

  /// Decodes one event, dispatching on its JSON `type` and falling back to the `event:` name.
  ///
  /// Throws the provider's error for an `error` event and `.invalidResponse` for data that is not JSON.
  mutating func decode(_ event: ServerSentEvent, errors: ProviderErrorMapper) throws -> [ModelStreamEvent] {
    guard !isComplete else { return [] }
    guard let json = try? JSONParser.parse(event.data), json.objectValue != nil else {
      throw ProviderError(
        kind: .invalidResponse,
        message: "\(errors.providerName) sent a stream event that is not a JSON object; is provider.baseUrl an "
          + "Anthropic Messages endpoint?")
    }
    switch json["type"]?.stringValue ?? event.event {
    case "message_start":
      updateTokenCounts(json["message"]?["usage"])
      return []
    case "content_block_start":
      return startBlock(json)
    case "content_block_delta":
      return applyDelta(json)
    case "content_block_stop":
      return stopBlock(json)
    case "message_delta":
      if let reason = json["delta"]?["stop_reason"]?.stringValue { stopReason = reason }
      updateTokenCounts(json["usage"])
      return []
    case "message_stop":
      return try completeMessage()
    case "error":
      throw errors.mapStreamError(json["error"] ?? json)
    default:
      // `ping` keep-alives, and event types added after this decoder was written.
      return []
    }
  }

  /// Throws unless the stream reached `message_stop`.
  func finish() throws(ProviderError) {
    guard isComplete else {
      throw ProviderError(
        kind: .network,
        message: "The provider's stream ended before the answer was complete (no message_stop event). "
          + "The connection may have dropped; send the message again.")
    }
  }

  // MARK: - Content blocks

  private mutating func startBlock(_ json: JSONValue) -> [ModelStreamEvent] {
    guard let index = json["index"]?.intValue, let block = json["content_block"] else { return [] }
    switch block["type"]?.stringValue {
    case "text":
      openBlocks[index] = .text
      let text = block["text"]?.stringValue ?? ""
      return text.isEmpty ? [] : [.textDelta(text)]
    case "thinking":
      let text = block["thinking"]?.stringValue ?? ""
      let signature = block["signature"]?.stringValue ?? ""
      openBlocks[index] = .thinking(start: block.objectValue ?? JSONObject(), text: text, signature: signature)
      return text.isEmpty ? [] : [.reasoningDelta(text)]
    case "redacted_thinking":
      openBlocks[index] = .redactedThinking(block)
    case "tool_use":
      openBlocks[index] = .toolUse(
        id: block["id"]?.stringValue ?? "toolu_\(index)", name: block["name"]?.stringValue ?? "", json: "",
        startInput: block["input"]?.objectValue ?? JSONObject())
    default:
      openBlocks[index] = .other
    }
    return []
  }

  private mutating func applyDelta(_ json: JSONValue) -> [ModelStreamEvent] {
    guard let index = json["index"]?.intValue, let delta = json["delta"], let block = openBlocks[index] else {
      return []
    }
    switch (delta["type"]?.stringValue, block) {
    case ("text_delta", _):
      let text = delta["text"]?.stringValue ?? ""
      return text.isEmpty ? [] : [.textDelta(text)]
    case ("thinking_delta", .thinking(let start, let text, let signature)):
      let fragment = delta["thinking"]?.stringValue ?? ""
      openBlocks[index] = .thinking(start: start, text: text + fragment, signature: signature)
      return fragment.isEmpty ? [] : [.reasoningDelta(fragment)]
    case ("signature_delta", .thinking(let start, let text, _)):
      openBlocks[index] = .thinking(start: start, text: text, signature: delta["signature"]?.stringValue ?? "")
    case ("input_json_delta", .toolUse(let id, let name, let partial, let startInput)):
      let fragment = delta["partial_json"]?.stringValue ?? ""
      openBlocks[index] = .toolUse(id: id, name: name, json: partial + fragment, startInput: startInput)
    default:
      // Citations and delta types added later carry nothing the conversation keeps.
      break
    }
    return []
  }

  private mutating func stopBlock(_ json: JSONValue) -> [ModelStreamEvent] {
    guard let index = json["index"]?.intValue, let block = openBlocks.removeValue(forKey: index) else { return [] }
    switch block {
    case .thinking(var start, let text, let signature):
      start["thinking"] = .string(text)
      start["signature"] = .string(signature)
      return [.reasoningItem(.object(start))]
    case .redactedThinking(let item):
      return [.reasoningItem(item)]
    case .toolUse(let id, let name, let partial, let startInput):
      // A tool without parameters streams no fragments, and some servers put the whole input in the start event.
      var arguments = partial
      if arguments.isEmpty {
        arguments = startInput.isEmpty ? "{}" : JSONValue.object(startInput).serializedString()
      }
      toolCalls.append((index, ToolCall(id: id, name: name, arguments: arguments)))
    case .text, .other:
      break
    }
    return []
  }

  // MARK: - Completion

  private mutating func updateTokenCounts(_ usage: JSONValue?) {
    for field in ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"] {
      if let count = usage?[field]?.intValue { tokenCounts[field] = count }
    }
  }

  /// Marks the message complete and returns the usage, the tool calls in block order and `.finished`.
  ///
  /// Throws when a `tool_use` block never got its `content_block_stop`, because its input may be cut off.
  ///
  /// The input count adds the cache reads and writes, which the API counts apart from `input_tokens`, so
  /// it is the whole prompt as with the other providers.
  private mutating func completeMessage() throws(ProviderError) -> [ModelStreamEvent] {
    isComplete = true
    let unfinishedCalls = openBlocks.values.compactMap { block -> String? in
      if case .toolUse(_, let name, _, _) = block { return name }
      return nil
    }
    if let name = unfinishedCalls.first {
      let message =
        stopReason == "max_tokens"
        ? "The model reached max_tokens in the middle of a call to tool '\(name)', so the call was not run. "
          + "Raise provider.maxOutputTokens and send the message again."
        : "The provider's stream stopped in the middle of a call to tool '\(name)', so the call was not run. "
          + "Send the message again."
      throw ProviderError(kind: .invalidResponse, message: message)
    }

    var outputs: [ModelStreamEvent] = []
    let outputTokens = tokenCounts["output_tokens"]
    let inputTokens = tokenCounts["input_tokens"].map { uncached in
      uncached + (tokenCounts["cache_creation_input_tokens"] ?? 0) + (tokenCounts["cache_read_input_tokens"] ?? 0)
    }
    if inputTokens != nil || outputTokens != nil {
      outputs.append(.usage(inputTokens: inputTokens, outputTokens: outputTokens))
    }
    outputs += toolCalls.sorted { $0.index < $1.index }.map { .toolCall($0.call) }
    outputs.append(.finished(reason: stopReason))
    return outputs
  }
}

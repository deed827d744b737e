import AgentCore
import HTTPStreaming
import JSONRPC

/// Decodes OpenAI Chat Completions SSE chunks into neutral events.
///
/// Text deltas pass straight through. Tool-call fragments are stitched by id, then by index, and become
/// whole `.toolCall`s only when the answer finished; a stream cut off before `finish_reason` and
/// `[DONE]` never yields its calls.
struct OpenAIChatStreamDecoder: ServerSentEventDecoder {
  private var finishReason: String?
  private var sawDone = false
  private var calls = ToolCallAccumulator()

  mutating func decode(_ event: ServerSentEvent, errors: ProviderErrorMapper) throws -> [ModelStreamEvent] {
    let data = event.data
    if data == "[DONE]" {
      sawDone = true
      return []
    }
    guard let chunk = try? JSONParser.parse(data) else {
      throw ProviderError(
        kind: .invalidResponse,
        message: "\(errors.providerName) sent a stream chunk that is not valid JSON; is provider.baseUrl an "
          + "OpenAI-compatible endpoint?")
    }
    if let error = chunk["error"], !error.isNull {
      throw errors.mapStreamError(error)
    }
    var outputs: [ModelStreamEvent] = []
    for choice in chunk["choices"]?.arrayValue ?? [] {
      if let delta = choice["delta"] {
        if let text = delta["content"]?.stringValue, !text.isEmpty {
          outputs.append(.textDelta(text))
        }
        if let reasoning = delta["reasoning_content"]?.stringValue ?? delta["reasoning"]?.stringValue,
          !reasoning.isEmpty
        {
          outputs.append(.reasoningDelta(reasoning))
        }
        for fragment in delta["tool_calls"]?.arrayValue ?? [] {
          calls.add(fragment)
        }
      }
      if let reason = choice["finish_reason"]?.stringValue {
        finishReason = reason
      }
    }
    if let usage = chunk["usage"], usage.objectValue != nil {
      outputs.append(.usage(inputTokens: usage["prompt_tokens"]?.intValue, outputTokens: usage["completion_tokens"]?.intValue))
    }
    return outputs
  }

  /// The events that close the answer, or an error when the stream ended before it was complete.
  mutating func finish() throws -> [ModelStreamEvent] {
    guard sawDone || finishReason != nil else {
      throw ProviderError(
        kind: .network,
        message: "The provider's stream ended before the answer was complete (no finish_reason and no [DONE]). "
          + "The connection may have dropped; send the message again.")
    }
    if finishReason == "content_filter" {
      throw ProviderError(
        kind: .contentFilter,
        message: "The provider's content filter stopped the answer (finish_reason content_filter); rephrase the prompt.")
    }
    let completed = calls.completedCalls()
    if finishReason == "length" && !completed.isEmpty {
      throw ProviderError(
        kind: .contextLength,
        message: "The answer hit the output token limit in the middle of a tool call, so the call was not run. "
          + "Raise provider.maxOutputTokens or ask for a shorter answer.")
    }
    var outputs = completed.map(ModelStreamEvent.toolCall)
    outputs.append(.finished(reason: finishReason))
    return outputs
  }
}

/// Stitches streamed tool-call fragments into whole calls: by `id` when a fragment has one, else by
/// `index`, else onto the call being streamed; a later `name` fragment is appended to the name.
struct ToolCallAccumulator {
  private var calls: [(id: String, name: String, arguments: String, index: Int?)] = []

  mutating func add(_ fragment: JSONValue) {
    let id = fragment["id"]?.stringValue
    let index = fragment["index"]?.intValue
    let name = fragment["function"]?["name"]?.stringValue
    let arguments = fragment["function"]?["arguments"]?.stringValue ?? ""

    let position: Int? = {
      if let id, !id.isEmpty {
        return calls.firstIndex { $0.id == id }
      }
      if let index {
        return calls.lastIndex { $0.index == index }
      }
      return calls.indices.last
    }()
    if let position, id == nil || calls[position].id == id {
      if let name, !name.isEmpty, calls[position].name != name { calls[position].name += name }
      calls[position].arguments += arguments
      return
    }
    calls.append((id ?? "call_\(calls.count)", name ?? "", arguments, index))
  }

  func completedCalls() -> [ToolCall] {
    calls.map { ToolCall(id: $0.id, name: $0.name, arguments: $0.arguments.isEmpty ? "{}" : $0.arguments) }
  }
}

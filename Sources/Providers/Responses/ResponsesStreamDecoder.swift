import AgentCore
import HTTPStreaming
import JSONRPC

/// Decodes the named SSE events of a streamed OpenAI Responses answer into neutral events.
///
/// Text and reasoning summary deltas pass straight through, and each finished `reasoning` item is passed on
/// whole so it can be sent back. Function calls become `.toolCall`s only after `response.completed`. A
/// stream that ends without a terminal event, or ends with `response.incomplete`, never yields its calls,
/// because their arguments may be cut off.
struct ResponsesStreamDecoder: ServerSentEventDecoder {
  private enum Outcome: Equatable {
    case completed
    case incomplete(reason: String?)
  }

  private var outcome: Outcome?
  private var calls = ResponsesFunctionCalls()
  private var hasReasoningText = false

  mutating func decode(_ event: ServerSentEvent, errors: ProviderErrorMapper) throws -> [ModelStreamEvent] {
    // Nothing after the terminal event belongs to the answer. Some proxies also end with a Chat-style
    // `[DONE]`, which carries nothing.
    guard outcome == nil, event.data != "[DONE]" else { return [] }
    guard let payload = try? JSONParser.parse(event.data) else {
      throw ProviderError(
        kind: .invalidResponse,
        message: "\(errors.providerName) sent a stream event that is not valid JSON; is provider.baseUrl an "
          + "endpoint of the OpenAI Responses API?")
    }
    let type = payload["type"]?.stringValue ?? event.event ?? ""
    let itemID = payload["item_id"]?.stringValue
    let outputIndex = payload["output_index"]?.intValue

    switch type {
    case "response.output_text.delta", "response.refusal.delta":
      // A refusal is the model's answer to the user, so it is shown like any other text.
      return Self.nonEmpty(payload["delta"]).map { [.textDelta($0)] } ?? []
    case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
      // OpenAI's own models stream only summaries; open-weight models served with this API stream the
      // reasoning text itself.
      guard let delta = Self.nonEmpty(payload["delta"]) else { return [] }
      hasReasoningText = true
      return [.reasoningDelta(delta)]
    case "response.reasoning_summary_part.added":
      // Summary parts are paragraphs, and their deltas carry no separator of their own.
      return hasReasoningText ? [.reasoningDelta("\n\n")] : []
    case "response.output_item.added":
      if let item = payload["item"], item["type"]?.stringValue == "function_call" {
        calls.record(item: item, outputIndex: outputIndex)
      }
      return []
    case "response.output_item.done":
      guard let item = payload["item"] else { return [] }
      switch item["type"]?.stringValue {
      case "function_call":
        calls.record(item: item, outputIndex: outputIndex)
        return []
      case "reasoning":
        return [.reasoningItem(item)]
      default:
        return []
      }
    case "response.function_call_arguments.delta":
      calls.appendArguments(payload["delta"]?.stringValue ?? "", itemID: itemID, outputIndex: outputIndex)
      return []
    case "response.function_call_arguments.done":
      if let arguments = payload["arguments"]?.stringValue {
        calls.setArguments(arguments, itemID: itemID, outputIndex: outputIndex)
      }
      return []
    case "response.completed", "response.incomplete", "response.failed", "response.done":
      return try end(type: type, response: payload["response"], errors: errors)
    case "error":
      throw Self.streamFailure(payload, status: nil, errors: errors)
    default:
      return []
    }
  }

  /// Returns the events that close the answer, or throws when the stream ended before a terminal event.
  ///
  /// A completed answer finishes with `stop`, or `tool_calls` when it has calls, as Chat Completions names
  /// them. An incomplete one finishes with its `incomplete_details.reason`, such as `max_output_tokens`.
  mutating func finish() throws -> [ModelStreamEvent] {
    switch outcome {
    case nil:
      throw ProviderError(
        kind: .network,
        message: "The provider's stream ended before the answer was complete (no response.completed event). "
          + "The connection may have dropped; send the message again.")
    case .completed:
      let completed = try calls.completedCalls()
      var outputs = completed.map(ModelStreamEvent.toolCall)
      outputs.append(.finished(reason: completed.isEmpty ? "stop" : "tool_calls"))
      return outputs
    case .incomplete(let reason):
      return [.finished(reason: reason ?? "incomplete")]
    }
  }

  /// Handles a terminal event: records how the answer ended and returns its usage.
  ///
  /// `response.done`, which some proxies send in place of the specific events, ends according to its `status`.
  private mutating func end(type: String, response: JSONValue?, errors: ProviderErrorMapper) throws
    -> [ModelStreamEvent]
  {
    var status = String(type.dropFirst("response.".count))
    if type == "response.done" {
      status = response?["status"]?.stringValue ?? "completed"
    }
    switch status {
    case "completed":
      for (index, item) in (response?["output"]?.arrayValue ?? []).enumerated()
      where item["type"]?.stringValue == "function_call" {
        calls.record(item: item, outputIndex: index)
      }
      outcome = .completed
    case "incomplete":
      let reason = response?["incomplete_details"]?["reason"]?.stringValue
      if reason == "content_filter" {
        throw ProviderError(
          kind: .contentFilter,
          message: "The provider's content filter stopped the answer (response.incomplete, reason content_filter); "
            + "rephrase the prompt.")
      }
      outcome = .incomplete(reason: reason)
    default:
      throw Self.streamFailure(response?["error"], status: status, errors: errors)
    }
    guard let usage = response?["usage"], usage.objectValue != nil else { return [] }
    return [.usage(inputTokens: usage["input_tokens"]?.intValue, outputTokens: usage["output_tokens"]?.intValue)]
  }

  private static func nonEmpty(_ value: JSONValue?) -> String? {
    guard let text = value?.stringValue, !text.isEmpty else { return nil }
    return text
  }
}

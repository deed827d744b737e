import AgentCore
import HTTPStreaming
import JSONRPC
@testable import Providers
import Testing

/// Decodes Anthropic Messages event streams without a network, through the real SSE parser.
@Suite struct AnthropicStreamDecoderTests {
  private let errors = ProviderErrorMapper(providerName: "The provider", baseURL: "http://x", secrets: [])

  /// Feeds `transcript` in reads of `readSize` bytes (all at once when nil) and then ends the stream.
  private func decode(_ transcript: String, readSize: Int? = nil) -> (events: [ModelStreamEvent], error: ProviderError?) {
    let bytes = Array(transcript.utf8)
    var decoder = AnthropicStreamDecoder()
    var events: [ModelStreamEvent] = []
    do {
      var offset = 0
      while offset < bytes.count {
        let end = readSize.map { min(offset + $0, bytes.count) } ?? bytes.count
        try decoder.feed(Array(bytes[offset..<end]), errors: errors) { events.append($0) }
        offset = end
      }
      try decoder.finish()
      return (events, nil)
    } catch {
      return (events, error as? ProviderError)
    }
  }

  private func decodeEvents(_ events: [ServerSentEvent]) throws -> [ModelStreamEvent] {
    var decoder = AnthropicStreamDecoder()
    var outputs: [ModelStreamEvent] = []
    for event in events {
      outputs += try decoder.decode(event, errors: errors)
    }
    try decoder.finish()
    return outputs
  }

  private func toolCalls(_ events: [ModelStreamEvent]) -> [ToolCall] {
    events.compactMap { event in
      guard case .toolCall(let call) = event else { return nil }
      return call
    }
  }

  // MARK: - Transcripts

  @Test func textAnswer() {
    let result = decode(AnthropicTranscripts.text)
    #expect(result.error == nil)
    #expect(
      result.events == [
        .textDelta("Hello"), .textDelta(" there!"), .usage(inputTokens: 12, outputTokens: 6),
        .finished(reason: "end_turn"),
      ])
  }

  @Test(arguments: [1, 2, 7, 64])
  func textAnswerInSmallReads(readSize: Int) {
    let whole = decode(AnthropicTranscripts.text)
    let split = decode(AnthropicTranscripts.text, readSize: readSize)
    #expect(split.error == nil)
    #expect(split.events == whole.events)
  }

  @Test func crlfLineEndsOneByteAtATime() {
    let transcript = AnthropicTranscripts.toolCall.replacingOccurrences(of: "\n", with: "\r\n")
    let result = decode(transcript, readSize: 1)
    #expect(result.error == nil)
    #expect(result.events == decode(AnthropicTranscripts.toolCall).events)
  }

  @Test func toolCallAfterText() {
    let result = decode(AnthropicTranscripts.toolCall)
    #expect(result.error == nil)
    #expect(
      result.events == [
        .textDelta("I'll check the weather."), .usage(inputTokens: 377, outputTokens: 58),
        .toolCall(ToolCall(id: "toolu_01A", name: "get_weather", arguments: #"{"city": "Paris"}"#)),
        .finished(reason: "tool_use"),
      ])
  }

  @Test func parallelToolCallsInOrder() {
    let result = decode(AnthropicTranscripts.parallelToolCalls, readSize: 1)
    #expect(result.error == nil)
    #expect(
      toolCalls(result.events) == [
        ToolCall(id: "toolu_01P", name: "get_weather", arguments: #"{"city": "Paris"}"#),
        ToolCall(id: "toolu_01Q", name: "get_weather", arguments: #"{"city": "Rome"}"#),
      ])
    #expect(result.events.last == .finished(reason: "tool_use"))
  }

  @Test func toolCallsWaitForMessageStop() throws {
    let transcript = AnthropicTranscripts.toolCall
    let beforeStop = String(transcript[..<transcript.range(of: "event: message_stop")!.lowerBound])
    var decoder = AnthropicStreamDecoder()
    var events: [ModelStreamEvent] = []
    try decoder.feed(Array(beforeStop.utf8), errors: errors) { events.append($0) }
    #expect(toolCalls(events).isEmpty)
    #expect(!decoder.isComplete)
  }

  @Test func thinkingBlocksBecomeReasoningItems() {
    let result = decode(AnthropicTranscripts.thinkingToolCall, readSize: 3)
    let thinking: JSONValue = [
      "type": "thinking", "thinking": "The user wants the time.", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h",
    ]
    let redacted: JSONValue = ["type": "redacted_thinking", "data": "EmwKAhgBEgy3va3pzix"]
    #expect(result.error == nil)
    #expect(
      result.events == [
        .reasoningDelta("The user wants "), .reasoningDelta("the time."), .reasoningItem(thinking),
        .reasoningItem(redacted), .usage(inputTokens: 510, outputTokens: 71),
        .toolCall(ToolCall(id: "toolu_01T", name: "get_time", arguments: "{}")), .finished(reason: "tool_use"),
      ])
  }

  @Test func thinkingItemKeepsFieldOrder() throws {
    let result = decode(AnthropicTranscripts.thinkingToolCall)
    let item = try #require(
      result.events.compactMap { event -> JSONValue? in
        guard case .reasoningItem(let item) = event else { return nil }
        return item
      }.first)
    #expect(
      item.serializedString()
        == #"{"type":"thinking","thinking":"The user wants the time.","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3h"}"#)
  }

  @Test func inputFromStartEventWithoutDeltas() throws {
    let events = try decodeEvents([
      ServerSentEvent(
        data: #"{"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"toolu_9","name":"f","input":{"a":1}}}"#),
      ServerSentEvent(data: #"{"type":"content_block_stop","index":0}"#),
      ServerSentEvent(data: #"{"type":"message_stop"}"#),
    ])
    #expect(toolCalls(events) == [ToolCall(id: "toolu_9", name: "f", arguments: #"{"a":1}"#)])
  }

  @Test func eventNameWhenTypeIsMissing() throws {
    let events = try decodeEvents([ServerSentEvent(event: "message_stop", data: "{}")])
    #expect(events == [.finished(reason: nil)])
  }

  @Test func ignoresUnknownEventsAndDeltas() throws {
    let events = try decodeEvents([
      ServerSentEvent(data: #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
      ServerSentEvent(
        data: #"{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{"cited_text":"x"}}}"#),
      ServerSentEvent(data: #"{"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use","id":"s"}}"#),
      ServerSentEvent(data: #"{"type":"content_block_stop","index":1}"#),
      ServerSentEvent(data: #"{"type":"brand_new_event","value":1}"#),
      ServerSentEvent(data: #"{"type": "ping"}"#),
      ServerSentEvent(data: #"{"type":"message_stop"}"#),
      ServerSentEvent(data: #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"late"}}"#),
    ])
    #expect(events == [.finished(reason: nil)])
  }

  // MARK: - Failures

  @Test func overloadedErrorMidStream() {
    let result = decode(AnthropicTranscripts.overloadedMidStream)
    #expect(result.events == [.textDelta("The answer is")])
    #expect(result.error?.kind == .server)
    #expect(result.error?.message.contains("Overloaded") == true)
  }

  @Test func rateLimitErrorEvent() throws {
    let event = ServerSentEvent(
      event: "error", data: #"{"type":"error","error":{"type":"rate_limit_error","message":"Too many requests"}}"#)
    var decoder = AnthropicStreamDecoder()
    let error = try #require(throws: ProviderError.self) { try decoder.decode(event, errors: errors) }
    #expect(error.kind == .rateLimit)
    #expect(error.message.contains("Too many requests"))
  }

  @Test func truncatedStreamFails() {
    let result = decode(AnthropicTranscripts.truncatedToolCall)
    #expect(result.error?.kind == .network)
    #expect(result.error?.message.contains("message_stop") == true)
    #expect(toolCalls(result.events).isEmpty)
  }

  @Test func maxTokensInsideToolCallFails() {
    let result = decode(AnthropicTranscripts.maxTokensInToolCall)
    #expect(result.error?.kind == .invalidResponse)
    #expect(result.error?.message.contains("max_tokens") == true)
    #expect(result.error?.message.contains("provider.maxOutputTokens") == true)
    #expect(toolCalls(result.events).isEmpty)
  }

  @Test func nonJSONDataFails() {
    let result = decode("event: message_start\ndata: <html>Bad gateway</html>\n\n")
    #expect(result.error?.kind == .invalidResponse)
    #expect(result.events.isEmpty)
  }

  @Test func emptyStreamFails() {
    let result = decode("")
    #expect(result.error?.kind == .network)
  }
}

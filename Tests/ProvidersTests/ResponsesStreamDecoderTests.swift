import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC
@testable import Providers
import Testing

/// Decodes recorded Responses API streams through the real SSE parser, without a network.
@Suite struct ResponsesStreamDecoderTests {
  private static let canary = "sk-canary-responses-0123456789"
  private let errors = ProviderErrorMapper(
    providerName: "The provider", baseURL: "http://127.0.0.1", secrets: [Secret(Self.canary)])

  private struct Outcome {
    var events: [ModelStreamEvent]
    var error: (any Error)?

    var providerError: ProviderError? { error as? ProviderError }
    var toolCalls: [ToolCall] {
      events.compactMap { event in
        if case .toolCall(let call) = event { return call }
        return nil
      }
    }
  }

  /// Parses `transcript` into SSE events, feeding the parser `chunkSize` bytes at a time.
  private func parse(_ transcript: String, chunkSize: Int) -> [ServerSentEvent] {
    var parser = ServerSentEventParser()
    var events: [ServerSentEvent] = []
    let bytes = Array(transcript.utf8)
    var start = 0
    while start < bytes.count {
      let end = start + min(chunkSize, bytes.count - start)
      events += parser.feed(bytes[start..<end])
      start = end
    }
    return events
  }

  /// Decodes SSE events and finishes the decoder, keeping the events produced before any error.
  private func decode(_ events: [ServerSentEvent]) -> Outcome {
    var decoder = ResponsesStreamDecoder()
    var outputs: [ModelStreamEvent] = []
    do {
      for event in events {
        outputs += try decoder.decode(event, errors: errors)
      }
      outputs += try decoder.finish()
      return Outcome(events: outputs, error: nil)
    } catch {
      return Outcome(events: outputs, error: error)
    }
  }

  private func decode(_ transcript: String, chunkSize: Int = Int.max) -> Outcome {
    decode(parse(transcript, chunkSize: chunkSize))
  }

  /// Wraps `json` in one SSE event named by its `type`.
  private func event(_ json: String) -> ServerSentEvent {
    let type = (try? JSONParser.parse(json))?["type"]?.stringValue
    return ServerSentEvent(event: type, data: json)
  }

  // MARK: - Reference transcripts

  @Test func plainTextAnswer() {
    let outcome = decode(ResponsesTranscripts.plainText)
    #expect(outcome.error == nil)
    #expect(
      outcome.events == [
        .textDelta("Hello"), .textDelta(" there!"), .usage(inputTokens: 12, outputTokens: 4), .finished(reason: "stop"),
      ])
  }

  @Test func oneToolCall() {
    let outcome = decode(ResponsesTranscripts.oneToolCall)
    #expect(outcome.error == nil)
    #expect(outcome.toolCalls == [ToolCall(id: "call_X1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
    #expect(outcome.events.contains(.usage(inputTokens: 60, outputTokens: 18)))
    #expect(outcome.events.last == .finished(reason: "tool_calls"))
  }

  @Test func sequentialToolCalls() {
    let outcome = decode(ResponsesTranscripts.sequentialToolCalls)
    #expect(outcome.error == nil)
    #expect(
      outcome.toolCalls == [
        ToolCall(id: "call_P1", name: "get_weather", arguments: #"{"city":"Paris"}"#),
        ToolCall(id: "call_P2", name: "get_weather", arguments: #"{"city":"Rome"}"#),
      ])
  }

  @Test func reasoningItemPassedWhole() throws {
    let outcome = decode(ResponsesTranscripts.reasoningThenCall)
    let reasoning = outcome.events.compactMap { event -> String? in
      if case .reasoningDelta(let delta) = event { return delta }
      return nil
    }
    let items = outcome.events.compactMap { event -> JSONValue? in
      if case .reasoningItem(let item) = event { return item }
      return nil
    }
    let item = try #require(items.first)
    #expect(outcome.error == nil)
    #expect(reasoning.joined() == "Checking the weather.\n\nCalling the tool.")
    #expect(items.count == 1)
    #expect(item["id"] == "rs_R1")
    #expect(item["encrypted_content"] == "gAAAAB-opaque-reasoning-R1")
    #expect(item["summary"]?.arrayValue?.count == 2)
    #expect(outcome.toolCalls == [ToolCall(id: "call_R1", name: "get_weather", arguments: #"{"city":"Paris"}"#)])
  }

  @Test(arguments: ResponsesTranscripts.all.keys.sorted())
  func sameOneByteAtATime(name: String) throws {
    let transcript = try #require(ResponsesTranscripts.all[name])
    let whole = decode(transcript)
    let byteByByte = decode(transcript, chunkSize: 1)
    let crlf = decode(transcript.replacingAll("\n", with: "\r\n"), chunkSize: 1)
    #expect(!whole.events.isEmpty)
    #expect(byteByByte.events == whole.events)
    #expect(byteByByte.providerError == whole.providerError)
    #expect(crlf.events == whole.events)
    #expect(crlf.providerError == whole.providerError)
  }

  // MARK: - Tool-call assembly

  @Test func interleavedCallsKeyedByItem() {
    let outcome = decode(ResponsesTranscripts.interleavedToolCalls)
    #expect(outcome.error == nil)
    #expect(
      outcome.toolCalls == [
        ToolCall(id: "call_I1", name: "get_weather", arguments: #"{"city":"Oslo"}"#),
        ToolCall(id: "call_I2", name: "get_time", arguments: #"{"zone":"UTC"}"#),
      ])
  }

  @Test func interleavedDeltasAloneAssemble() throws {
    // Without the `.done` events and the final output, the calls can only come from the deltas.
    var events: [ServerSentEvent] = []
    for event in parse(ResponsesTranscripts.interleavedToolCalls, chunkSize: Int.max) {
      if event.event == "response.function_call_arguments.done" || event.event == "response.output_item.done" {
        continue
      }
      if event.event == "response.completed" {
        events.append(self.event(#"{"type":"response.completed","response":{"status":"completed","output":[]}}"#))
        continue
      }
      events.append(event)
    }
    let outcome = decode(events)
    #expect(events.count == 8)
    #expect(outcome.error == nil)
    #expect(
      outcome.toolCalls == [
        ToolCall(id: "call_I1", name: "get_weather", arguments: #"{"city":"Oslo"}"#),
        ToolCall(id: "call_I2", name: "get_time", arguments: #"{"zone":"UTC"}"#),
      ])
  }

  @Test func deltasFallBackToOutputIndex() {
    let outcome = decode([
      event(#"{"type":"response.output_item.added","output_index":0,"item":{"id":"fc_1","type":"function_call","call_id":"call_1","name":"f","arguments":""}}"#),
      event(#"{"type":"response.output_item.added","output_index":1,"item":{"id":"fc_2","type":"function_call","call_id":"call_2","name":"g","arguments":""}}"#),
      event(#"{"type":"response.function_call_arguments.delta","output_index":1,"delta":"{\"b\":2}"}"#),
      event(#"{"type":"response.function_call_arguments.delta","output_index":0,"delta":"{\"a\":1}"}"#),
      event(#"{"type":"response.completed","response":{"status":"completed","output":[]}}"#),
    ])
    #expect(
      outcome.toolCalls == [
        ToolCall(id: "call_1", name: "f", arguments: #"{"a":1}"#), ToolCall(id: "call_2", name: "g", arguments: #"{"b":2}"#),
      ])
  }

  @Test func emptyArgumentsBecomeEmptyObject() {
    let outcome = decode([
      event(#"{"type":"response.output_item.done","output_index":0,"item":{"id":"fc_1","type":"function_call","call_id":"call_1","name":"now","arguments":""}}"#),
      event(#"{"type":"response.completed","response":{"status":"completed"}}"#),
    ])
    #expect(outcome.toolCalls == [ToolCall(id: "call_1", name: "now", arguments: "{}")])
  }

  @Test func callWithoutCallIDFails() {
    let outcome = decode([
      event(#"{"type":"response.function_call_arguments.delta","item_id":"fc_9","output_index":0,"delta":"{}"}"#),
      event(#"{"type":"response.completed","response":{"status":"completed"}}"#),
    ])
    #expect(outcome.providerError?.kind == .invalidResponse)
    #expect(outcome.toolCalls.isEmpty)
  }

  // MARK: - Endings

  @Test func incompleteYieldsNoCalls() {
    let outcome = decode(ResponsesTranscripts.incompleteToolCall)
    #expect(outcome.error == nil)
    #expect(outcome.toolCalls.isEmpty)
    #expect(outcome.events.contains(.usage(inputTokens: 60, outputTokens: 16)))
    #expect(outcome.events.last == .finished(reason: "max_output_tokens"))
  }

  @Test func incompleteContentFilterFails() {
    let outcome = decode([
      event(#"{"type":"response.output_text.delta","delta":"Here is"}"#),
      event(#"{"type":"response.incomplete","response":{"status":"incomplete","incomplete_details":{"reason":"content_filter"}}}"#),
    ])
    #expect(outcome.providerError?.kind == .contentFilter)
  }

  @Test func truncatedStreamFails() {
    let transcript = ResponsesTranscripts.oneToolCall
    let cut = transcript.range(of: "event: response.completed")!.lowerBound
    let outcome = decode(String(transcript[..<cut]))
    #expect(outcome.providerError?.kind == .network)
    #expect(outcome.toolCalls.isEmpty)
  }

  @Test func everyTruncationYieldsNoCalls() {
    // Every strict prefix ends before the blank line that dispatches the terminal event.
    let bytes = Array(ResponsesTranscripts.oneToolCall.utf8)
    var unexpected: [Int] = []  // Prefix lengths that decoded without an error or yielded a call.
    for length in 0..<bytes.count {
      let outcome = decode(String(decoding: bytes[..<length], as: UTF8.self), chunkSize: 97)
      if outcome.error == nil || !outcome.toolCalls.isEmpty { unexpected.append(length) }
    }
    #expect(unexpected.count == 0)
    #expect(unexpected.first == nil)
    #expect(decode(String(decoding: bytes, as: UTF8.self)).toolCalls.count == 1)
  }

  @Test func proxyResponseDoneEnds() {
    let outcome = decode([
      event(#"{"type":"response.output_text.delta","delta":"Hi"}"#),
      event(#"{"type":"response.done","response":{"status":"completed","usage":{"input_tokens":3,"output_tokens":1}}}"#),
    ])
    #expect(outcome.events == [.textDelta("Hi"), .usage(inputTokens: 3, outputTokens: 1), .finished(reason: "stop")])
  }

  @Test func eventsAfterTerminalIgnored() {
    let outcome = decode([
      event(#"{"type":"response.completed","response":{"status":"completed"}}"#),
      event(#"{"type":"response.output_text.delta","delta":"late"}"#),
      ServerSentEvent(data: "[DONE]"),
    ])
    #expect(outcome.events == [.finished(reason: "stop")])
  }

  @Test func typeFallsBackToEventName() {
    let outcome = decode([
      ServerSentEvent(event: "response.output_text.delta", data: #"{"delta":"Hi"}"#),
      ServerSentEvent(event: "response.completed", data: #"{"response":{"status":"completed"}}"#),
    ])
    #expect(outcome.events == [.textDelta("Hi"), .finished(reason: "stop")])
  }

  @Test func refusalShownAsText() {
    let outcome = decode([
      event(#"{"type":"response.refusal.delta","delta":"I can't help with that."}"#),
      event(#"{"type":"response.completed","response":{"status":"completed"}}"#),
    ])
    #expect(outcome.events.first == .textDelta("I can't help with that."))
  }

  // MARK: - Failures

  @Test func failedMidStream() {
    let outcome = decode(ResponsesTranscripts.failedMidStream)
    let error = outcome.providerError
    #expect(outcome.events == [.textDelta("The answer is")])
    #expect(error?.kind == .server)
    #expect(error?.message.contains("The model failed to generate a response.") == true)
    #expect(error?.message.contains("server_error") == true)
  }

  @Test func errorEventMidStream() {
    let outcome = decode(ResponsesTranscripts.errorMidStream)
    let error = outcome.providerError
    #expect(outcome.events == [.textDelta("The answer is")])
    #expect(error?.kind == .server)
    #expect(error?.message.contains("The server had an error while processing your request.") == true)
  }

  @Test(arguments: [
    ("rate_limit_exceeded", ProviderError.Kind.rateLimit), ("insufficient_quota", .quota),
    ("context_length_exceeded", .contextLength), ("invalid_prompt", .badRequest), ("image_too_large", .badRequest),
    ("server_error", .server), ("", .server),
  ])
  func classifiesFailureCode(code: String, kind: ProviderError.Kind) {
    let failed = decode([
      event(#"{"type":"response.failed","response":{"status":"failed","error":{"code":"\#(code)","message":"m"}}}"#)
    ])
    let errorEvent = decode([event(#"{"type":"error","code":"\#(code)","message":"m","param":null}"#)])
    #expect(failed.providerError?.kind == kind)
    #expect(errorEvent.providerError?.kind == kind)
  }

  @Test func failedWithoutErrorObject() {
    let outcome = decode([event(#"{"type":"response.failed","response":{"status":"failed","error":null}}"#)])
    #expect(outcome.providerError?.kind == .server)
    #expect(outcome.providerError?.message.contains("status failed") == true)
  }

  @Test func errorMessageRedactsKey() {
    let outcome = decode([
      event(#"{"type":"error","code":"invalid_api_key","message":"Incorrect API key provided: \#(Self.canary)."}"#)
    ])
    let message = outcome.providerError?.message ?? ""
    #expect(message.contains("Incorrect API key provided"))
    #expect(!message.contains(Self.canary))
  }

  @Test func invalidJSONFails() {
    let outcome = decode([ServerSentEvent(event: "response.output_text.delta", data: "{not json")])
    #expect(outcome.providerError?.kind == .invalidResponse)
  }
}

import AgentCore
import HTTPStreaming
import JSONRPC
@testable import Providers
import Testing

/// Decodes recorded OpenAI stream shapes without a network, including servers' odd tool-call fragments.
@Suite struct OpenAIChatStreamDecoderTests {
  private let errors = ProviderErrorMapper(providerName: "The provider", baseURL: "http://x", secrets: [])

  private func decode(_ lines: [String]) throws -> [ModelStreamEvent] {
    var decoder = OpenAIChatStreamDecoder()
    var events: [ModelStreamEvent] = []
    for line in lines {
      events += try decoder.decode(ServerSentEvent(event: nil, data: line, id: nil), errors: errors)
    }
    return events + (try decoder.finish())
  }

  @Test func assemblesFragmentsByIndex() throws {
    let events = try decode([
      #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}"#,
      #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]}}]}"#,
      #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Paris\"}"}}]}}]}"#,
      #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
      "[DONE]",
    ])
    #expect(events.first == .toolCall(ToolCall(id: "call_1", name: "get_weather", arguments: #"{"city":"Paris"}"#)))
  }

  @Test func acceptsWholeCallsWithoutIndex() throws {
    let events = try decode([
      #"{"choices":[{"delta":{"tool_calls":[{"id":"a","function":{"name":"f","arguments":"{}"}},{"id":"b","function":{"name":"g","arguments":"{\"x\":1}"}}]}}]}"#,
      #"{"choices":[{"delta":{"content":null,"tool_calls":null},"finish_reason":"tool_calls"}]}"#,
    ])
    #expect(events.count == 3)
    #expect(events[0] == .toolCall(ToolCall(id: "a", name: "f", arguments: "{}")))
    #expect(events[1] == .toolCall(ToolCall(id: "b", name: "g", arguments: #"{"x":1}"#)))
  }

  @Test func truncatedStreamYieldsNoCalls() {
    #expect(throws: ProviderError.self) {
      try decode([
        #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{"}}]}}]}"#
      ])
    }
  }

  @Test func midStreamErrorFails() {
    #expect(throws: ProviderError.self) {
      try decode([
        #"{"choices":[{"index":0,"delta":{"content":"The answer is"}}]}"#,
        #"{"error":{"message":"The server had an error","type":"server_error"}}"#,
      ])
    }
  }

  @Test func contentFilterFinishIsAnError() throws {
    do {
      _ = try decode([#"{"choices":[{"index":0,"delta":{},"finish_reason":"content_filter"}]}"#, "[DONE]"])
      Issue.record("expected a content filter error")
    } catch let error as ProviderError {
      #expect(error.kind == .contentFilter)
    }
  }

  @Test func emptyChoicesAndUnknownFieldsIgnored() throws {
    let events = try decode([
      #"{"choices":[],"prompt_filter_results":[{"x":1}]}"#,
      #"{"choices":[{"index":0,"delta":{"content":"Hi"},"obfuscation":"zz"}],"service_tier":"default"}"#,
      #"{"choices":[{"index":0,"finish_reason":"stop"}]}"#,
      #"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}"#,
      "[DONE]",
    ])
    #expect(events == [.textDelta("Hi"), .usage(inputTokens: 3, outputTokens: 1), .finished(reason: "stop")])
  }
}

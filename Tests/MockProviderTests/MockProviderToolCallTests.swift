import Foundation
import JSONRPC
import MockProvider
import Testing

/// Tool-call replies in the Chat Completions wire format, streamed and whole.
@Suite struct MockProviderToolCallTests {
  static let encryptCall = #"{"id": "call_1", "name": "encrypt", "arguments": {"input": "Hi"}}"#

  /// Starts a server with one reply, sends one streamed request with usage and returns the `data:` payloads.
  private func streamedEvents(_ reply: String) throws -> [String] {
    try streamedResponse(reply).events
  }

  /// Like `streamedEvents`, but also returns whether the chunked body ended with its last chunk, so a cut-off
  /// stream can be read too.
  private func streamedResponse(_ reply: String) throws -> (events: [String], isComplete: Bool) {
    let server = try Fixtures.startServer(#"{"replies": [\#(reply)]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    let body = Fixtures.chatBody(stream: true, includeUsage: true).serializedBytes()
    try client.sendRequest(method: "POST", path: "/v1/chat/completions", body: body)
    guard try client.readHead().status == 200 else { throw TestClientError(description: "the stream was not 200") }
    let received = client.readChunksUntilEnd()
    return (SSE.dataPayloads(received.body), received.isComplete)
  }

  /// Returns the `function.arguments` texts of `fragments`, joined in order.
  private func joinedArguments(_ fragments: [JSONValue]) -> String {
    fragments.compactMap { $0["function"]?["arguments"]?.stringValue }.joined()
  }

  @Test func fragmentsFollowOpenAI() throws {
    let events = try streamedEvents(#"{"toolCalls": [\#(Self.encryptCall)], "argumentChunks": 3}"#)
    let chunks = SSE.chunks(events)
    let fragments = SSE.toolCallFragments(events)
    let first = try #require(fragments.first?.first)
    let finish = chunks.first { $0["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue != nil }

    #expect(SSE.delta(chunks[0]) == ["role": "assistant", "content": nil])
    #expect(fragments.count == 4)
    #expect(fragments.allSatisfy { $0.count == 1 })
    #expect(first == ["index": 0, "id": "call_1", "type": "function", "function": ["name": "encrypt", "arguments": ""]])
    #expect(fragments.dropFirst().allSatisfy { $0[0]["index"] == 0 })
    #expect(fragments.dropFirst().allSatisfy { $0[0]["id"] == nil })
    #expect(fragments.dropFirst().allSatisfy { $0[0]["function"]?["name"] == nil })
    #expect(joinedArguments(fragments.flatMap { $0 }) == #"{"input":"Hi"}"#)
    #expect(SSE.content(events).isEmpty)
    #expect(finish?["choices"]?.arrayValue?.first?["finish_reason"] == "tool_calls")
    #expect(finish.flatMap(SSE.delta) == .object(JSONObject()))
    #expect(events.last == "[DONE]")
  }

  @Test func parallelCallsStreamInCallOrder() throws {
    let events = try streamedEvents(
      #"""
      {"toolCalls": [\#(Self.encryptCall), {"id": "call_2", "name": "decrypt", "arguments": {"input": "Ho"}}],
       "argumentChunks": 2}
      """#)
    let fragments = SSE.toolCallFragments(events).flatMap { $0 }
    let indexes = fragments.compactMap { $0["index"]?.intValue }
    let secondStart = try #require(fragments.firstIndex { $0["id"] == "call_2" })

    #expect(indexes == [0, 0, 0, 1, 1, 1])
    #expect(fragments[secondStart]["function"]?["name"] == "decrypt")
    #expect(joinedArguments(Array(fragments[..<secondStart])) == #"{"input":"Hi"}"#)
    #expect(joinedArguments(Array(fragments[secondStart...])) == #"{"input":"Ho"}"#)
  }

  @Test func fragmentsWithoutIndex() throws {
    let events = try streamedEvents(
      #"{"toolCalls": [\#(Self.encryptCall)], "argumentChunks": 2, "toolCallIndex": false}"#)
    let fragments = SSE.toolCallFragments(events).flatMap { $0 }

    #expect(fragments.count == 3)
    #expect(fragments.allSatisfy { $0["index"] == nil })
    #expect(fragments.first?["id"] == "call_1")
    #expect(joinedArguments(fragments) == #"{"input":"Hi"}"#)
  }

  @Test func wholeCallsOnePerChunk() throws {
    let events = try streamedEvents(
      #"{"toolCalls": [\#(Self.encryptCall), {"id": "call_2", "name": "now"}], "toolCallDelivery": "whole"}"#)
    let fragments = SSE.toolCallFragments(events)

    #expect(fragments.count == 2)
    #expect(fragments.first?.first?["function"]?["arguments"] == #"{"input":"Hi"}"#)
    #expect(fragments.last?.first?["id"] == "call_2")
    #expect(fragments.last?.first?["index"] == 1)
    #expect(fragments.last?.first?["function"]?["arguments"] == "{}")
  }

  @Test func oneDeltaHoldsEveryCall() throws {
    let events = try streamedEvents(
      #"{"toolCalls": [\#(Self.encryptCall), {"id": "call_2", "name": "now"}], "toolCallDelivery": "oneDelta"}"#)
    let fragments = SSE.toolCallFragments(events)

    #expect(fragments.count == 1)
    #expect(fragments.first?.compactMap { $0["id"]?.stringValue } == ["call_1", "call_2"])
    #expect(fragments.first?.compactMap { $0["index"]?.intValue } == [0, 1])
  }

  @Test func textThenToolCalls() throws {
    let events = try streamedEvents(#"{"text": "Let me check.", "toolCalls": [\#(Self.encryptCall)]}"#)
    let deltas = SSE.chunks(events).compactMap(SSE.delta)
    let firstToolChunk = try #require(deltas.firstIndex { $0["tool_calls"] != nil })
    let lastContentChunk = try #require(deltas.lastIndex { $0["content"]?.stringValue?.isEmpty == false })

    #expect(deltas.first == ["role": "assistant", "content": "", "refusal": nil])
    #expect(SSE.content(events) == ["Let ", "me ", "check."])
    #expect(lastContentChunk < firstToolChunk)
  }

  @Test func nullToolCallsOnContentChunks() throws {
    let events = try streamedEvents(#"{"text": "Hi you", "nullToolCalls": true}"#)
    let deltas = SSE.chunks(events).compactMap(SSE.delta)
    let contentDeltas = deltas.filter { $0["content"] != nil }

    #expect(contentDeltas.count == 3)
    #expect(contentDeltas.allSatisfy { $0["tool_calls"] == .null })
    #expect(deltas.last == .object(JSONObject()))
  }

  @Test func truncatedCallHasNoFinish() throws {
    let (events, isComplete) = try streamedResponse(
      #"{"toolCalls": [\#(Self.encryptCall)], "argumentChunks": 3, "truncateAfterChunks": 2}"#)
    let fragments = SSE.toolCallFragments(events).flatMap { $0 }

    #expect(!isComplete)
    #expect(fragments.count == 2)
    #expect(joinedArguments(fragments) == #"{"inp"#)
    #expect(!events.contains("[DONE]"))
    #expect(!events.contains { $0.contains("finish_reason\":\"tool_calls") })
  }

  @Test func usageCountsToolCallChunks() throws {
    let events = try streamedEvents(#"{"toolCalls": [\#(Self.encryptCall)], "argumentChunks": 3}"#)
    let usage = SSE.chunks(events).last?["usage"]

    #expect(usage?["completion_tokens"] == 4)
    #expect(SSE.chunks(events).last?["choices"] == .array([]))
  }

  @Test func rawArgumentsSentVerbatim() throws {
    let events = try streamedEvents(
      #"{"toolCalls": [{"id": "call_9", "name": "encrypt", "arguments": "{\"input\": \"Hi\""}], "argumentChunks": 4}"#)
    let fragments = SSE.toolCallFragments(events).flatMap { $0 }

    #expect(joinedArguments(fragments) == #"{"input": "Hi""#)
    #expect(fragments.count == 5)
  }

  @Test func nonStreamedToolCalls() throws {
    let server = try Fixtures.startServer(
      #"{"replies": [{"toolCalls": [\#(Self.encryptCall), {"id": "call_2", "name": "now"}]}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: false))
    let choice = try #require(response.json?["choices"]?.arrayValue?.first)
    let calls = choice["message"]?["tool_calls"]?.arrayValue ?? []

    #expect(response.json?["object"] == "chat.completion")
    #expect(choice["finish_reason"] == "tool_calls")
    #expect(choice["message"]?["content"] == .null)
    #expect(calls.count == 2)
    #expect(
      calls.first == ["id": "call_1", "type": "function", "function": ["name": "encrypt", "arguments": #"{"input":"Hi"}"#]])
    #expect(calls.last?["function"]?["arguments"] == "{}")
  }

  @Test func libraryBuildsToolCallReply() throws {
    let call = MockToolCall(id: "call_1", name: "encrypt", arguments: ["input": "Hi"])
    let server = MockProviderServer(script: MockScript(replies: [.toolCalls([call])]))
    let port = try server.start()
    defer { server.stop() }
    let client = try TestHTTPClient(port: port)

    let events = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true)).events
    let fragments = SSE.toolCallFragments(events).flatMap { $0 }

    #expect(call.arguments == #"{"input":"Hi"}"#)
    #expect(fragments.first?["id"] == "call_1")
    #expect(joinedArguments(fragments) == #"{"input":"Hi"}"#)
    #expect(events.contains { $0.contains("finish_reason\":\"tool_calls") })
  }

  // MARK: - Expectations

  /// Builds a follow-up request: the user message, the assistant's call and the tool messages `results`.
  private func followUpBody(_ results: [(id: String, content: JSONValue)]) -> JSONValue {
    var messages: [JSONValue] = [
      ["role": "user", "content": "Encrypt Hi"],
      [
        "role": "assistant", "content": nil,
        "tool_calls": [["id": "call_1", "type": "function", "function": ["name": "encrypt", "arguments": "{}"]]],
      ],
    ]
    for result in results {
      messages.append(["role": "tool", "tool_call_id": .string(result.id), "content": result.content])
    }
    return ["model": "gpt-test", "messages": .array(messages), "stream": false]
  }

  /// Starts a server whose one reply has `expect` as its expectation, posts `body` and returns the response
  /// with its error message, empty when there is none.
  private func postChecked(expect: String, body: JSONValue) throws -> (response: TestResponse, message: String) {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "Done", "expect": \#(expect)}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    let response = try client.post("/v1/chat/completions", json: body)
    return (response, response.json?["error"]?["message"]?.stringValue ?? "")
  }

  @Test func expectToolResultsMet() throws {
    let body = followUpBody([
      ("call_1", "HI"), ("call_2", [["type": "text", "text": "The user rejected this tool call."]]), ("call_3", ""),
    ])

    let (response, _) = try postChecked(
      expect: #"""
        {"lastMessageRole": "tool", "toolResults": [{"toolCallId": "call_1", "content": "HI"},
         {"toolCallId": "call_2", "contentContains": "rejected"}, {"toolCallId": "call_3"}]}
        """#,
      body: body)

    #expect(response.status == 200)
    #expect(response.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "Done")
  }

  @Test func expectToolResultContentMismatch() throws {
    let (response, message) = try postChecked(
      expect: #"{"toolResults": [{"toolCallId": "call_1", "content": "HI"}]}"#, body: followUpBody([("call_1", "hi")]))

    #expect(response.status == 400)
    #expect(response.json?["error"]?["code"] == "mock_expectation_failed")
    #expect(message.contains(#"tool_call_id "call_1" and content "HI""#))
    #expect(message.contains(#""call_1": "hi""#))
  }

  @Test func expectToolResultMissing() throws {
    let (response, message) = try postChecked(
      expect: #"{"toolResults": [{"toolCallId": "call_7", "contentContains": "x"}]}"#,
      body: Fixtures.chatBody(stream: true))

    #expect(response.status == 400)
    #expect(message.contains(#"tool_call_id "call_7" with content containing "x""#))
    #expect(message.contains("the request has no tool messages"))
  }

  @Test func expectLastMessageRoleMismatch() throws {
    let (response, message) = try postChecked(
      expect: #"{"lastMessageRole": "tool", "messagesContain": ["absent"]}"#, body: Fixtures.chatBody(stream: true))

    #expect(response.status == 400)
    #expect(message.contains(#"the last message to have role "tool", but it has role "user""#))
    #expect(message.contains(#""absent""#))
  }
}

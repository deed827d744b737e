import JSONRPC
import MockProvider
import Testing

/// Each wire format compared event by event with a stream the real provider sends for the same reply: the same
/// event names in the same order, and payloads with the same members at every level.
@Suite struct MockProviderReferenceShapeTests {
  /// Checks that `response` has the events of `reference`, by name and payload shape, and a complete body.
  private func expectSameShape(
    _ response: StreamedResponse, as reference: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let expected = EventStreamParser.parse(Array(reference.utf8)).events
    #expect(response.head.status == 200, sourceLocation: sourceLocation)
    #expect(response.isComplete, sourceLocation: sourceLocation)
    #expect(response.unfinished.isEmpty, sourceLocation: sourceLocation)
    #expect(response.names == expected.map(\.name), sourceLocation: sourceLocation)
    #expect(response.events.count == expected.count, sourceLocation: sourceLocation)
    for (index, (sent, wanted)) in zip(response.events, expected).enumerated() {
      let label = "event \(index) (\(wanted.name ?? wanted.type ?? wanted.data))"
      #expect(
        WireRequests.shape(sent.json) == WireRequests.shape(wanted.json), "\(label)", sourceLocation: sourceLocation)
      #expect((sent.json == nil) == (wanted.json == nil), "\(label)", sourceLocation: sourceLocation)
    }
  }

  @Test func openAIChatText() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"chunks": ["Hello", " there!"], "extraFields": {"obfuscation": "x1"}}]}"#,
      path: WireRequests.chatPath, body: Fixtures.chatBody(stream: true, includeUsage: true))

    expectSameShape(response, as: ReferenceStreams.openAIChatText)
  }

  @Test func azureChatText() throws {
    let response = try WireRequests.stream(
      #"{"dialect": "azure", "replies": [{"chunks": ["Hello there!"]}]}"#,
      path: "/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21",
      body: Fixtures.chatBody(stream: true, includeUsage: true))

    expectSameShape(response, as: ReferenceStreams.azureChatText)
  }

  @Test func ollamaChatText() throws {
    let response = try WireRequests.stream(
      #"{"dialect": "ollama", "replies": [{"chunks": ["Hello", " there!"]}]}"#,
      path: WireRequests.chatPath, body: Fixtures.chatBody(stream: true, includeUsage: true))

    expectSameShape(response, as: ReferenceStreams.ollamaChatText)
  }

  @Test func ollamaChatToolCall() throws {
    let response = try WireRequests.stream(
      #"""
      {"dialect": "ollama", "replies": [{"toolCalls": [{"id": "call_k3j2h1g0", "name": "get_weather",
                                                      "arguments": {"city": "Paris"}}]}]}
      """#,
      path: WireRequests.chatPath, body: Fixtures.chatBody(stream: true, includeUsage: true))
    let call = response.payloads.first?["choices"]?.arrayValue?.first?["delta"]?["tool_calls"]?.arrayValue?.first

    expectSameShape(response, as: ReferenceStreams.ollamaChatToolCall)
    #expect(call?["function"]?["arguments"] == #"{"city":"Paris"}"#)
  }

  @Test func responsesText() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"chunks": ["Hello", " there!"]}]}"#, path: WireRequests.responsesPath,
      body: WireRequests.responsesBody())

    expectSameShape(response, as: ReferenceStreams.responsesText)
  }

  @Test func responsesToolCall() throws {
    let response = try WireRequests.stream(
      #"""
      {"replies": [{"toolCalls": [{"id": "call_X1", "name": "get_weather", "arguments": {"city": "Paris"}}],
                    "argumentChunks": 2}]}
      """#,
      path: WireRequests.responsesPath, body: WireRequests.responsesBody())
    let deltas = response.payloads(named: "response.function_call_arguments.delta").compactMap {
      $0["delta"]?.stringValue
    }

    expectSameShape(response, as: ReferenceStreams.responsesToolCall)
    #expect(deltas == [#"{"city":"#, #""Paris"}"#])
  }

  @Test func anthropicText() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"chunks": ["Hello", " there!"]}]}"#, path: WireRequests.messagesPath,
      body: WireRequests.anthropicBody())

    expectSameShape(response, as: ReferenceStreams.anthropicText)
  }

  @Test func anthropicToolCall() throws {
    let response = try WireRequests.stream(
      #"""
      {"replies": [{"chunks": ["I'll check the weather."],
                    "toolCalls": [{"id": "toolu_01A", "name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}],
                    "argumentChunks": 2}]}
      """#,
      path: WireRequests.messagesPath, body: WireRequests.anthropicBody())

    expectSameShape(response, as: ReferenceStreams.anthropicToolCall)
  }

  @Test func anthropicThinkingBlock() throws {
    let response = try WireRequests.stream(
      #"""
      {"replies": [{"reasoningChunks": ["The user wants the weather."], "reasoningSignature": "EqQBCgIYAh",
                    "text": "Sunny."}]}
      """#,
      path: WireRequests.messagesPath, body: WireRequests.anthropicBody())
    // The reference shows the thinking block alone, so compare from its start to its stop, leaving out the ping.
    let block = response.events.filter { $0.name != "ping" }.dropFirst().prefix(4)
    let expected = EventStreamParser.parse(Array(ReferenceStreams.anthropicThinkingBlock.utf8)).events

    #expect(block.map(\.name) == expected.map(\.name))
    #expect(block.map { WireRequests.shape($0.json) } == expected.map { WireRequests.shape($0.json) })
    #expect(block.last?.json?["index"] == 0)
  }
}

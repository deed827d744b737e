import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC
import Providers
import Testing

/// Drives the Responses provider through the factory and the real libcurl client against a loopback server
/// that serves recorded Responses streams.
@Suite struct ResponsesProviderTests {
  private static let canary = "sk-canary-responses-provider-0123456789"

  private func withServer<T>(
    _ replies: [ResponsesLoopbackServer.Reply], kind: ProviderConfiguration.Kind = .openai, basePath: String = "/v1",
    apiVersion: String? = nil, _ body: (ResponsesLoopbackServer, any ModelProvider) async throws -> T
  ) async throws -> T {
    let server = try ResponsesLoopbackServer(replies: replies)
    defer { server.stop() }
    let configuration = ProviderConfiguration(
      kind: kind, baseURL: server.baseURL + basePath, apiKey: Secret(Self.canary), wireAPI: .responses,
      headers: [(name: "X-Team", value: Secret("blue"))], azureAPIVersion: apiVersion)
    let factory = ProviderFactory(
      httpClient: CurlHTTPClient(), idleTimeout: .seconds(5), retryPolicy: RetryPolicy(maximumRetries: 0))
    let provider = try factory.makeProvider(for: configuration, context: ProviderContext(sessionID: "s"))
    return try await body(server, provider)
  }

  private func request(_ messages: [ConversationMessage], effort: String? = nil) -> ModelRequest {
    ModelRequest(
      model: "gpt-4.1", systemPrompt: "Be brief.", messages: messages,
      tools: [ToolDefinition(name: "get_weather", description: "Current weather for a city")],
      reasoningEffort: effort, extraHeaders: [(name: "X-Trace", value: "7")], userAgent: "byok-host/test client-x")
  }

  private func collect(_ stream: AsyncThrowingStream<ModelStreamEvent, any Error>) async -> (
    events: [ModelStreamEvent], error: (any Error)?
  ) {
    var events: [ModelStreamEvent] = []
    do {
      for try await event in stream { events.append(event) }
      return (events, nil)
    } catch {
      return (events, error)
    }
  }

  @Test func apiEndpointIsResponses() async throws {
    try await withServer([.events(ResponsesTranscripts.plainText)]) { _, provider in
      #expect(provider.apiEndpoint == "/responses")
    }
  }

  @Test func streamsTextOverHTTP() async throws {
    try await withServer([.events(ResponsesTranscripts.plainText, writeSize: 7)]) { server, provider in
      let result = await collect(provider.stream(request([ConversationMessage(role: .user, text: "Hi")])))
      let recorded = try #require(server.requests.first)
      #expect(result.error == nil)
      #expect(
        result.events == [
          .textDelta("Hello"), .textDelta(" there!"), .usage(inputTokens: 12, outputTokens: 4),
          .finished(reason: "stop"),
        ])
      #expect(recorded.method == "POST")
      #expect(recorded.target == "/v1/responses")
      #expect(recorded.header("authorization") == "Bearer \(Self.canary)")
      #expect(recorded.header("x-team") == "blue")
      #expect(recorded.header("x-trace") == "7")
      #expect(recorded.header("accept") == "text/event-stream")
      #expect(recorded.json?["store"] == false)
      #expect(recorded.json?["instructions"] == "Be brief.")
      #expect(recorded.json?["tools"]?.arrayValue?.first?["name"] == "get_weather")
    }
  }

  @Test func toolRoundTripOverHTTP() async throws {
    let replies: [ResponsesLoopbackServer.Reply] = [
      .events(ResponsesTranscripts.reasoningThenCall), .events(ResponsesTranscripts.plainText),
    ]
    try await withServer(replies) { server, provider in
      var messages = [ConversationMessage(role: .user, text: "Weather in Paris?")]
      let first = await collect(provider.stream(request(messages, effort: "low")))
      let calls = first.events.compactMap { event -> ToolCall? in
        if case .toolCall(let call) = event { return call }
        return nil
      }
      let items = first.events.compactMap { event -> JSONValue? in
        if case .reasoningItem(let item) = event { return item }
        return nil
      }
      messages.append(ConversationMessage(role: .assistant, text: "", toolCalls: calls, reasoningItems: items))
      messages.append(ConversationMessage(role: .tool, text: "18°C, cloudy", toolCallID: calls.first?.id))
      let second = await collect(provider.stream(request(messages, effort: "low")))

      let input = try #require(server.requests.last?.json?["input"]?.arrayValue)
      #expect(first.error == nil)
      #expect(second.error == nil)
      #expect(server.requests.count == 2)
      #expect(input.map { $0["type"]?.stringValue ?? "" } == ["message", "reasoning", "function_call", "function_call_output"])
      #expect(input[1]["encrypted_content"] == "gAAAAB-opaque-reasoning-R1")
      #expect(input[2]["call_id"] == "call_R1")
      #expect(input[3]["call_id"] == "call_R1")
      #expect(input[3]["output"] == "18°C, cloudy")
      #expect(server.requests.last?.json?["include"] == ["reasoning.encrypted_content"])
    }
  }

  @Test func azureVersionedRoute() async throws {
    try await withServer(
      [.events(ResponsesTranscripts.plainText)], kind: .azure, basePath: "", apiVersion: "2025-04-01-preview"
    ) { server, provider in
      let result = await collect(provider.stream(request([ConversationMessage(role: .user, text: "Hi")])))
      let recorded = try #require(server.requests.first)
      #expect(result.error == nil)
      #expect(recorded.target == "/openai/responses?api-version=2025-04-01-preview")
      #expect(recorded.header("api-key") == Self.canary)
      #expect(recorded.json?["model"] == "gpt-4.1")
    }
  }

  @Test func azureV1Route() async throws {
    try await withServer([.events(ResponsesTranscripts.plainText)], kind: .azure, basePath: "/openai/v1") {
      server, provider in
      _ = await collect(provider.stream(request([ConversationMessage(role: .user, text: "Hi")])))
      #expect(server.requests.first?.target == "/openai/v1/responses")
    }
  }

  @Test func failedStreamOverHTTP() async throws {
    try await withServer([.events(ResponsesTranscripts.failedMidStream)]) { _, provider in
      let result = await collect(provider.stream(request([ConversationMessage(role: .user, text: "Hi")])))
      let error = try #require(result.error as? ProviderError)
      #expect(result.events == [.textDelta("The answer is")])
      #expect(error.kind == .server)
      #expect(error.message.contains("The model failed to generate a response."))
    }
  }

  @Test func truncatedStreamOverHTTP() async throws {
    let transcript = ResponsesTranscripts.oneToolCall
    let cut = try #require(transcript.range(of: "event: response.completed")).lowerBound
    try await withServer([.events(String(transcript[..<cut]))]) { _, provider in
      let result = await collect(provider.stream(request([ConversationMessage(role: .user, text: "Hi")])))
      let error = try #require(result.error as? ProviderError)
      #expect(error.kind == .network)
      #expect(!result.events.contains { if case .toolCall = $0 { return true } else { return false } })
    }
  }

  @Test func httpErrorRedactsKey() async throws {
    let body = #"{"error":{"message":"Incorrect API key provided: \#(Self.canary).","type":"invalid_request_error","code":"invalid_api_key"}}"#
    try await withServer([.json(status: 401, body)]) { _, provider in
      let result = await collect(provider.stream(request([ConversationMessage(role: .user, text: "Hi")])))
      let error = try #require(result.error as? ProviderError)
      #expect(error.kind == .authentication)
      #expect(error.statusCode == 401)
      #expect(error.message.contains("Incorrect API key provided"))
      #expect(!error.message.contains(Self.canary))
    }
  }
}

import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC
import Providers
import Testing

/// Drives the Anthropic provider through `ProviderFactory` and the real libcurl client against a loopback server
/// that replays a recorded event stream.
@Suite struct AnthropicProviderLoopbackTests {
  private static let key = "sk-ant-canary-loopback-0123456789"

  private func withServer<T>(
    status: Int = 200, contentType: String = "text/event-stream", body: String, baseURLSuffix: String = "",
    _ run: (AnthropicLoopbackServer, any ModelProvider) async throws -> T
  ) async throws -> T {
    let server = try AnthropicLoopbackServer(status: status, contentType: contentType, body: body)
    defer { server.stop() }
    let configuration = ProviderConfiguration(
      kind: .anthropic, baseURL: server.baseURL + baseURLSuffix, apiKey: Secret(Self.key),
      headers: [(name: "X-Team", value: Secret("blue"))])
    let factory = ProviderFactory(
      httpClient: CurlHTTPClient(), idleTimeout: .seconds(5), retryPolicy: RetryPolicy(maximumRetries: 0))
    let provider = try factory.makeProvider(for: configuration, context: ProviderContext(sessionID: "s"))
    return try await run(server, provider)
  }

  private func request(effort: String? = nil) -> ModelRequest {
    let tool = ToolDefinition(
      name: "get_weather", description: "Current weather for a city",
      parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])
    return ModelRequest(
      model: "claude-sonnet-4-5", systemPrompt: "Be brief.",
      messages: [ConversationMessage(role: .user, text: "Weather in Paris?")], tools: [tool],
      reasoningEffort: effort, userAgent: "byok-host/test")
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

  @Test func apiEndpoint() async throws {
    try await withServer(body: AnthropicTranscripts.text) { _, provider in
      #expect(provider.apiEndpoint == "/v1/messages")
    }
  }

  @Test func streamsTextAnswer() async throws {
    try await withServer(body: AnthropicTranscripts.text) { _, provider in
      let result = await collect(provider.stream(request()))
      #expect(result.error == nil)
      #expect(
        result.events == [
          .textDelta("Hello"), .textDelta(" there!"), .usage(inputTokens: 12, outputTokens: 6),
          .finished(reason: "end_turn"),
        ])
    }
  }

  @Test func sendsMessagesRequest() async throws {
    try await withServer(body: AnthropicTranscripts.text) { server, provider in
      _ = await collect(provider.stream(request()))
      let recorded = try #require(server.recordedRequests.first)
      let body = try JSONParser.parse(recorded.body)
      #expect(recorded.method == "POST")
      #expect(recorded.target == "/v1/messages")
      #expect(recorded.headers.firstValue(named: "x-api-key") == Self.key)
      #expect(recorded.headers.firstValue(named: "anthropic-version") == "2023-06-01")
      #expect(recorded.headers.firstValue(named: "content-type") == "application/json")
      #expect(recorded.headers.firstValue(named: "accept") == "text/event-stream")
      #expect(recorded.headers.firstValue(named: "x-team") == "blue")
      #expect(body["model"] == "claude-sonnet-4-5")
      #expect(body["system"] == "Be brief.")
      #expect(body["max_tokens"] == 8192)
      #expect(body["stream"] == true)
      #expect(body["tools"]?.arrayValue?.first?["input_schema"]?["required"] == ["city"])
      #expect(body["thinking"] == nil)
    }
  }

  @Test func baseURLWithV1IsNotDoubled() async throws {
    try await withServer(body: AnthropicTranscripts.text, baseURLSuffix: "/v1") { server, provider in
      _ = await collect(provider.stream(request()))
      #expect(server.recordedRequests.first?.target == "/v1/messages")
    }
  }

  @Test func toolCallAndThinking() async throws {
    try await withServer(body: AnthropicTranscripts.thinkingToolCall) { server, provider in
      let result = await collect(provider.stream(request(effort: "high")))
      let body = try JSONParser.parse(try #require(server.recordedRequests.first).body)
      #expect(result.error == nil)
      #expect(result.events.contains(.toolCall(ToolCall(id: "toolu_01T", name: "get_time", arguments: "{}"))))
      #expect(result.events.last == .finished(reason: "tool_use"))
      #expect(body["thinking"] == ["type": "enabled", "budget_tokens": 16384])
      #expect(body["max_tokens"] == 24576)
    }
  }

  @Test func overloadedErrorInsideOKStream() async throws {
    try await withServer(body: AnthropicTranscripts.overloadedMidStream) { _, provider in
      let result = await collect(provider.stream(request()))
      let error = try #require(result.error as? ProviderError)
      #expect(result.events == [.textDelta("The answer is")])
      #expect(error.kind == .server)
      #expect(error.message.contains("Overloaded"))
    }
  }

  @Test func truncatedStreamYieldsNoToolCall() async throws {
    try await withServer(body: AnthropicTranscripts.truncatedToolCall) { _, provider in
      let result = await collect(provider.stream(request()))
      let error = try #require(result.error as? ProviderError)
      #expect(error.kind == .network)
      #expect(!result.events.contains { if case .toolCall = $0 { true } else { false } })
    }
  }

  @Test(arguments: [
    (429, "rate_limit_error", ProviderError.Kind.rateLimit), (529, "overloaded_error", .server),
    (401, "authentication_error", .authentication), (404, "not_found_error", .notFound),
  ])
  func errorStatusMapsKind(status: Int, type: String, kind: ProviderError.Kind) async throws {
    let body = #"{"type":"error","error":{"type":"\#(type)","message":"Failed for key \#(Self.key)"},"request_id":"req_1"}"#
    try await withServer(status: status, contentType: "application/json", body: body) { _, provider in
      let result = await collect(provider.stream(request()))
      let error = try #require(result.error as? ProviderError)
      #expect(error.kind == kind)
      #expect(error.statusCode == status)
      #expect(error.message.contains("Failed for key"))
      #expect(!error.message.contains(Self.key))
    }
  }

  @Test func unknownEffortSendsNothing() async throws {
    try await withServer(body: AnthropicTranscripts.text) { server, provider in
      let result = await collect(provider.stream(request(effort: "extreme")))
      #expect((result.error as? ProviderError)?.kind == .configuration)
      #expect(server.recordedRequests.isEmpty)
    }
  }
}

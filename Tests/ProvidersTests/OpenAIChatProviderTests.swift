import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC
import MockProvider
import Providers
import Testing

/// Drives the OpenAI Chat Completions provider through the real libcurl client against the mock provider.
@Suite struct OpenAIChatProviderTests {
  private static let canary = "sk-canary-provider-0123456789"

  private func withMock<T>(
    _ replies: [MockReply], _ body: (MockProviderServer, any ModelProvider) async throws -> T
  ) async throws -> T {
    let server = MockProviderServer(script: MockScript(model: "mock-model", replies: replies))
    _ = try server.start()
    defer { server.stop() }
    let configuration = ProviderConfiguration(
      baseURL: try #require(server.baseURL), apiKey: Secret(Self.canary),
      headers: [(name: "X-Team", value: Secret("blue"))])
    let factory = ProviderFactory(
      httpClient: CurlHTTPClient(), idleTimeout: .seconds(2), retryPolicy: RetryPolicy(maximumRetries: 0))
    let provider = try factory.makeProvider(for: configuration, context: ProviderContext(sessionID: "s"))
    return try await body(server, provider)
  }

  private func request(_ prompt: String = "Hi", effort: String? = nil, maxTokens: Int? = nil) -> ModelRequest {
    ModelRequest(
      model: "mock-model", systemPrompt: "Be brief.", messages: [ConversationMessage(role: .user, text: prompt)],
      reasoningEffort: effort, maxOutputTokens: maxTokens, extraHeaders: [(name: "X-Trace", value: "7")],
      userAgent: "byok-host/test client-x")
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

  @Test func streamsTextInOrder() async throws {
    try await withMock([.text("Hello there, friend")]) { _, provider in
      let result = await collect(provider.stream(request()))
      let text = result.events.compactMap { event -> String? in
        if case .textDelta(let delta) = event { return delta }
        return nil
      }.joined()
      #expect(result.error == nil)
      #expect(text == "Hello there, friend")
      #expect(result.events.last == .finished(reason: "stop"))
      #expect(result.events.contains { if case .usage = $0 { return true } else { return false } })
    }
  }

  @Test func requestCarriesExpectedFields() async throws {
    try await withMock([.text("ok")]) { server, provider in
      _ = await collect(provider.stream(request(effort: "high", maxTokens: 77)))
      let recorded = try #require(server.requests.first)
      let body = try #require(recorded.body)
      #expect(recorded.path == "/v1/chat/completions")
      #expect(recorded.headerValue("authorization") == "Bearer \(Self.canary)")
      #expect(recorded.headerValue("x-team") == "blue")
      #expect(recorded.headerValue("x-trace") == "7")
      #expect(recorded.headerValue("user-agent")?.contains("client-x") == true)
      #expect(body["stream"] == true)
      #expect(body["stream_options"]?["include_usage"] == true)
      #expect(body["reasoning_effort"] == "high")
      #expect(body["max_completion_tokens"] == 77)
      #expect(body["messages"]?.arrayValue?.first?["role"] == "system")
      #expect(body["messages"]?.arrayValue?.last?["content"] == "Hi")
    }
  }

  @Test func omitsUnrequestedFields() async throws {
    try await withMock([.text("ok")]) { server, provider in
      _ = await collect(provider.stream(request()))
      let body = try #require(server.requests.first?.body)
      #expect(body["reasoning_effort"] == nil)
      #expect(body["max_completion_tokens"] == nil)
      #expect(body["max_tokens"] == nil)
      #expect(body["temperature"] == nil)
    }
  }

  @Test(arguments: [
    (401, ProviderError.Kind.authentication), (403, .authorization), (404, .notFound), (429, .rateLimit),
    (500, .server), (400, .badRequest),
  ])
  func mapsErrorStatus(status: Int, kind: ProviderError.Kind) async throws {
    let reply = MockReply(.error(MockErrorReply(status: status)))
    try await withMock([reply]) { _, provider in
      let result = await collect(provider.stream(request()))
      let error = try #require(result.error as? ProviderError)
      #expect(error.kind == kind)
      #expect(error.statusCode == status)
      #expect(error.message.contains("HTTP \(status)"))
    }
  }

  @Test func errorMessageRedactsEchoedKey() async throws {
    let body = JSONValue.object([
      "error": ["message": .string("Incorrect API key provided: \(Self.canary). Check it."), "code": "invalid_api_key"]
    ])
    let reply = MockReply(.error(MockErrorReply(status: 401, body: .json(body))))
    try await withMock([reply]) { _, provider in
      let result = await collect(provider.stream(request()))
      let error = try #require(result.error as? ProviderError)
      #expect(!error.message.contains(Self.canary))
      #expect(!error.message.contains("sk-can"))
      #expect(error.message.contains("Incorrect API key provided"))
    }
  }
}

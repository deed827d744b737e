import AgentCore
import HTTPStreaming

/// The Anthropic Messages API (`provider.type: "anthropic"`), streamed as server-sent events.
struct AnthropicMessagesProvider: ModelProvider {
  var builder: AnthropicRequestBuilder
  var transport: ProviderTransport

  var apiEndpoint: String { "/v1/messages" }

  func stream(_ request: ModelRequest) -> AsyncThrowingStream<ModelStreamEvent, any Error> {
    ProviderStream.make { continuation in
      // Built once, before any retry, so an unsupported reasoningEffort fails without a network call.
      let body = try builder.body(for: request).serializedBytes()
      var response = try await transport.open { token in
        builder.httpRequest(body: body, for: request, clientToken: token)
      }
      var decoder = AnthropicStreamDecoder()
      try await ProviderStream.forEachBody(of: &response, errors: transport.errors) { bytes in
        try decoder.feed(bytes, errors: transport.errors) { continuation.yield($0) }
      }
      try decoder.finish()
    }
  }
}

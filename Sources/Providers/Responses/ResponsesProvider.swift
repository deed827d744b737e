import AgentCore
import HTTPStreaming

/// The OpenAI Responses API (`wireApi: "responses"`), as OpenAI and Azure OpenAI serve it, used statelessly:
/// every call sends the whole conversation, and nothing is stored on the server.
struct ResponsesProvider: ModelProvider {
  var builder: ResponsesRequestBuilder
  var transport: ProviderTransport

  var apiEndpoint: String { "/responses" }

  func stream(_ request: ModelRequest) -> AsyncThrowingStream<ModelStreamEvent, any Error> {
    ProviderStream.make { continuation in
      var response = try await transport.open { token in builder.httpRequest(for: request, clientToken: token) }
      var decoder = ResponsesStreamDecoder()
      var parser = ServerSentEventParser()
      try await ProviderStream.forEachBody(of: &response, errors: transport.errors) { bytes in
        for event in parser.feed(bytes) {
          for output in try decoder.decode(event, errors: transport.errors) {
            continuation.yield(output)
          }
        }
      }
      for output in try decoder.finish() {
        continuation.yield(output)
      }
    }
  }
}

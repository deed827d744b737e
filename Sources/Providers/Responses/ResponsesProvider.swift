import AgentCore
import HTTPStreaming

/// The OpenAI Responses API (`wireApi: "responses"`), as OpenAI and Azure OpenAI serve it, used statelessly:
/// every call sends the whole conversation, and nothing is stored on the server.
struct ResponsesProvider: ModelProvider {
  var builder: ResponsesRequestBuilder
  var transport: ProviderTransport

  var apiEndpoint: String { "/responses" }

  func stream(_ request: ModelRequest) -> AsyncThrowingStream<ModelStreamEvent, any Error> {
    ProviderStream.serverSentEvents(transport: transport, decoder: ResponsesStreamDecoder()) { token in
      builder.httpRequest(for: request, clientToken: token)
    }
  }
}

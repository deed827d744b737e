import AgentCore
import BYOKLogging
import HTTPStreaming

/// Builds the provider client that matches a session's provider configuration.
public struct ProviderFactory: ModelProviderFactory {
  private let httpClient: any HTTPClient
  /// How long a stream may send nothing before the model call fails.
  private let idleTimeout: Duration
  private let retryPolicy: RetryPolicy

  public init(httpClient: any HTTPClient, idleTimeout: Duration = .seconds(120), retryPolicy: RetryPolicy = RetryPolicy()) {
    self.httpClient = httpClient
    self.idleTimeout = idleTimeout
    self.retryPolicy = retryPolicy
  }

  public func makeProvider(for configuration: ProviderConfiguration, context: ProviderContext) throws(ProviderError)
    -> any ModelProvider
  {
    var secrets = [configuration.apiKey, configuration.bearerToken].compactMap { $0 }
    secrets.append(contentsOf: configuration.headers.map(\.value))
    let transport = ProviderTransport(
      httpClient: httpClient,
      errors: ProviderErrorMapper(providerName: "The provider", baseURL: configuration.baseURL, secrets: secrets),
      retryPolicy: retryPolicy,
      context: context,
      usesClientTokens: configuration.hasBearerTokenProvider)
    switch (configuration.kind, configuration.wireAPI) {
    case (.openai, .completions), (.azure, .completions):
      return OpenAIChatProvider(
        builder: OpenAIChatRequestBuilder(configuration: configuration, idleTimeout: idleTimeout),
        transport: transport)
    case (.openai, .responses), (.azure, .responses):
      return ResponsesProvider(
        builder: ResponsesRequestBuilder(configuration: configuration, idleTimeout: idleTimeout),
        transport: transport)
    case (.anthropic, _):
      return AnthropicMessagesProvider(
        builder: AnthropicRequestBuilder(configuration: configuration, idleTimeout: idleTimeout), transport: transport)
    }
  }
}

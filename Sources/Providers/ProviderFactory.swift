import AgentCore
import BYOKLogging
import HTTPStreaming

/// Builds the provider client that matches a session's provider configuration.
public struct ProviderFactory: ModelProviderFactory {
  private let httpClient: any HTTPClient
  /// How long a stream may send nothing before the model call fails.
  private let idleTimeout: Duration

  public init(httpClient: any HTTPClient, idleTimeout: Duration = .seconds(120)) {
    self.httpClient = httpClient
    self.idleTimeout = idleTimeout
  }

  public func makeProvider(for configuration: ProviderConfiguration, sessionID: String) throws(ProviderError)
    -> any ModelProvider
  {
    var secrets = [configuration.apiKey, configuration.bearerToken].compactMap { $0 }
    secrets.append(contentsOf: configuration.headers.map(\.value))
    switch (configuration.kind, configuration.wireAPI) {
    case (.openai, .completions):
      return OpenAIChatProvider(
        builder: OpenAIChatRequestBuilder(configuration: configuration, idleTimeout: idleTimeout),
        httpClient: httpClient,
        errors: ProviderErrorMapper(providerName: "The provider", baseURL: configuration.baseURL, secrets: secrets))
    default:
      // TODO: Azure, Anthropic and the Responses API are not implemented yet; they fail clearly here.
      throw ProviderError(
        kind: .configuration,
        message: "provider.type '\(configuration.kind.rawValue)' with wireApi '\(configuration.wireAPI.rawValue)' "
          + "is not supported by this version of byok-host; use type 'openai' with wireApi 'completions'.")
    }
  }
}

import AgentCore
import BYOKLogging
import Foundation

/// The provider used when a session brings none, from flags or environment variables.
///
/// `--provider-base-url` or `BYOK_HOST_PROVIDER_BASE_URL` turns it on; `--provider-type` or
/// `BYOK_HOST_PROVIDER_TYPE` (openai, azure or anthropic; default openai) picks the wire format; the key
/// comes from the variable named by `--provider-api-key-env`, else from `BYOK_HOST_PROVIDER_API_KEY`.
enum DefaultProvider {
  static func resolve(
    _ options: ServeOptions, environment: [String: String] = ProcessInfo.processInfo.environment
  ) -> ProviderConfiguration? {
    func value(_ name: String) -> String? {
      environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
    guard let baseURL = options.providerBaseURL ?? value("BYOK_HOST_PROVIDER_BASE_URL") else { return nil }
    let kindName = options.providerType ?? value("BYOK_HOST_PROVIDER_TYPE") ?? "openai"
    let kind = ProviderConfiguration.Kind(rawValue: kindName) ?? .openai
    let key = options.providerAPIKeyEnvironmentVariable.flatMap(value) ?? value("BYOK_HOST_PROVIDER_API_KEY")
    return ProviderConfiguration(kind: kind, baseURL: baseURL, apiKey: key.map(Secret.init))
  }
}

import AgentCore
import BYOKLogging
import HTTPStreaming

/// The headers every provider request carries, including its credential.
///
/// The credential, first that is set: a token the client just supplied (`providerToken.getToken`), then
/// `provider.bearerToken`, both sent as `Authorization: Bearer`; then `provider.apiKey`, sent as
/// `Authorization: Bearer` to OpenAI-compatible servers, `api-key` to Azure and `x-api-key` to Anthropic.
/// `provider.headers` and the send's `requestHeaders` follow, in that order.
enum ProviderHeaders {
  static func make(
    configuration: ProviderConfiguration, clientToken: Secret?, accept: String, request: ModelRequest,
    extra: [HTTPHeader] = []
  ) -> [HTTPHeader] {
    var headers: [HTTPHeader] = [
      HTTPHeader(name: "Content-Type", value: "application/json"),
      HTTPHeader(name: "Accept", value: accept),
      HTTPHeader(name: "User-Agent", value: request.userAgent),
    ]
    headers.append(contentsOf: extra)
    if let token = clientToken ?? configuration.bearerToken {
      headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(token.revealedValue)"))
    } else if let key = configuration.apiKey {
      switch configuration.kind {
      case .openai: headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(key.revealedValue)"))
      case .azure: headers.append(HTTPHeader(name: "api-key", value: key.revealedValue))
      case .anthropic: headers.append(HTTPHeader(name: "x-api-key", value: key.revealedValue))
      }
    }
    for header in configuration.headers {
      headers.append(HTTPHeader(name: header.name, value: header.value.revealedValue))
    }
    for header in request.extraHeaders {
      headers.append(HTTPHeader(name: header.name, value: header.value))
    }
    return headers
  }
}

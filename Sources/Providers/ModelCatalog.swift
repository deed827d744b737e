import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC

/// Lists the models a provider offers, for `models.list`.
///
/// OpenAI-compatible servers answer `GET {baseUrl}/models`, Azure `GET {baseUrl}/openai/v1/models` and
/// Anthropic `GET {baseUrl}/v1/models`; each entry becomes `{id, name, capabilities}` in the SDKs' shape.
public struct ModelCatalog: Sendable {
  private let httpClient: any HTTPClient

  public init(httpClient: any HTTPClient) {
    self.httpClient = httpClient
  }

  public func models(for configuration: ProviderConfiguration, userAgent: String) async throws -> [JSONValue] {
    let url: String
    var extra: [HTTPHeader] = []
    switch configuration.kind {
    case .openai:
      url = OpenAIChatRequestBuilder.join(configuration.baseURL, "models")
    case .azure:
      url = OpenAIChatRequestBuilder.url(
        configuration: ProviderConfiguration(kind: .azure, baseURL: configuration.baseURL), model: "", path: "models")
    case .anthropic:
      url = AnthropicPaths.url(configuration.baseURL, "models")
      extra.append(HTTPHeader(name: "anthropic-version", value: AnthropicPaths.version))
    }
    let request = ModelRequest(model: "", systemPrompt: "", messages: [], userAgent: userAgent)
    var headers = ProviderHeaders.make(
      configuration: configuration, clientToken: nil, accept: "application/json", request: request, extra: extra)
    headers.removeAll { $0.name == "Content-Type" }
    let errors = ProviderErrorMapper(
      providerName: "The provider", baseURL: configuration.baseURL,
      secrets: [configuration.apiKey, configuration.bearerToken].compactMap { $0 } + configuration.headers.map(\.value))
    let response: HTTPResponse
    do {
      response = try await httpClient.send(HTTPRequest(method: .get, url: url, headers: headers, idleTimeout: .seconds(30)))
    } catch {
      throw errors.map(transportError: error)
    }
    guard response.isSuccess else {
      throw errors.map(status: response.status, body: response.body)
    }
    let json = try? JSONParser.parse(response.body)
    let entries = json?["data"]?.arrayValue ?? json?["models"]?.arrayValue ?? []
    return entries.compactMap { entry -> JSONValue? in
      guard let id = entry["id"]?.stringValue ?? entry["name"]?.stringValue else { return nil }
      let name = entry["display_name"]?.stringValue ?? id
      return ["id": .string(id), "name": .string(name), "capabilities": ["supports": [:], "limits": [:]]]
    }
  }
}

/// Anthropic's URL layout: `{baseUrl}/v1/<path>`, without doubling a `/v1` the base already ends in.
enum AnthropicPaths {
  /// The `anthropic-version` header value sent on every request.
  static let version = "2023-06-01"

  static func url(_ baseURL: String, _ path: String) -> String {
    var base = baseURL
    while base.hasSuffix("/") { base.removeLast() }
    if base.hasSuffix("/v1") { base.removeLast(3) }
    return base + "/v1/" + path
  }
}

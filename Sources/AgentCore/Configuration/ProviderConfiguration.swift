import BYOKLogging
import JSONRPC

/// A BYOK model provider as the client supplied it in `session.create` or `session.resume`.
///
/// Credentials (`apiKey`, `bearerToken` and every header value) are `Secret`s: they live only in memory
/// and `persistableJSON` leaves them out, so a resumed session needs the provider supplied again.
public struct ProviderConfiguration: Sendable, Equatable {
  public enum Kind: String, Sendable {
    case openai
    case azure
    case anthropic
  }

  public enum WireAPI: String, Sendable {
    case completions
    case responses
  }

  public var kind: Kind
  public var baseURL: String
  public var apiKey: Secret?
  public var bearerToken: Secret?
  public var hasBearerTokenProvider: Bool
  public var wireAPI: WireAPI
  public var headers: [(name: String, value: Secret)]
  public var modelID: String?
  public var wireModel: String?
  public var azureAPIVersion: String?
  public var maxOutputTokens: Int?
  public var maxPromptTokens: Int?

  public init(
    kind: Kind = .openai,
    baseURL: String,
    apiKey: Secret? = nil,
    bearerToken: Secret? = nil,
    hasBearerTokenProvider: Bool = false,
    wireAPI: WireAPI = .completions,
    headers: [(name: String, value: Secret)] = [],
    modelID: String? = nil,
    wireModel: String? = nil,
    azureAPIVersion: String? = nil,
    maxOutputTokens: Int? = nil,
    maxPromptTokens: Int? = nil
  ) {
    self.kind = kind
    self.baseURL = baseURL
    self.apiKey = apiKey
    self.bearerToken = bearerToken
    self.hasBearerTokenProvider = hasBearerTokenProvider
    self.wireAPI = wireAPI
    self.headers = headers
    self.modelID = modelID
    self.wireModel = wireModel
    self.azureAPIVersion = azureAPIVersion
    self.maxOutputTokens = maxOutputTokens
    self.maxPromptTokens = maxPromptTokens
  }

  public static func == (lhs: ProviderConfiguration, rhs: ProviderConfiguration) -> Bool {
    lhs.kind == rhs.kind && lhs.baseURL == rhs.baseURL && lhs.apiKey == rhs.apiKey
      && lhs.bearerToken == rhs.bearerToken && lhs.wireAPI == rhs.wireAPI
      && lhs.headers.map(\.name) == rhs.headers.map(\.name) && lhs.headers.map(\.value) == rhs.headers.map(\.value)
      && lhs.modelID == rhs.modelID && lhs.wireModel == rhs.wireModel
  }

  /// Parses the `provider` object of `session.create`; throws `ResponseError.invalidParams` naming the
  /// bad field.
  public init(json: JSONValue) throws(ResponseError) {
    guard let object = json.objectValue else {
      throw .invalidParams("provider must be an object, not \(json.typeName)")
    }
    let reader = ParamsReader(object: object, path: "provider")
    let typeName = try reader.optionalString("type") ?? "openai"
    guard let kind = Kind(rawValue: typeName) else {
      throw .invalidParams("provider.type '\(typeName)' is not supported; use openai, azure or anthropic")
    }
    let wireName = try reader.optionalString("wireApi") ?? "completions"
    guard let wireAPI = WireAPI(rawValue: wireName) else {
      throw .invalidParams("provider.wireApi '\(wireName)' is not supported; use completions or responses")
    }
    guard let baseURL = try reader.optionalString("baseUrl"), !baseURL.isEmpty else {
      throw .invalidParams("provider.baseUrl is missing; give the provider's base URL, e.g. https://api.openai.com/v1")
    }
    guard baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://") else {
      throw .invalidParams("provider.baseUrl must start with http:// or https://")
    }
    var headers: [(name: String, value: Secret)] = []
    if let headerObject = try reader.optionalObject("headers") {
      for (name, value) in headerObject {
        guard let text = value.stringValue else {
          throw .invalidParams("provider.headers.\(name) must be a string")
        }
        headers.append((name, Secret(text)))
      }
    }
    self.init(
      kind: kind,
      baseURL: baseURL,
      apiKey: try reader.optionalString("apiKey").flatMap { $0.isEmpty ? nil : Secret($0) },
      bearerToken: try reader.optionalString("bearerToken").flatMap { $0.isEmpty ? nil : Secret($0) },
      hasBearerTokenProvider: try reader.optionalBool("hasBearerTokenProvider") ?? false,
      wireAPI: wireAPI,
      headers: headers,
      modelID: try reader.optionalString("modelId"),
      wireModel: try reader.optionalString("wireModel"),
      azureAPIVersion: try object["azure"].flatMap { azure throws(ResponseError) in
        try ParamsReader(object: azure.objectValue ?? JSONObject(), path: "provider.azure").optionalString("apiVersion")
      },
      maxOutputTokens: try reader.optionalInt("maxOutputTokens"),
      maxPromptTokens: try reader.optionalInt("maxPromptTokens")
    )
  }

  /// The non-secret description kept in a session's metadata file: type, base URL and wire API only.
  public var persistableJSON: JSONValue {
    ["type": .string(kind.rawValue), "baseUrl": .string(baseURL), "wireApi": .string(wireAPI.rawValue)]
  }
}

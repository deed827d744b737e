import JSONRPC
import Testing

/// One provider setup of the provider tests: the `provider` a session sends, the stream shape the mock plays,
/// and where and how the host must send its requests.
enum ProviderFormat: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case openAIChat
  case openAIResponses
  /// Azure's classic route: the deployment in the path and a dated `api-version`.
  case azureChatDeployment
  /// Azure's versionless `/openai/v1` route.
  case azureChatV1
  case azureResponsesDated
  case azureResponsesV1
  case anthropic
  /// An OpenAI-compatible server with Ollama's stream shape.
  case ollama

  /// The request body layout.
  enum Wire {
    case chatCompletions
    case responses
    case anthropicMessages
  }

  static let azureAPIVersion = "2024-10-21"

  var testDescription: String { rawValue }

  var wire: Wire {
    switch self {
    case .openAIChat, .azureChatDeployment, .azureChatV1, .ollama: return .chatCompletions
    case .openAIResponses, .azureResponsesDated, .azureResponsesV1: return .responses
    case .anthropic: return .anthropicMessages
    }
  }

  var isAzure: Bool {
    [.azureChatDeployment, .azureChatV1, .azureResponsesDated, .azureResponsesV1].contains(self)
  }

  /// The mock's `dialect`, or `nil` for api.openai.com's shape.
  var dialect: String? {
    if isAzure { return "azure" }
    return self == .ollama ? "ollama" : nil
  }

  /// Builds a mock script with this format's dialect.
  func script(_ replies: [JSONValue]) -> JSONValue {
    var script: JSONObject = ["replies": .array(replies)]
    if let dialect { script["dialect"] = .string(dialect) }
    return .object(script)
  }

  /// Builds the `provider` of `session.create` for a mock on `port`, with `fields` added, such as `apiKey`.
  func provider(port: Int, _ fields: JSONObject = [:]) -> JSONValue {
    var provider: JSONObject
    let root = "http://127.0.0.1:\(port)"
    switch self {
    case .openAIChat, .ollama:
      provider = ["type": "openai", "baseUrl": .string(root + "/v1")]
    case .openAIResponses:
      provider = ["type": "openai", "baseUrl": .string(root + "/v1"), "wireApi": "responses"]
    case .azureChatDeployment:
      provider = ["type": "azure", "baseUrl": .string(root), "azure": ["apiVersion": .string(Self.azureAPIVersion)]]
    case .azureChatV1:
      provider = ["type": "azure", "baseUrl": .string(root)]
    case .azureResponsesDated:
      provider = [
        "type": "azure", "baseUrl": .string(root), "wireApi": "responses",
        "azure": ["apiVersion": .string(Self.azureAPIVersion)],
      ]
    case .azureResponsesV1:
      provider = ["type": "azure", "baseUrl": .string(root), "wireApi": "responses"]
    case .anthropic:
      provider = ["type": "anthropic", "baseUrl": .string(root)]
    }
    for (key, value) in fields {
      provider[key] = value
    }
    return .object(provider)
  }

  /// The path, without the query, that a request for `model` must use.
  func expectedPath(model: String) -> String {
    switch self {
    case .openAIChat, .ollama: return "/v1/chat/completions"
    case .openAIResponses: return "/v1/responses"
    case .azureChatDeployment: return "/openai/deployments/\(model)/chat/completions"
    case .azureChatV1: return "/openai/v1/chat/completions"
    case .azureResponsesDated: return "/openai/responses"
    case .azureResponsesV1: return "/openai/v1/responses"
    case .anthropic: return "/v1/messages"
    }
  }

  /// The query every request must carry: the dated `api-version` on Azure's classic routes, else none.
  var expectedQuery: String {
    [.azureChatDeployment, .azureResponsesDated].contains(self) ? "api-version=\(Self.azureAPIVersion)" : ""
  }

  /// Returns the header that carries `provider.apiKey`, with its expected value for `key`.
  func apiKeyHeader(_ key: String) -> (name: String, value: String) {
    if isAzure { return ("api-key", key) }
    return self == .anthropic ? ("x-api-key", key) : ("Authorization", "Bearer \(key)")
  }

  /// The body field that carries `provider.maxOutputTokens`.
  var maxTokensField: String {
    switch wire {
    case .chatCompletions: return "max_completion_tokens"
    case .responses: return "max_output_tokens"
    case .anthropicMessages: return "max_tokens"
    }
  }

  /// The body field that carries `reasoningEffort`.
  var reasoningField: String {
    switch wire {
    case .chatCompletions: return "reasoning_effort"
    case .responses: return "reasoning"
    case .anthropicMessages: return "thinking"
    }
  }
}

/// Reads a recorded request in the layout of its wire format.
extension RecordedChatRequest {
  /// The path without the query.
  var pathWithoutQuery: String {
    String((path ?? "").prefix { $0 != "?" })
  }

  /// The query after `?`, or empty.
  var query: String {
    guard let path, let mark = path.firstIndex(of: "?") else { return "" }
    return String(path[path.index(after: mark)...])
  }

  /// Returns the value at a dotted `path` of the body, with `[i]` indexes, or `nil` when a step is missing.
  func field(_ path: String) -> JSONValue? {
    var current: JSONValue? = body
    for segment in path.split(separator: ".") {
      let name = segment.prefix { $0 != "[" }
      current = current?[String(name)]
      for index in segment.dropFirst(name.count).split(separator: "[").compactMap({ Int($0.dropLast()) }) {
        guard let elements = current?.arrayValue else { return nil }
        let position = index < 0 ? elements.count + index : index
        current = elements.indices.contains(position) ? elements[position] : nil
      }
    }
    return current
  }

  /// Returns the tool results of the body as call id and text: `role: tool` messages, `function_call_output` items or
  /// `tool_result` blocks.
  func toolResults(_ wire: ProviderFormat.Wire) -> [(callID: String, text: String)] {
    func text(_ content: JSONValue?) -> String {
      content?.stringValue ?? (content?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined()
    }
    switch wire {
    case .chatCompletions:
      return toolMessages.map { ($0.toolCallID, $0.text) }
    case .responses:
      return (body["input"]?.arrayValue ?? []).compactMap { item in
        guard item["type"] == "function_call_output" else { return nil }
        return (item["call_id"]?.stringValue ?? "", text(item["output"]))
      }
    case .anthropicMessages:
      return (body["messages"]?.arrayValue ?? []).flatMap { message in
        (message["content"]?.arrayValue ?? []).compactMap { block in
          guard block["type"] == "tool_result" else { return nil }
          return (block["tool_use_id"]?.stringValue ?? "", text(block["content"]))
        }
      }
    }
  }

  /// Returns the texts of the body's messages or input items: string content and the `text` of content parts.
  func texts(_ wire: ProviderFormat.Wire) -> [String] {
    let containers = wire == .responses ? body["input"]?.arrayValue : body["messages"]?.arrayValue
    return (containers ?? []).flatMap { container -> [String] in
      if let text = container["content"]?.stringValue { return [text] }
      return (container["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
    }
  }

  /// Returns the images of the body's user messages as MIME type and base64 data: `image_url` parts with data URLs,
  /// `input_image` parts, or `image` blocks with a base64 source.
  func images(_ wire: ProviderFormat.Wire) -> [(mimeType: String, data: String)] {
    let containers = wire == .responses ? body["input"]?.arrayValue : body["messages"]?.arrayValue
    let parts = (containers ?? []).flatMap { $0["content"]?.arrayValue ?? [] }
    return parts.compactMap { part -> (String, String)? in
      switch (wire, part["type"]?.stringValue) {
      case (.chatCompletions, "image_url"?):
        return Self.splitDataURL(part["image_url"]?["url"]?.stringValue)
      case (.responses, "input_image"?):
        return Self.splitDataURL(part["image_url"]?.stringValue)
      case (.anthropicMessages, "image"?):
        guard part["source"]?["type"] == "base64", let mimeType = part["source"]?["media_type"]?.stringValue,
          let data = part["source"]?["data"]?.stringValue
        else { return nil }
        return (mimeType, data)
      default:
        return nil
      }
    }
  }

  /// Splits `data:<mime>;base64,<data>` into its MIME type and data.
  private static func splitDataURL(_ url: String?) -> (String, String)? {
    guard let url, url.hasPrefix("data:"), let comma = url.firstIndex(of: ","),
      let semicolon = url.firstIndex(of: ";"), semicolon < comma, url[semicolon..<comma] == ";base64"
    else { return nil }
    return (String(url[url.index(url.startIndex, offsetBy: 5)..<semicolon]), String(url[url.index(after: comma)...]))
  }
}

import JSONRPC

/// What a session runs with: model, provider, system message and streaming, from `session.create` or
/// `session.resume`.
public struct SessionConfiguration: Sendable {
  public enum SystemMessageMode: String, Sendable {
    case append
    case replace
    case customize
  }

  public var model: String?
  public var provider: ProviderConfiguration?
  public var systemMessageMode: SystemMessageMode
  public var systemMessageContent: String?
  public var streaming: Bool
  public var reasoningEffort: String?
  public var reasoningSummary: String?
  public var workingDirectory: String
  public var clientName: String?
  public var tools: [ToolDefinition] = []
  public var toolFilter = ToolFilter()
  /// Whether the client answers `permission.requested`; when false, client tools run without asking.
  public var requestPermission = false

  public init(
    model: String? = nil,
    provider: ProviderConfiguration? = nil,
    systemMessageMode: SystemMessageMode = .append,
    systemMessageContent: String? = nil,
    streaming: Bool = false,
    reasoningEffort: String? = nil,
    workingDirectory: String,
    clientName: String? = nil
  ) {
    self.model = model
    self.provider = provider
    self.systemMessageMode = systemMessageMode
    self.systemMessageContent = systemMessageContent
    self.streaming = streaming
    self.reasoningEffort = reasoningEffort
    self.workingDirectory = workingDirectory
    self.clientName = clientName
  }

  /// The prompt every session starts from unless `systemMessage.mode` is `replace`.
  public static let defaultSystemPrompt =
    "You are a helpful assistant running inside byok-host, an agent host that editors and tools start. "
    + "Answer clearly and concisely."

  /// The system prompt sent to the model.
  public var systemPrompt: String {
    switch systemMessageMode {
    case .replace:
      return systemMessageContent ?? ""
    case .append, .customize:
      guard let content = systemMessageContent, !content.isEmpty else { return Self.defaultSystemPrompt }
      return Self.defaultSystemPrompt + "\n\n" + content
    }
  }

  /// The model id sent to the provider: `provider.wireModel`, then `provider.modelId`, then `model`.
  public var wireModel: String? {
    provider?.wireModel ?? provider?.modelID ?? model
  }

  /// The model name shown in events: `model`, else `provider.modelId`.
  public var displayModel: String? {
    model ?? provider?.modelID ?? provider?.wireModel
  }

  /// Applies the keys of a `session.create` or `session.resume` params object. Keys that are absent keep
  /// their current value, except `provider`, which a resume must always supply again.
  public mutating func apply(_ reader: ParamsReader, replacingProvider: Bool) throws(ResponseError) {
    if let model = try reader.optionalString("model") { self.model = model }
    if replacingProvider {
      provider = try reader.object["provider"].flatMap { value throws(ResponseError) in
        value.isNull ? nil : try ProviderConfiguration(json: value)
      }
    }
    if let systemMessage = try reader.optionalObject("systemMessage") {
      let nested = ParamsReader(object: systemMessage, path: "systemMessage")
      let modeName = try nested.optionalString("mode") ?? "append"
      guard let mode = SystemMessageMode(rawValue: modeName) else {
        throw .invalidParams("systemMessage.mode '\(modeName)' is not supported; use append, replace or customize")
      }
      systemMessageMode = mode
      systemMessageContent = try nested.optionalString("content")
    }
    if let streaming = try reader.optionalBool("streaming") { self.streaming = streaming }
    if let effort = try reader.optionalString("reasoningEffort") { reasoningEffort = effort }
    if let summary = try reader.optionalString("reasoningSummary") { reasoningSummary = summary }
    if let directory = try reader.optionalString("workingDirectory") { workingDirectory = directory }
    if let clientName = try reader.optionalString("clientName") { self.clientName = clientName }
    if let tools = try reader.optionalArray("tools") { self.tools = try ToolDefinition.list(tools) }
    if let available = try reader.optionalArray("availableTools") {
      toolFilter.available = try Self.names(available, key: "availableTools")
    }
    if let excluded = try reader.optionalArray("excludedTools") {
      toolFilter.excluded = try Self.names(excluded, key: "excludedTools")
    }
    if let requestPermission = try reader.optionalBool("requestPermission") { self.requestPermission = requestPermission }
  }

  private static func names(_ values: [JSONValue], key: String) throws(ResponseError) -> [String] {
    var names: [String] = []
    for (index, value) in values.enumerated() {
      guard let name = value.stringValue else {
        throw .invalidParams("\(key)[\(index)] must be a string, not \(value.typeName)")
      }
      names.append(name)
    }
    return names
  }

  /// The client tools offered to the model after `availableTools` and `excludedTools`.
  public var offeredTools: [ToolDefinition] {
    tools.filter { toolFilter.allows($0.name) }
  }

  /// The settings kept in the session's metadata file; credentials are never part of it.
  public var persistableJSON: JSONValue {
    var object = JSONObject()
    object["model"] = JSONValue(model)
    object["systemMessage"] = [
      "mode": .string(systemMessageMode.rawValue), "content": JSONValue(systemMessageContent),
    ]
    object["streaming"] = .bool(streaming)
    object["reasoningEffort"] = JSONValue(reasoningEffort)
    object["reasoningSummary"] = JSONValue(reasoningSummary)
    object["workingDirectory"] = .string(workingDirectory)
    object["clientName"] = JSONValue(clientName)
    object["provider"] = provider?.persistableJSON ?? .null
    return .object(object)
  }

  /// Restores the settings saved by `persistableJSON`; the provider is left out on purpose.
  public init(persisted json: JSONValue, defaultWorkingDirectory: String) {
    self.init(workingDirectory: json["workingDirectory"]?.stringValue ?? defaultWorkingDirectory)
    model = json["model"]?.stringValue
    if let mode = json["systemMessage"]?["mode"]?.stringValue.flatMap(SystemMessageMode.init) {
      systemMessageMode = mode
    }
    systemMessageContent = json["systemMessage"]?["content"]?.stringValue
    streaming = json["streaming"]?.boolValue ?? false
    reasoningEffort = json["reasoningEffort"]?.stringValue
    reasoningSummary = json["reasoningSummary"]?.stringValue
    clientName = json["clientName"]?.stringValue
  }
}

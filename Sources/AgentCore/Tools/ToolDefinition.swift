import JSONRPC

/// A tool the client defines and runs; the model may call it by name.
public struct ToolDefinition: Sendable, Equatable {
  public var name: String
  public var description: String
  /// A JSON Schema object; `{"type":"object","properties":{}}` when the client sent none.
  public var parameters: JSONValue
  /// When true, the tool runs without a `permission.requested` round.
  public var skipPermission: Bool
  public var overridesBuiltInTool: Bool
  /// When true, a successful call ends the agent loop without another model call.
  public var isTerminal: Bool

  public init(
    name: String,
    description: String = "",
    parameters: JSONValue = ToolDefinition.emptyParameters,
    skipPermission: Bool = false,
    overridesBuiltInTool: Bool = false,
    isTerminal: Bool = false
  ) {
    self.name = name
    self.description = description
    self.parameters = parameters
    self.skipPermission = skipPermission
    self.overridesBuiltInTool = overridesBuiltInTool
    self.isTerminal = isTerminal
  }

  public static let emptyParameters: JSONValue = ["type": "object", "properties": [:]]

  /// Parses one entry of `tools`; `path` names it in errors, such as `tools[2]`.
  public init(json: JSONValue, path: String) throws(ResponseError) {
    guard let object = json.objectValue else {
      throw .invalidParams("\(path) must be an object, not \(json.typeName)")
    }
    let reader = ParamsReader(object: object, path: path)
    let name = try reader.requiredString("name")
    guard !name.isEmpty else { throw .invalidParams("\(path).name must not be empty") }
    let parameters = try reader.optionalObject("parameters").map(JSONValue.object) ?? Self.emptyParameters
    self.init(
      name: name,
      description: try reader.optionalString("description") ?? "",
      parameters: parameters,
      skipPermission: try reader.optionalBool("skipPermission") ?? false,
      overridesBuiltInTool: try reader.optionalBool("overridesBuiltInTool") ?? false,
      isTerminal: try reader.optionalBool("isTerminal") ?? false)
  }

  /// Parses the `tools` array of `session.create`, `session.resume` or `session.tools.set`.
  public static func list(_ values: [JSONValue], key: String = "tools") throws(ResponseError) -> [ToolDefinition] {
    var tools: [ToolDefinition] = []
    for (index, value) in values.enumerated() {
      tools.append(try ToolDefinition(json: value, path: "\(key)[\(index)]"))
    }
    return tools
  }
}

/// The `availableTools` and `excludedTools` lists that decide which client tools the model is offered.
///
/// An entry matches a tool by plain name, by `custom:NAME`, or by a `*` wildcard in either form
/// (`custom:*`, `read_*`). `builtin:` and `mcp:` entries never match client tools. `excludedTools` wins.
public struct ToolFilter: Sendable, Equatable {
  public var available: [String]?
  public var excluded: [String]

  public init(available: [String]? = nil, excluded: [String] = []) {
    self.available = available
    self.excluded = excluded
  }

  public func allows(_ name: String) -> Bool {
    if excluded.contains(where: { Self.matches($0, name) }) { return false }
    guard let available else { return true }
    return available.contains { Self.matches($0, name) }
  }

  static func matches(_ pattern: String, _ name: String) -> Bool {
    var pattern = Substring(pattern)
    if let colon = pattern.firstIndex(of: ":") {
      guard pattern[..<colon] == "custom" else { return false }
      pattern = pattern[pattern.index(after: colon)...]
    }
    return wildcardMatch(Array(pattern), Array(name))
  }

  private static func wildcardMatch(_ pattern: [Character], _ text: [Character]) -> Bool {
    var patternIndex = 0
    var textIndex = 0
    var starIndex: Int?
    var resumeIndex = 0
    while textIndex < text.count {
      if patternIndex < pattern.count, pattern[patternIndex] == "*" {
        starIndex = patternIndex
        resumeIndex = textIndex
        patternIndex += 1
      } else if patternIndex < pattern.count, pattern[patternIndex] == text[textIndex] {
        patternIndex += 1
        textIndex += 1
      } else if let star = starIndex {
        patternIndex = star + 1
        resumeIndex += 1
        textIndex = resumeIndex
      } else {
        return false
      }
    }
    while patternIndex < pattern.count, pattern[patternIndex] == "*" { patternIndex += 1 }
    return patternIndex == pattern.count
  }
}

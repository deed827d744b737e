/// One HTTP header field; its description prints the value only for names known to carry no credential.
public struct HTTPHeader: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
  public var name: String
  public var value: String

  public init(name: String, value: String) {
    self.name = name
    self.value = value
  }

  /// Header names, lowercased, whose values are safe to log. Every other value prints as `<redacted>`.
  public static let namesSafeToLog: Set<String> = [
    "accept",
    "accept-encoding",
    "anthropic-beta",
    "anthropic-version",
    "api-version",
    "cache-control",
    "connection",
    "content-encoding",
    "content-length",
    "content-type",
    "date",
    "openai-beta",
    "openai-organization",
    "openai-processing-ms",
    "openai-project",
    "openai-version",
    "request-id",
    "retry-after",
    "retry-after-ms",
    "transfer-encoding",
    "user-agent",
    "x-request-id",
  ]

  /// Whether `name` is on the allow-list of headers whose values may be logged.
  public var isSafeToLog: Bool {
    HTTPHeader.namesSafeToLog.contains(name.lowercased())
  }

  /// The value, or `<redacted>` unless the name is on the allow-list.
  public var loggableValue: String {
    isSafeToLog ? value : "<redacted>"
  }

  public var description: String { "\(name): \(loggableValue)" }

  public var customMirror: Mirror {
    Mirror(self, children: ["name": name, "value": loggableValue])
  }
}

extension Array where Element == HTTPHeader {
  /// Returns the value of the first header named `name`, compared case-insensitively.
  public func firstValue(named name: String) -> String? {
    let wanted = name.lowercased()
    return first { $0.name.lowercased() == wanted }?.value
  }
}

/// A mock provider script that could not be loaded, naming the file and the field at fault.
public struct MockScriptError: Error, Sendable, Equatable, CustomStringConvertible {
  public enum Kind: Sendable {
    /// The file is missing or cannot be read.
    case unreadableFile
    /// The file is not valid JSON.
    case invalidJSON
    /// The JSON is valid but a field is missing, has the wrong type or an unknown name.
    case invalidField
  }

  public var kind: Kind
  /// The script's file path, or a label for a script that did not come from a file.
  public var source: String
  /// The path to the bad field, such as `replies[2].chunkSize`, or `nil` when the fault is the whole file.
  public var field: String?
  public var message: String

  public init(kind: Kind, source: String, field: String? = nil, message: String) {
    self.kind = kind
    self.source = source
    self.field = field
    self.message = message
  }

  public var description: String {
    guard let field else { return "\(source): \(message)" }
    return "\(source): \(field): \(message)"
  }
}

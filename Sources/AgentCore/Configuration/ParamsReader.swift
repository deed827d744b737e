import JSONRPC

/// Reads typed members from a params object, throwing -32602 errors that name the field's full path.
public struct ParamsReader: Sendable {
  public let object: JSONObject
  public let path: String

  public init(object: JSONObject, path: String = "") {
    self.object = object
    self.path = path
  }

  /// Reads the `params` of a request, which must be an object or absent.
  public init(params: JSONValue) throws(ResponseError) {
    switch params {
    case .null: self.init(object: JSONObject())
    case .object(let object): self.init(object: object)
    default: throw .invalidParams("params must be an object, not \(params.typeName)")
    }
  }

  private func name(_ key: String) -> String {
    path.isEmpty ? key : "\(path).\(key)"
  }

  private func present(_ key: String) -> JSONValue? {
    guard let value = object[key], !value.isNull else { return nil }
    return value
  }

  public func optionalString(_ key: String) throws(ResponseError) -> String? {
    guard let value = present(key) else { return nil }
    guard let text = value.stringValue else {
      throw .invalidParams("\(name(key)) must be a string, not \(value.typeName)")
    }
    return text
  }

  public func requiredString(_ key: String) throws(ResponseError) -> String {
    guard let text = try optionalString(key) else {
      throw .invalidParams("\(name(key)) is required and must be a string")
    }
    return text
  }

  public func optionalBool(_ key: String) throws(ResponseError) -> Bool? {
    guard let value = present(key) else { return nil }
    guard let flag = value.boolValue else {
      throw .invalidParams("\(name(key)) must be a boolean, not \(value.typeName)")
    }
    return flag
  }

  public func optionalInt(_ key: String) throws(ResponseError) -> Int? {
    guard let value = present(key) else { return nil }
    guard let number = value.intValue else {
      throw .invalidParams("\(name(key)) must be an integer, not \(value.typeName)")
    }
    return number
  }

  public func optionalObject(_ key: String) throws(ResponseError) -> JSONObject? {
    guard let value = present(key) else { return nil }
    guard let nested = value.objectValue else {
      throw .invalidParams("\(name(key)) must be an object, not \(value.typeName)")
    }
    return nested
  }

  public func optionalArray(_ key: String) throws(ResponseError) -> [JSONValue]? {
    guard let value = present(key) else { return nil }
    guard let elements = value.arrayValue else {
      throw .invalidParams("\(name(key)) must be an array, not \(value.typeName)")
    }
    return elements
  }

  /// Reads a session id and rejects ids that could escape the state directory.
  public func sessionID(_ key: String = "sessionId") throws(ResponseError) -> String {
    let id = try requiredString(key)
    try SessionID.validate(id)
    return id
  }
}

/// Rules for client-chosen session ids, which become folder names under the state directory.
public enum SessionID {
  /// The longest id accepted, well under any file system's name limit.
  public static let maximumLength = 200

  public static func validate(_ id: String) throws(ResponseError) {
    if id.isEmpty {
      throw .invalidParams("sessionId must not be empty")
    }
    if id.utf8.count > maximumLength {
      throw .invalidParams("sessionId is longer than \(maximumLength) bytes")
    }
    if id.contains("/") || id.contains("\\") {
      throw .invalidParams("sessionId '\(id)' must not contain a path separator")
    }
    if id == "." || id.contains("..") {
      throw .invalidParams("sessionId '\(id)' must not contain '..' or be '.'")
    }
    if id.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
      throw .invalidParams("sessionId must not contain control characters")
    }
  }
}

/// A JSON-RPC request id: a string or an integer, echoed back verbatim.
public enum RequestID: Hashable, Sendable, CustomStringConvertible {
  case string(String)
  case number(Int64)

  public var jsonValue: JSONValue {
    switch self {
    case .string(let value): return .string(value)
    case .number(let value): return .int(value)
    }
  }

  init?(_ value: JSONValue) {
    switch value {
    case .string(let text): self = .string(text)
    case .int(let number): self = .number(number)
    default: return nil
    }
  }

  public var description: String {
    switch self {
    case .string(let value): return value
    case .number(let value): return String(value)
    }
  }
}

/// One decoded JSON-RPC 2.0 message.
public enum Message: Sendable, Equatable {
  case request(id: RequestID, method: String, params: JSONValue)
  case notification(method: String, params: JSONValue)
  case response(id: RequestID, result: Result<JSONValue, ResponseError>)
}

/// Why a frame body could not be turned into a `Message`, with the id to answer when it was readable.
public struct MessageDecodingError: Error, Sendable, Equatable {
  public var error: ResponseError
  /// The request id, when the body was an object with a usable id; the error reply uses `null` otherwise.
  public var id: RequestID?
}

extension Message {
  /// Decodes one frame body.
  ///
  /// A body that is not JSON gives -32700; JSON that is not a valid message (not an object, wrong
  /// `jsonrpc`, a missing or non-string `method`, a batch array) gives -32600.
  public static func decode(_ body: some Collection<UInt8>) throws(MessageDecodingError) -> Message {
    let json: JSONValue
    do {
      json = try JSONParser.parse(body)
    } catch {
      throw MessageDecodingError(
        error: ResponseError(code: .parseError, message: "Parse error: \(error.description)"), id: nil)
    }
    return try decode(json)
  }

  public static func decode(_ json: JSONValue) throws(MessageDecodingError) -> Message {
    guard case .object(let object) = json else {
      let message =
        json.arrayValue != nil
        ? "Invalid request: batch requests are not supported; send each message in its own frame"
        : "Invalid request: a message must be a JSON object, not \(json.typeName)"
      throw invalid(message, id: nil)
    }
    let idValue = object["id"]
    let id = idValue.flatMap(RequestID.init)
    if let idValue, !idValue.isNull, id == nil {
      throw invalid("Invalid request: id must be a string or an integer", id: nil)
    }
    guard object["jsonrpc"] == .string("2.0") else {
      throw invalid("Invalid request: jsonrpc must be \"2.0\"", id: id)
    }

    if let method = object["method"] {
      guard case .string(let name) = method else {
        throw invalid("Invalid request: method must be a string", id: id)
      }
      let params = object["params"] ?? .null
      guard params.isNull || params.objectValue != nil || params.arrayValue != nil else {
        throw invalid("Invalid request: params must be an object or an array", id: id)
      }
      if let id {
        return .request(id: id, method: name, params: params)
      }
      if let idValue, idValue.isNull {
        throw invalid("Invalid request: id must not be null", id: nil)
      }
      return .notification(method: name, params: params)
    }

    guard let id else {
      throw invalid("Invalid request: missing method", id: nil)
    }
    if let error = object["error"] {
      return .response(id: id, result: .failure(decodeError(error)))
    }
    if let result = object["result"] {
      return .response(id: id, result: .success(result))
    }
    throw invalid("Invalid request: missing method", id: id)
  }

  private static func decodeError(_ value: JSONValue) -> ResponseError {
    let code = value["code"]?.intValue ?? ErrorCode.internalError.rawValue
    let message = value["message"]?.stringValue ?? "Unknown error"
    return ResponseError(code: ErrorCode(rawValue: code), message: message, data: value["data"])
  }

  private static func invalid(_ message: String, id: RequestID?) -> MessageDecodingError {
    MessageDecodingError(error: ResponseError(code: .invalidRequest, message: message), id: id)
  }

  /// The message as a JSON-RPC 2.0 object.
  public var jsonValue: JSONValue {
    var object = JSONObject()
    object["jsonrpc"] = "2.0"
    switch self {
    case .request(let id, let method, let params):
      object["id"] = id.jsonValue
      object["method"] = .string(method)
      object["params"] = params
    case .notification(let method, let params):
      object["method"] = .string(method)
      object["params"] = params
    case .response(let id, let result):
      object["id"] = id.jsonValue
      switch result {
      case .success(let value): object["result"] = value
      case .failure(let error): object["error"] = error.jsonValue
      }
    }
    return .object(object)
  }

  /// A response to a message whose id could not be read, which JSON-RPC answers with `"id": null`.
  public static func errorWithNullID(_ error: ResponseError) -> JSONValue {
    var object = JSONObject()
    object["jsonrpc"] = "2.0"
    object["id"] = .null
    object["error"] = error.jsonValue
    return .object(object)
  }
}

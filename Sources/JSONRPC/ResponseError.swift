/// A JSON-RPC error code: the standard ones, the LSP cancellation code, and byok-host's own range.
///
/// Project codes sit in -32010…-32049, inside JSON-RPC's server-error range and clear of the codes LSP
/// already uses (-32001, -32002).
public struct ErrorCode: RawRepresentable, Hashable, Sendable {
  public var rawValue: Int

  public init(rawValue: Int) { self.rawValue = rawValue }

  /// The frame's body is not valid JSON.
  public static let parseError = ErrorCode(rawValue: -32700)
  /// The JSON is not a valid JSON-RPC 2.0 request.
  public static let invalidRequest = ErrorCode(rawValue: -32600)
  public static let methodNotFound = ErrorCode(rawValue: -32601)
  public static let invalidParams = ErrorCode(rawValue: -32602)
  public static let internalError = ErrorCode(rawValue: -32603)
  /// The request was cancelled by `$/cancelRequest` or by shutdown (LSP's `RequestCancelled`).
  public static let requestCancelled = ErrorCode(rawValue: -32800)
  /// The connection token sent in `connect` does not match the one the host was started with.
  public static let authenticationFailed = ErrorCode(rawValue: -32010)
  /// The host is shutting down and takes no new work.
  public static let shuttingDown = ErrorCode(rawValue: -32011)
}

/// The `error` member of a JSON-RPC response.
public struct ResponseError: Error, Sendable, Equatable, CustomStringConvertible {
  public var code: ErrorCode
  public var message: String
  public var data: JSONValue?

  public init(code: ErrorCode, message: String, data: JSONValue? = nil) {
    self.code = code
    self.message = message
    self.data = data
  }

  public var description: String { "JSON-RPC error \(code.rawValue): \(message)" }

  public var jsonValue: JSONValue {
    var object = JSONObject()
    object["code"] = .int(Int64(code.rawValue))
    object["message"] = .string(message)
    if let data { object["data"] = data }
    return .object(object)
  }

  public static func methodNotFound(_ method: String) -> ResponseError {
    ResponseError(code: .methodNotFound, message: "Unhandled method \(method)")
  }

  /// An invalid-params error whose message names the offending field.
  public static func invalidParams(_ message: String) -> ResponseError {
    ResponseError(code: .invalidParams, message: "Invalid params: \(message)")
  }

  public static func internalError(_ message: String) -> ResponseError {
    ResponseError(code: .internalError, message: message)
  }

  public static let cancelled = ResponseError(code: .requestCancelled, message: "Request cancelled")
}

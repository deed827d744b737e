import Foundation

/// One HTTP/1.1 request as received, body decoded from its length or chunked framing.
struct HTTPRequest {
  var method: String
  /// The request target: path and query as sent.
  var target: String
  /// `HTTP/1.1` or `HTTP/1.0`.
  var version: String
  /// The header fields in arrival order, names as sent.
  var headers: [MockHeader]
  var body: [UInt8]

  /// The target without its query.
  var path: String {
    String(target.prefix { $0 != "?" })
  }

  /// Returns the value of the first header named `name`, compared case-insensitively.
  func headerValue(_ name: String) -> String? {
    headers.first { $0.name.lowercased() == name.lowercased() }?.value
  }

  /// Whether the client wants the connection kept open after the response: HTTP/1.1 without `Connection: close`.
  var keepsConnectionOpen: Bool {
    guard version == "HTTP/1.1" else { return false }
    let tokens = (headerValue("connection") ?? "").lowercased().split(separator: ",").map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    return !tokens.contains("close")
  }
}

/// A request the server cannot read, with the status of the error response where one can still be sent.
enum HTTPRequestError: Error {
  /// The connection closed or failed in the middle of a request, so no response can be sent.
  case closed
  case malformed(String)
  case headersTooLarge
  case bodyTooLarge
  case unsupportedTransferEncoding(String)

  /// The status of the error response, or `nil` when the connection is gone.
  var status: Int? {
    switch self {
    case .closed: return nil
    case .malformed: return 400
    case .headersTooLarge: return 431
    case .bodyTooLarge: return 413
    case .unsupportedTransferEncoding: return 501
    }
  }

  var message: String {
    switch self {
    case .closed: return "The connection closed in the middle of a request."
    case .malformed(let reason): return "Malformed HTTP request: \(reason)."
    case .headersTooLarge:
      return "The request header block exceeds \(HTTPRequestReader.maximumHeaderBytes) bytes."
    case .bodyTooLarge:
      return "The request body exceeds \(HTTPRequestReader.maximumBodyBytes) bytes."
    case .unsupportedTransferEncoding(let coding):
      return "Transfer-Encoding \"\(coding)\" is not supported; send chunked or a Content-Length."
    }
  }
}

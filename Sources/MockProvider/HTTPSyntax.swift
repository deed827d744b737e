/// HTTP/1.1 grammar and wording the server shares between requests and responses.
enum HTTPSyntax {
  /// Returns whether `text` is an RFC 9110 token, the grammar of header names and methods.
  static func isToken(_ text: String) -> Bool {
    !text.isEmpty && text.utf8.allSatisfy { byte in
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
      default:
        return "!#$%&'*+-.^_`|~".utf8.contains(byte)
      }
    }
  }

  /// Returns the reason phrase for a status line, or a generic one for statuses without a registered phrase.
  static func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 100: return "Continue"
    case 200: return "OK"
    case 400: return "Bad Request"
    case 401: return "Unauthorized"
    case 402: return "Payment Required"
    case 403: return "Forbidden"
    case 404: return "Not Found"
    case 405: return "Method Not Allowed"
    case 408: return "Request Timeout"
    case 409: return "Conflict"
    case 413: return "Content Too Large"
    case 422: return "Unprocessable Content"
    case 429: return "Too Many Requests"
    case 431: return "Request Header Fields Too Large"
    case 500: return "Internal Server Error"
    case 501: return "Not Implemented"
    case 502: return "Bad Gateway"
    case 503: return "Service Unavailable"
    case 504: return "Gateway Timeout"
    case 400...499: return "Client Error"
    default: return "Server Error"
    }
  }

  /// Serializes the status line and header block of a response, ending with the blank line.
  static func responseHead(status: Int, headers: [MockHeader]) -> [UInt8] {
    var head = "HTTP/1.1 \(status) \(reasonPhrase(status))\r\n"
    for header in headers {
      head += "\(header.name): \(header.value)\r\n"
    }
    head += "\r\n"
    return Array(head.utf8)
  }
}

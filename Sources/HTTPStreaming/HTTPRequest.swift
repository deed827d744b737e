/// An HTTP request for an ``HTTPClient``, with the timeouts that bound its transfer.
///
/// Its `description` is safe to log: header values and URL query values print only for names on an
/// allow-list, and user information in the URL is always redacted.
public struct HTTPRequest: Sendable, CustomStringConvertible, CustomReflectable {
  public var method: HTTPMethod
  /// An absolute `http` or `https` URL.
  public var url: String
  /// Header fields, sent in this order.
  public var headers: [HTTPHeader]
  public var body: [UInt8]
  /// How long the transfer may go without receiving or sending a byte before it fails with
  /// ``HTTPClientError/timedOut(idle:)``.
  public var idleTimeout: Duration
  /// How long establishing the connection (TCP, TLS and any proxy) may take.
  public var connectTimeout: Duration

  public init(
    method: HTTPMethod = .get,
    url: String,
    headers: [HTTPHeader] = [],
    body: [UInt8] = [],
    idleTimeout: Duration = .seconds(120),
    connectTimeout: Duration = .seconds(30)
  ) {
    self.method = method
    self.url = url
    self.headers = headers
    self.body = body
    self.idleTimeout = idleTimeout
    self.connectTimeout = connectTimeout
  }

  /// URL query parameter names whose values are safe to log; every other value prints as `<redacted>`.
  public static let queryNamesSafeToLog: Set<String> = ["api-version", "beta", "stream"]

  /// The URL with user information and every query value not on ``queryNamesSafeToLog`` redacted.
  public var redactedURL: String {
    var text = Substring(url)
    var result = ""
    if let schemeEnd = text.firstRange(of: "://") {
      result += text[..<schemeEnd.upperBound]
      text = text[schemeEnd.upperBound...]
    }
    let authorityEnd = text.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
    let authority = text[..<authorityEnd]
    if let at = authority.lastIndex(of: "@") {
      result += "<redacted>@" + authority[authority.index(after: at)...]
    } else {
      result += authority
    }
    text = text[authorityEnd...]
    let fragmentStart = text.firstIndex(of: "#") ?? text.endIndex
    text = text[..<fragmentStart]
    guard let queryStart = text.firstIndex(of: "?") else {
      return result + text
    }
    result += text[...queryStart]
    let parameters = text[text.index(after: queryStart)...].split(separator: "&", omittingEmptySubsequences: false)
    result += parameters.map(HTTPRequest.redactQueryParameter).joined(separator: "&")
    return result
  }

  public var description: String {
    let headerText = headers.map(\.description).joined(separator: ", ")
    return "\(method) \(redactedURL) [\(headerText)] body: \(body.count) bytes"
  }

  public var customMirror: Mirror {
    Mirror(
      self,
      children: [
        "method": method,
        "url": redactedURL,
        "headers": headers,
        "bodyByteCount": body.count,
        "idleTimeout": idleTimeout,
        "connectTimeout": connectTimeout,
      ])
  }

  private static func redactQueryParameter(_ parameter: Substring) -> String {
    guard let equals = parameter.firstIndex(of: "=") else {
      return String(parameter)
    }
    let name = parameter[..<equals]
    guard !queryNamesSafeToLog.contains(name.lowercased()) else {
      return String(parameter)
    }
    return name + "=<redacted>"
  }
}

// MARK: - Validation

extension HTTPRequest {
  /// Throws unless the URL is an absolute http(s) URL with a host and every header can be sent as one line.
  func validate() throws(HTTPClientError) {
    let lowercased = url.lowercased()
    let schemeLength: Int
    if lowercased.hasPrefix("http://") {
      schemeLength = 7
    } else if lowercased.hasPrefix("https://") {
      schemeLength = 8
    } else {
      throw .invalidURL(redactedURL)
    }
    let afterScheme = url.utf8.dropFirst(schemeLength)
    let hasHost = afterScheme.first.map { $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "?") } ?? false
    let hasControlOrSpace = url.utf8.contains { $0 <= 0x20 || $0 == 0x7F }
    guard hasHost, !hasControlOrSpace else {
      throw .invalidURL(redactedURL)
    }
    for header in headers {
      let nameIsToken = !header.name.isEmpty && header.name.utf8.allSatisfy(HTTPRequest.isTokenByte)
      let valueIsOneLine = !header.value.utf8.contains { $0 == 0x0A || $0 == 0x0D || $0 == 0 }
      guard nameIsToken, valueIsOneLine else {
        throw .invalidHeader(name: nameIsToken ? header.name : "<invalid name>")
      }
    }
  }

  /// Reports whether `byte` may appear in a header name, that is, whether it is an RFC 9110 token character.
  private static func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      return true
    default:
      return "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
  }
}

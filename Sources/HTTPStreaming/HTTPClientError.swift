import FoundationEssentials

/// The reason an HTTP request failed. Descriptions name the failed step and never contain header values.
public enum HTTPClientError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
  /// The URL is not an absolute http(s) URL with a host. The value is the URL with credentials redacted.
  case invalidURL(String)
  /// A header name is not a token, or its value contains CR, LF or NUL.
  case invalidHeader(name: String)
  /// No connection was made because the host did not resolve, refused it, or did not accept it within the connect
  /// timeout.
  case connectionFailed(String)
  /// No byte was received or sent for the request's idle timeout.
  case timedOut(idle: Duration)
  /// The consumer cancelled the request or dropped its stream.
  case cancelled
  /// libcurl failed the transfer after connecting, for example a TLS or protocol error or a reset connection.
  case transport(code: Int, message: String)

  public var description: String {
    switch self {
    case .invalidURL(let url):
      return "Invalid request URL '\(url)': expected an absolute http:// or https:// URL with a host"
    case .invalidHeader(let name):
      return "Invalid request header '\(name)': names must be tokens and values must not contain CR, LF or NUL; "
        + "check the value for a trailing newline"
    case .connectionFailed(let message):
      return "Connection failed: \(message); check the host, port and any HTTPS_PROXY setting"
    case .timedOut(let idle):
      return "Timed out: no data received for \(HTTPClientError.format(idle)); the server stalled, retry the request"
    case .cancelled:
      return "The HTTP request was cancelled"
    case .transport(let code, let message):
      return "HTTP transfer failed (libcurl error \(code)): \(message)"
    }
  }

  public var errorDescription: String? { description }

  private static func format(_ duration: Duration) -> String {
    let milliseconds = duration / .milliseconds(1)
    guard milliseconds.truncatingRemainder(dividingBy: 1000) != 0 else {
      return "\(Int(milliseconds / 1000)) s"
    }
    return "\(Int(milliseconds)) ms"
  }
}

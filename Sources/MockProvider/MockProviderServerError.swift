/// A reason the mock provider could not start.
public enum MockProviderServerError: Error, Sendable, Equatable, CustomStringConvertible {
  /// `start()` was called on a server that is running or stopped. Create a new server instead.
  case alreadyStarted
  /// The host is not an address this machine can listen on.
  case invalidHost(host: String, reason: String)
  /// Creating, binding or listening on the socket failed, for example because the port is in use.
  case listenFailed(host: String, port: Int, reason: String)
  /// The record file could not be opened for appending.
  case recordFileFailed(path: String, reason: String)

  public var description: String {
    switch self {
    case .alreadyStarted:
      return "the mock provider server was already started; create a new server to start again"
    case .invalidHost(let host, let reason):
      return "cannot listen on host \(host): \(reason); pass an IP address such as 127.0.0.1 or ::1"
    case .listenFailed(let host, let port, let reason):
      return "cannot listen on \(host) port \(port): \(reason); pick another port or pass 0 for a free one"
    case .recordFileFailed(let path, let reason):
      return "cannot open the record file \(path) for appending: \(reason)"
    }
  }
}

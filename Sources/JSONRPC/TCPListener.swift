#if canImport(Glibc)
  import Glibc
#endif

/// A listening TCP socket on a numeric IP address (`localhost` means 127.0.0.1), so no name lookup leaves
/// the machine.
public struct TCPListener: Sendable {
  public let fileDescriptor: Int32
  /// The bound port; the one the system chose when port 0 was requested.
  public let port: Int

  /// A listener that could not be opened, with the address and the system's reason.
  public struct ListenError: Error, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var reason: String
    /// True when `host` is not a numeric IP address, false when binding or listening failed.
    public var isInvalidHost = false

    public var description: String { "Could not listen on \(host) port \(port): \(reason)" }
  }

  /// Binds and listens on `host` and `port` (0 for any free port).
  public static func listen(host: String, port: Int) throws(ListenError) -> TCPListener {
    guard (0...65535).contains(port) else {
      throw ListenError(host: host, port: port, reason: "the port must be from 0 to 65535")
    }
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST
    var addresses: UnsafeMutablePointer<addrinfo>?
    let numericHost = host == "localhost" ? "127.0.0.1" : host
    let status = getaddrinfo(numericHost, String(port), &hints, &addresses)
    guard status == 0, let first = addresses else {
      throw ListenError(
        host: host, port: port, reason: "not a numeric IP address (\(String(cString: gai_strerror(status))))",
        isInvalidHost: true)
    }
    defer { freeaddrinfo(addresses) }

    // Each address the host resolves to is tried in turn; the error names the last failure.
    var lastError: Int32 = EADDRNOTAVAIL
    var candidate: UnsafeMutablePointer<addrinfo>? = first
    while let info = candidate {
      candidate = info.pointee.ai_next
      let descriptor = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
      guard descriptor >= 0 else {
        lastError = errno
        continue
      }
      var enabled: Int32 = 1
      _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &enabled, socklen_t(MemoryLayout<Int32>.size))
      guard bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0, Glibc.listen(descriptor, 128) == 0
      else {
        lastError = errno
        Glibc.close(descriptor)
        continue
      }
      return TCPListener(fileDescriptor: descriptor, port: boundPort(descriptor) ?? port)
    }
    throw ListenError(host: host, port: port, reason: String(cString: strerror(lastError)))
  }

  /// Waits for the next client; returns its socket, or `nil` once the listener is closed.
  public func accept() -> Int32? {
    while true {
      let client = Glibc.accept(fileDescriptor, nil, nil)
      if client >= 0 {
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        var enabled: Int32 = 1
        _ = setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &enabled, socklen_t(MemoryLayout<Int32>.size))
        return client
      }
      if errno == EINTR || errno == ECONNABORTED { continue }
      return nil
    }
  }

  /// Stops accepting; a thread blocked in `accept()` returns `nil`.
  public func close() {
    shutdown(fileDescriptor, Int32(SHUT_RDWR))
    Glibc.close(fileDescriptor)
  }

  private static func boundPort(_ descriptor: Int32) -> Int? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let status = withUnsafeMutablePointer(to: &storage) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard status == 0 else { return nil }
    return withUnsafePointer(to: &storage) { pointer in
      switch Int32(pointer.pointee.ss_family) {
      case AF_INET:
        return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
      case AF_INET6:
        return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
      default:
        return nil
      }
    }
  }
}

import Glibc

/// A listening TCP socket bound to one host address.
enum SocketListener {
  /// Binds and listens on `host` and returns the socket and the bound port. The host must be an IP address or
  /// `localhost` (taken as 127.0.0.1), so no name lookup leaves the machine.
  static func listen(host: String, port: Int) throws(MockProviderServerError) -> (fileDescriptor: Int32, port: Int) {
    guard (0...65535).contains(port) else {
      throw .listenFailed(host: host, port: port, reason: "the port must be from 0 to 65535")
    }
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST
    var addresses: UnsafeMutablePointer<addrinfo>?
    let address = host == "localhost" ? "127.0.0.1" : host
    let status = getaddrinfo(address, String(port), &hints, &addresses)
    guard status == 0, let first = addresses else {
      throw .invalidHost(host: host, reason: String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(addresses) }

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
      guard bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0,
        Glibc.listen(descriptor, 128) == 0
      else {
        lastError = errno
        close(descriptor)
        continue
      }
      return (descriptor, boundPort(of: descriptor) ?? port)
    }
    throw .listenFailed(host: host, port: port, reason: errnoDescription(lastError))
  }

  private static func boundPort(of descriptor: Int32) -> Int? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let status = withUnsafeMutablePointer(to: &storage) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard status == 0 else { return nil }
    let family = Int32(storage.ss_family)
    return withUnsafePointer(to: &storage) { pointer in
      switch family {
      case AF_INET:
        return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
          Int(UInt16(bigEndian: $0.pointee.sin_port))
        }
      case AF_INET6:
        return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
          Int(UInt16(bigEndian: $0.pointee.sin6_port))
        }
      default:
        return nil
      }
    }
  }
}

import Foundation

/// Small wrappers over the socket calls the loopback server and tests share.
enum Sockets {
  @discardableResult
  static func check(_ result: Int32, _ operation: String) throws -> Int32 {
    guard result >= 0 else { throw SocketError(operation: operation, code: errno) }
    return result
  }

  static func loopbackAddress(port: UInt16) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return address
  }

  static func bind(_ socket: Int32, _ address: inout sockaddr_in) -> Int32 {
    withUnsafePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
        Foundation.bind(socket, socketAddress, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
  }

  static func boundPort(of socket: Int32) throws -> UInt16 {
    var address = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let result = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    try check(result, "getsockname")
    return UInt16(bigEndian: address.sin_port)
  }

  /// Returns a loopback port that nothing listens on: bound briefly, then released.
  static func unusedLoopbackPort() throws -> UInt16 {
    let probe = try check(socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0), "socket")
    defer { close(probe) }
    var address = loopbackAddress(port: 0)
    try check(bind(probe, &address), "bind")
    return try boundPort(of: probe)
  }
}

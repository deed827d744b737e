import Glibc

/// A failed socket operation.
enum SocketError: Error {
  /// The peer closed or reset the connection, or the server shut the socket down.
  case closed
  case failed(operation: String, code: Int32)
}

/// A connected TCP socket with blocking I/O. The code that accepted it also closes it.
struct Socket: Sendable {
  let fileDescriptor: Int32

  /// Linux's `POLLRDHUP` (peer closed its writing side), which the Glibc module does not export.
  private static let pollPeerClosed: Int16 = 0x2000

  /// Sends all of `bytes`, blocking until the kernel has taken them. `MSG_NOSIGNAL` keeps a closed peer from
  /// raising SIGPIPE.
  func send(_ bytes: [UInt8]) throws(SocketError) {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes { buffer in
        Glibc.send(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
      }
      if sent >= 0 {
        offset += sent
        continue
      }
      switch errno {
      case EINTR: continue
      case EPIPE, ECONNRESET, ENOTCONN: throw .closed
      case let code: throw .failed(operation: "send", code: code)
      }
    }
  }

  /// Receives up to `maximumCount` bytes. An empty result means the peer closed the connection.
  func receive(maximumCount: Int = 64 * 1024) throws(SocketError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: maximumCount)
    while true {
      let count = bytes.withUnsafeMutableBytes { buffer in
        recv(fileDescriptor, buffer.baseAddress!, buffer.count, 0)
      }
      if count >= 0 {
        bytes.removeSubrange(count...)
        return bytes
      }
      switch errno {
      case EINTR: continue
      case ECONNRESET, ENOTCONN: throw .closed
      case let code: throw .failed(operation: "recv", code: code)
      }
    }
  }

  /// Waits up to `milliseconds` and returns `true` as soon as the peer closes the connection or the server
  /// shuts the socket down. Data the peer sends meanwhile stays unread.
  func waitForPeerClose(milliseconds: Int) -> Bool {
    let deadline = MonotonicClock.milliseconds() + milliseconds
    while true {
      let remaining = deadline - MonotonicClock.milliseconds()
      guard remaining > 0 else { return false }
      var descriptor = pollfd(fd: fileDescriptor, events: Self.pollPeerClosed, revents: 0)
      let ready = poll(&descriptor, 1, Int32(clamping: remaining))
      if ready < 0 {
        if errno == EINTR { continue }
        return true
      }
      if ready > 0 {
        return descriptor.revents & (Self.pollPeerClosed | Int16(POLLHUP) | Int16(POLLERR) | Int16(POLLNVAL)) != 0
      }
    }
  }

  /// Reads and drops whatever arrives until the peer closes the connection or the server shuts it down.
  func discardUntilClosed() {
    while true {
      guard let bytes = try? receive(), !bytes.isEmpty else { return }
    }
  }

  /// Sets `SO_LINGER` with a zero timeout, so closing the socket sends TCP RST instead of FIN and the client
  /// sees "connection reset by peer".
  func resetOnClose() {
    var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
    _ = setsockopt(fileDescriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
  }

  /// Sets `TCP_NODELAY`, so each event leaves as soon as it is written instead of waiting for more bytes.
  func disableNagle() {
    var enabled: Int32 = 1
    _ = setsockopt(fileDescriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &enabled, socklen_t(MemoryLayout<Int32>.size))
  }
}

/// Milliseconds on a clock that never jumps, for deadlines.
enum MonotonicClock {
  static func milliseconds() -> Int {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int(spec.tv_sec) * 1000 + Int(spec.tv_nsec) / 1_000_000
  }
}

/// Returns the text of an errno value, such as "Address already in use".
func errnoDescription(_ code: Int32) -> String {
  String(cString: strerror(code))
}

/// Writes all of `bytes` to a file descriptor, retrying after interrupts. Returns `false` on an error, left in `errno`.
func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
  var offset = 0
  while offset < bytes.count {
    let written = bytes.withUnsafeBytes { buffer in
      write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
    }
    if written < 0 {
      if errno == EINTR { continue }
      return false
    }
    offset += written
  }
  return true
}

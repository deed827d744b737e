import Foundation
import Synchronization

/// One accepted connection of a `LoopbackHTTPServer`, with helpers to write a response.
final class LoopbackConnection: Sendable {
  let socket: Int32
  private let closeRequested = Atomic<Bool>(false)

  init(socket: Int32) {
    self.socket = socket
  }

  var closesAfterResponse: Bool { closeRequested.load(ordering: .relaxed) }

  /// Makes the server close the connection once the handler returns.
  func closeAfterResponse() {
    closeRequested.store(true, ordering: .relaxed)
  }

  /// Writes all of `bytes`, throwing when the peer has gone.
  func write(_ bytes: some Collection<UInt8>) throws {
    let array = Array(bytes)
    var offset = 0
    while offset < array.count {
      let sent = array.withUnsafeBytes { buffer in
        send(socket, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
      }
      if sent < 0 && errno == EINTR { continue }
      guard sent > 0 else { throw SocketError(operation: "send", code: errno) }
      offset += sent
    }
  }

  func write(_ text: String) throws {
    try write(Array(text.utf8))
  }

  /// Writes a status line and headers; without `contentLength` the body is sent with chunked encoding.
  func sendHead(status: Int, headers: [(String, String)] = [], contentLength: Int? = nil) throws {
    var head = "HTTP/1.1 \(status) \(LoopbackConnection.reasonPhrase(status))\r\n"
    for (name, value) in headers {
      head += "\(name): \(value)\r\n"
    }
    if let contentLength {
      head += "Content-Length: \(contentLength)\r\n"
    } else {
      head += "Transfer-Encoding: chunked\r\n"
    }
    try write(head + "\r\n")
  }

  /// Writes a complete response with a Content-Length body.
  func sendResponse(status: Int, headers: [(String, String)] = [], body: [UInt8]) throws {
    try sendHead(status: status, headers: headers, contentLength: body.count)
    try write(body)
  }

  func sendChunk(_ bytes: some Collection<UInt8>) throws {
    guard !bytes.isEmpty else { return }
    try write(String(bytes.count, radix: 16) + "\r\n")
    try write(bytes)
    try write("\r\n")
  }

  func sendChunk(_ text: String) throws {
    try sendChunk(Array(text.utf8))
  }

  func endChunks() throws {
    try write("0\r\n\r\n")
  }

  /// Waits until the peer closes or resets the connection and returns when that was seen, or nil on timeout.
  ///
  /// Bytes the peer sends meanwhile are discarded, and the server closes the connection afterwards.
  func waitForPeerClose(timeout: Duration) -> ContinuousClock.Instant? {
    closeAfterResponse()
    let deadline = ContinuousClock.now + timeout
    var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
    var scratch = [UInt8](repeating: 0, count: 4096)
    while ContinuousClock.now < deadline {
      let remaining = deadline - ContinuousClock.now
      let milliseconds = Int32(max(1, remaining / .milliseconds(1)))
      let ready = poll(&descriptor, 1, milliseconds)
      guard ready > 0 else { continue }
      let count = recv(socket, &scratch, scratch.count, Int32(MSG_DONTWAIT))
      if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) {
        return .now
      }
    }
    return nil
  }

  private static func reasonPhrase(_ status: Int) -> String {
    switch status {
    case 100: return "Continue"
    case 200: return "OK"
    case 400: return "Bad Request"
    case 401: return "Unauthorized"
    case 404: return "Not Found"
    case 429: return "Too Many Requests"
    case 500: return "Internal Server Error"
    case 503: return "Service Unavailable"
    default: return "Status"
    }
  }
}

/// A failed socket call and its errno.
struct SocketError: Error, CustomStringConvertible {
  let operation: String
  let code: Int32

  var description: String { "\(operation) failed: \(String(cString: strerror(code)))" }
}

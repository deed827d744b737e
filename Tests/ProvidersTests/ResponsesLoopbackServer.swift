import Foundation
import HTTPStreaming
import JSONRPC
import Synchronization
import Testing

/// An HTTP/1.1 server on 127.0.0.1 that serves one connection at a time. It records the request, sends the
/// next canned reply and closes the connection, so the body ends at the close.
final class ResponsesLoopbackServer: Sendable {
  struct Reply: Sendable {
    var status: Int
    var contentType: String
    var body: String
    /// Bytes per `send`, so the client receives the body in many small reads.
    var writeSize: Int

    static func events(_ transcript: String, writeSize: Int = 64) -> Reply {
      Reply(status: 200, contentType: "text/event-stream", body: transcript, writeSize: writeSize)
    }

    static func json(status: Int, _ body: String) -> Reply {
      Reply(status: status, contentType: "application/json", body: body, writeSize: 4096)
    }
  }

  struct Request: Sendable {
    let method: String
    let target: String
    let headers: [HTTPHeader]
    let body: [UInt8]

    func header(_ name: String) -> String? { headers.firstValue(named: name) }
    var json: JSONValue? { try? JSONParser.parse(body) }
  }

  struct SocketError: Error, CustomStringConvertible {
    var operation: String
    var code: Int32

    var description: String { "\(operation) failed with errno \(code)" }
  }

  private struct State {
    var requests: [Request] = []
    var isStopping = false
  }

  let port: UInt16
  private let listener: Int32
  /// Replies to the first requests, in order. The last reply repeats for any further request.
  private let replies: [Reply]
  private let state = Mutex(State())
  private let acceptLoopEnded = DispatchSemaphore(value: 0)

  init(replies: [Reply]) throws {
    precondition(!replies.isEmpty, "a loopback server needs at least one reply")
    self.replies = replies
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard descriptor >= 0 else { throw SocketError(operation: "socket", code: errno) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
        bind(descriptor, socketAddress, length) == 0 && listen(descriptor, 16) == 0
          && getsockname(descriptor, socketAddress, &length) == 0
      }
    }
    guard bound else {
      let code = errno
      close(descriptor)
      throw SocketError(operation: "bind", code: code)
    }
    listener = descriptor
    port = UInt16(bigEndian: address.sin_port)
    Thread { [self] in acceptConnections() }.start()
  }

  var baseURL: String { "http://127.0.0.1:\(port)" }

  var requests: [Request] { state.withLock { $0.requests } }

  /// Stops accepting and waits up to 10 s for the connection being served to finish.
  func stop() {
    state.withLock { $0.isStopping = true }
    if acceptLoopEnded.wait(timeout: .now() + 10) == .timedOut {
      Issue.record("The loopback server did not stop within 10 s")
    }
    close(listener)
  }

  private func acceptConnections() {
    defer { acceptLoopEnded.signal() }
    // Polls with a short timeout, so `stop()` is noticed within 50 ms.
    while !state.withLock({ $0.isStopping }) {
      var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, 50) > 0 else { continue }
      let client = accept(listener, nil, nil)
      guard client >= 0 else { continue }
      serve(client)
      close(client)
    }
  }

  private func serve(_ client: Int32) {
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var noDelay: Int32 = 1
    setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
    guard let request = readRequest(client) else { return }
    let index = state.withLock { state in
      state.requests.append(request)
      return state.requests.count - 1
    }
    let reply = replies[min(index, replies.count - 1)]
    let head =
      "HTTP/1.1 \(reply.status) \(reply.status == 200 ? "OK" : "Error")\r\nContent-Type: \(reply.contentType)\r\n"
      + "Connection: close\r\n\r\n"
    guard send(Array(head.utf8), to: client) else { return }
    let body = Array(reply.body.utf8)
    var start = 0
    while start < body.count {
      let end = min(start + reply.writeSize, body.count)
      guard send(Array(body[start..<end]), to: client) else { return }
      start = end
    }
  }

  /// Reads one request head and its `Content-Length` body; nil when the peer closes or a read times out.
  private func readRequest(_ client: Int32) -> Request? {
    var buffer: [UInt8] = []
    let terminator = Array("\r\n\r\n".utf8)
    var headEnd: Int?
    while headEnd == nil {
      guard buffer.count < 1 << 20, read(client, into: &buffer) else { return nil }
      headEnd = buffer.firstRange(of: terminator)?.upperBound
    }
    guard let headEnd else { return nil }
    var lines = String(decoding: buffer[..<(headEnd - 4)], as: UTF8.self).components(separatedBy: "\r\n")
    let requestLine = lines.removeFirst().split(separator: " ")
    guard requestLine.count == 3 else { return nil }
    let headers = lines.compactMap { line -> HTTPHeader? in
      guard let colon = line.firstIndex(of: ":") else { return nil }
      return HTTPHeader(
        name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    let length = headers.firstValue(named: "content-length").flatMap { Int($0) } ?? 0
    while buffer.count < headEnd + length {
      guard read(client, into: &buffer) else { return nil }
    }
    return Request(
      method: String(requestLine[0]), target: String(requestLine[1]), headers: headers,
      body: Array(buffer[headEnd..<(headEnd + length)]))
  }

  private func read(_ client: Int32, into buffer: inout [UInt8]) -> Bool {
    var chunk = [UInt8](repeating: 0, count: 16_384)
    let count = recv(client, &chunk, chunk.count, 0)
    guard count > 0 else { return false }
    buffer.append(contentsOf: chunk[..<count])
    return true
  }

  private func send(_ bytes: [UInt8], to client: Int32) -> Bool {
    var sent = 0
    while sent < bytes.count {
      let count = bytes[sent...].withUnsafeBytes { Foundation.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
      guard count > 0 else { return false }
      sent += count
    }
    return true
  }
}

import Foundation
import HTTPStreaming
import Synchronization

/// An HTTP/1.1 server on 127.0.0.1 that sends one canned response to every request and records the requests.
///
/// It serves one connection at a time and closes each after its response. The response body goes out in
/// several writes, so the client sees more than one network read.
final class AnthropicLoopbackServer: Sendable {
  struct Request: Sendable {
    let method: String
    let target: String
    let headers: [HTTPHeader]
    let body: [UInt8]
  }

  let port: UInt16
  private let listener: Int32
  private let response: [UInt8]
  private let requests = Mutex<[Request]>([])
  private let isStopping = Atomic<Bool>(false)
  private let stopped = DispatchSemaphore(value: 0)

  /// Binds a port the kernel chooses and starts serving `body` with `status`.
  init(status: Int = 200, contentType: String = "text/event-stream", body: String) throws {
    let bodyBytes = Array(body.utf8)
    let head =
      "HTTP/1.1 \(status) Loopback\r\nContent-Type: \(contentType)\r\nContent-Length: \(bodyBytes.count)\r\n"
      + "request-id: req_loopback\r\nConnection: close\r\n\r\n"
    response = Array(head.utf8) + bodyBytes

    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard listener >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
        bind(listener, socketAddress, length) == 0 && listen(listener, 16) == 0
          && getsockname(listener, socketAddress, &length) == 0
      }
    }
    guard bound else {
      let code = errno
      close(listener)
      throw POSIXError(.init(rawValue: code) ?? .EIO)
    }
    self.listener = listener
    port = UInt16(bigEndian: address.sin_port)
    Thread { [self] in serve() }.start()
  }

  var baseURL: String { "http://127.0.0.1:\(port)" }

  var recordedRequests: [Request] { requests.withLock { $0 } }

  /// Stops accepting connections and waits up to 5 s for the server thread to end.
  func stop() {
    isStopping.store(true, ordering: .relaxed)
    _ = stopped.wait(timeout: .now() + 5)
    close(listener)
  }

  /// Accepts connections until `stop()`, polling every 50 ms so the loop checks the stop flag.
  private func serve() {
    defer { stopped.signal() }
    while !isStopping.load(ordering: .relaxed) {
      var descriptor = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, 50) > 0 else { continue }
      let client = accept(listener, nil, nil)
      guard client >= 0 else { continue }
      var timeout = timeval(tv_sec: 5, tv_usec: 0)
      setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
      if let request = readRequest(client) {
        requests.withLock { $0.append(request) }
        writeResponse(client)
      }
      close(client)
    }
  }

  /// Reads the head and a Content-Length body; nil when the client closes or stalls first.
  private func readRequest(_ client: Int32) -> Request? {
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    func readMore() -> Bool {
      let count = recv(client, &chunk, chunk.count, 0)
      guard count > 0 else { return false }
      received += chunk[..<count]
      return true
    }

    let separator = Array("\r\n\r\n".utf8)
    var headEnd = received.firstRange(of: separator)
    while headEnd == nil {
      guard readMore() else { return nil }
      headEnd = received.firstRange(of: separator)
    }
    guard let headEnd else { return nil }
    let lines = String(decoding: received[..<headEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
    let requestLine = lines[0].split(separator: " ")
    guard requestLine.count == 3 else { return nil }
    let headers = lines.dropFirst().compactMap { line -> HTTPHeader? in
      guard let colon = line.firstIndex(of: ":") else { return nil }
      return HTTPHeader(
        name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    let bodyLength = headers.firstValue(named: "content-length").flatMap { Int($0) } ?? 0
    while received.count - headEnd.upperBound < bodyLength {
      guard readMore() else { return nil }
    }
    let body = Array(received[headEnd.upperBound..<(headEnd.upperBound + bodyLength)])
    return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
  }

  /// Writes the response in pieces of 97 bytes, a size that splits lines and events at varying places.
  private func writeResponse(_ client: Int32) {
    var offset = 0
    while offset < response.count {
      let end = min(offset + 97, response.count)
      let sent = response[offset..<end].withUnsafeBytes { buffer in
        send(client, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
      }
      guard sent > 0 else { return }
      offset += sent
    }
  }
}

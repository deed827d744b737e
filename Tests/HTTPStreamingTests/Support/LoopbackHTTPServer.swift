import Foundation
import HTTPStreaming
import Synchronization
import Testing

/// A minimal HTTP/1.1 server on 127.0.0.1 with an ephemeral port, running one thread per connection.
///
/// Each request is passed to the handler together with its connection; the handler writes the whole response
/// with the connection's helpers. Connections are kept alive unless the handler calls `closeAfterResponse()`.
final class LoopbackHTTPServer: Sendable {
  /// A parsed request: request line, header fields and a body read by Content-Length.
  struct Request: Sendable {
    let method: String
    let target: String
    let headers: [HTTPHeader]
    let body: [UInt8]

    func header(_ name: String) -> String? {
      headers.firstValue(named: name)
    }
  }

  typealias Handler = @Sendable (Request, LoopbackConnection) throws -> Void

  private struct State {
    var openSockets: Set<Int32> = []
    var isStopping = false
    var acceptedConnectionCount = 0
  }

  let port: UInt16
  private let listener: Int32
  private let wakeReadEnd: Int32
  private let wakeWriteEnd: Int32
  private let handler: Handler
  private let state = Mutex(State())
  private let runningThreads = DispatchGroup()

  /// Binds 127.0.0.1 on a port the kernel chooses and starts accepting connections.
  init(handler: @escaping Handler) throws {
    self.handler = handler
    listener = try Sockets.check(
      socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0), "socket")
    var reuse: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
    var address = Sockets.loopbackAddress(port: 0)
    try Sockets.check(Sockets.bind(listener, &address), "bind")
    try Sockets.check(listen(listener, 128), "listen")
    port = try Sockets.boundPort(of: listener)
    var pipeEnds: [Int32] = [0, 0]
    try Sockets.check(pipe(&pipeEnds), "pipe")
    wakeReadEnd = pipeEnds[0]
    wakeWriteEnd = pipeEnds[1]
    startThread { [self] in acceptConnections() }
  }

  /// Returns the absolute URL of `path` on this server.
  func url(_ path: String) -> String {
    "http://127.0.0.1:\(port)\(path)"
  }

  var acceptedConnectionCount: Int {
    state.withLock { $0.acceptedConnectionCount }
  }

  /// Stops accepting, shuts down open connections and waits up to 10 s for every server thread to end.
  func stop() {
    state.withLock { state in
      state.isStopping = true
      for socket in state.openSockets {
        shutdown(socket, Int32(SHUT_RDWR))
      }
    }
    var byte: UInt8 = 1
    _ = write(wakeWriteEnd, &byte, 1)
    let finished = runningThreads.wait(timeout: .now() + 10) == .success
    if !finished {
      Issue.record("Loopback server threads did not stop within 10 s")
    }
    close(listener)
    close(wakeReadEnd)
    close(wakeWriteEnd)
  }

  // MARK: - Threads

  private func startThread(_ body: @escaping @Sendable () -> Void) {
    runningThreads.enter()
    let thread = Thread { [runningThreads] in
      body()
      runningThreads.leave()
    }
    thread.start()
  }

  private func acceptConnections() {
    var descriptors = [
      pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
      pollfd(fd: wakeReadEnd, events: Int16(POLLIN), revents: 0),
    ]
    while true {
      let ready = poll(&descriptors, 2, -1)
      if ready < 0 && errno == EINTR { continue }
      guard ready > 0, descriptors[1].revents == 0 else { return }
      let client = accept(listener, nil, nil)
      guard client >= 0 else { continue }
      var noDelay: Int32 = 1
      setsockopt(client, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
      // Bounds every read, so a client that stops mid-request cannot hold a server thread forever.
      var readTimeout = timeval(tv_sec: 30, tv_usec: 0)
      setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &readTimeout, socklen_t(MemoryLayout<timeval>.size))
      let accepted = state.withLock { state -> Bool in
        guard !state.isStopping else { return false }
        state.openSockets.insert(client)
        state.acceptedConnectionCount += 1
        return true
      }
      guard accepted else {
        close(client)
        return
      }
      startThread { [self] in serve(LoopbackConnection(socket: client)) }
    }
  }

  /// Serves requests on one connection until the peer closes it, the handler requests a close, or a read fails.
  private func serve(_ connection: LoopbackConnection) {
    var reader = RequestReader(socket: connection.socket)
    while let request = reader.nextRequest() {
      do {
        try handler(request, connection)
      } catch {
        break
      }
      if connection.closesAfterResponse || request.header("connection")?.lowercased() == "close" {
        break
      }
    }
    state.withLock { state in
      state.openSockets.remove(connection.socket)
      close(connection.socket)
    }
  }
}

/// Reads HTTP/1.1 requests from a socket, keeping bytes that belong to the next request.
private struct RequestReader {
  let socket: Int32
  private var buffer: [UInt8] = []

  init(socket: Int32) {
    self.socket = socket
  }

  /// Returns the next request, or nil at end of stream, on an error or on a malformed head.
  mutating func nextRequest() -> LoopbackHTTPServer.Request? {
    let terminator: [UInt8] = Array("\r\n\r\n".utf8)
    var headEnd: Int?
    while true {
      if let range = buffer.firstRange(of: terminator) {
        headEnd = range.upperBound
        break
      }
      guard readMore() else { return nil }
    }
    guard let headEnd else { return nil }
    let head = String(decoding: buffer[..<(headEnd - 4)], as: UTF8.self)
    buffer.removeFirst(headEnd)

    var lines = head.components(separatedBy: "\r\n")
    let requestLine = lines.removeFirst().split(separator: " ")
    guard requestLine.count == 3 else { return nil }
    let headers = lines.compactMap { line -> HTTPHeader? in
      guard let colon = line.firstIndex(of: ":") else { return nil }
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      return HTTPHeader(name: String(line[..<colon]), value: value)
    }
    let contentLength = headers.firstValue(named: "content-length").flatMap { Int($0) } ?? 0
    while buffer.count < contentLength {
      guard readMore() else { return nil }
    }
    let body = Array(buffer[..<contentLength])
    buffer.removeFirst(contentLength)
    return LoopbackHTTPServer.Request(
      method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
  }

  private mutating func readMore() -> Bool {
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = recv(socket, &chunk, chunk.count, 0)
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { return false }
      buffer.append(contentsOf: chunk[..<count])
      return true
    }
  }
}

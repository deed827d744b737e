import Foundation
import Glibc
import JSONRPC

/// A failure of the test client, with what it was doing.
struct TestClientError: Error, CustomStringConvertible {
  var description: String
  var isTimeout = false
}

/// A parsed HTTP response head.
struct TestResponseHead {
  var status: Int
  var headers: [(name: String, value: String)]

  func header(_ name: String) -> String? {
    headers.first { $0.name.lowercased() == name.lowercased() }?.value
  }

  var isChunked: Bool {
    header("transfer-encoding")?.lowercased() == "chunked"
  }
}

/// A whole HTTP response.
struct TestResponse {
  var head: TestResponseHead
  var body: [UInt8]

  var status: Int { head.status }
  var text: String { String(decoding: body, as: UTF8.self) }
  var json: JSONValue? { try? JSONParser.parse(body) }

  /// The `data:` payloads of an SSE body, in order.
  var events: [String] { SSE.dataPayloads(body) }
}

/// A blocking HTTP/1.1 client on one loopback TCP connection. Every read gives up after `timeoutSeconds`.
final class TestHTTPClient {
  private let descriptor: Int32
  private var buffer: [UInt8] = []
  private var isClosed = false

  init(port: Int, timeoutSeconds: Int = 5) throws {
    descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { throw TestClientError(description: "socket() failed: errno \(errno)") }
    setReceiveTimeout(milliseconds: timeoutSeconds * 1000)

    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let status = withUnsafePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard status == 0 else {
      Glibc.close(descriptor)
      throw TestClientError(description: "connect to 127.0.0.1:\(port) failed: errno \(errno)")
    }
  }

  deinit {
    close()
  }

  func close() {
    guard !isClosed else { return }
    isClosed = true
    Glibc.close(descriptor)
  }

  /// Sets how long one read may wait before failing with "timed out".
  func setReceiveTimeout(milliseconds: Int) {
    var timeout = timeval(tv_sec: milliseconds / 1000, tv_usec: (milliseconds % 1000) * 1000)
    _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
  }

  // MARK: - Sending

  func send(_ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
      let sent = bytes.withUnsafeBytes { raw in
        Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
      }
      guard sent > 0 else { throw TestClientError(description: "send failed: errno \(errno)") }
      offset += sent
    }
  }

  func send(_ text: String) throws {
    try send(Array(text.utf8))
  }

  /// Sends a request with a `Content-Length` body.
  func sendRequest(
    method: String, path: String, headers: [String: String] = [:], body: [UInt8] = []
  ) throws {
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
      head += "\(name): \(value)\r\n"
    }
    if !body.isEmpty || method == "POST" {
      head += "Content-Length: \(body.count)\r\n"
    }
    head += "\r\n"
    try send(Array(head.utf8) + body)
  }

  /// Sends a chat request from `Fixtures.chatBody` to `/v1/chat/completions` without reading the response.
  func sendChatRequest(stream: Bool) throws {
    try sendRequest(
      method: "POST", path: "/v1/chat/completions", body: Fixtures.chatBody(stream: stream).serializedBytes())
  }

  /// Sends a POST with a JSON body and reads the whole response.
  func post(_ path: String, json: JSONValue, headers: [String: String] = [:]) throws -> TestResponse {
    var allHeaders = headers
    allHeaders["Content-Type"] = "application/json"
    try sendRequest(method: "POST", path: path, headers: allHeaders, body: json.serializedBytes())
    return try readResponse()
  }

  func get(_ path: String) throws -> TestResponse {
    try sendRequest(method: "GET", path: path)
    return try readResponse()
  }

  // MARK: - Receiving

  /// Reads a whole response, skipping `100 Continue`: by `Content-Length`, chunked to the last chunk, or to EOF.
  func readResponse() throws -> TestResponse {
    var head = try readHead()
    while head.status == 100 {
      head = try readHead()
    }
    return TestResponse(head: head, body: try readBody(after: head))
  }

  /// Reads the body that follows `head`: chunked to the last chunk, by `Content-Length`, or to EOF.
  func readBody(after head: TestResponseHead) throws -> [UInt8] {
    if head.isChunked {
      var body: [UInt8] = []
      while let chunk = try readChunk() {
        body += chunk
      }
      return body
    }
    if let length = head.header("content-length").flatMap(Int.init) {
      try fill(to: length)
      let body = Array(buffer[..<length])
      buffer.removeSubrange(..<length)
      return body
    }
    return try readToEnd()
  }

  func readHead() throws -> TestResponseHead {
    let end = try readUntil([13, 10, 13, 10])
    let text = String(decoding: buffer[..<end], as: UTF8.self)
    buffer.removeSubrange(..<(end + 4))
    var lines = text.components(separatedBy: "\r\n")
    let statusLine = lines.removeFirst().split(separator: " ")
    guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
      throw TestClientError(description: "invalid status line in \(text)")
    }
    let headers = lines.compactMap { line -> (name: String, value: String)? in
      guard let colon = line.firstIndex(of: ":") else { return nil }
      return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
    return TestResponseHead(status: status, headers: headers)
  }

  /// Reads the next chunk of a chunked body, or returns `nil` at the zero-length chunk that ends it.
  func readChunk() throws -> [UInt8]? {
    let lineEnd = try readUntil([13, 10])
    let sizeText = String(decoding: buffer[..<lineEnd], as: UTF8.self)
    buffer.removeSubrange(..<(lineEnd + 2))
    guard let size = Int(sizeText, radix: 16) else {
      throw TestClientError(description: "invalid chunk size \"\(sizeText)\"")
    }
    try fill(to: size + 2)
    let chunk = Array(buffer[..<size])
    buffer.removeSubrange(..<(size + 2))
    return size == 0 ? nil : chunk
  }

  /// Reads the chunks of a chunked body until its last chunk or until the connection breaks, and returns the
  /// bytes that arrived and whether the body ended properly.
  func readChunksUntilEnd() -> (body: [UInt8], isComplete: Bool) {
    var body: [UInt8] = []
    while true {
      do {
        guard let chunk = try readChunk() else { return (body, true) }
        body += chunk
      } catch {
        return (body, false)
      }
    }
  }

  /// Returns the bytes already buffered, or else the next bytes to arrive, or `nil` at EOF.
  func readAvailable() throws -> [UInt8]? {
    if buffer.isEmpty, try !receive() {
      return nil
    }
    defer { buffer.removeAll() }
    return buffer
  }

  /// Reads until the server closes the connection.
  func readToEnd() throws -> [UInt8] {
    while try receive() {}
    defer { buffer.removeAll() }
    return buffer
  }

  /// Waits up to `milliseconds` for more bytes and returns `true` when none came and the connection stayed open.
  func staysSilent(milliseconds: Int) throws -> Bool {
    setReceiveTimeout(milliseconds: milliseconds)
    defer { setReceiveTimeout(milliseconds: 5000) }
    do {
      _ = try receive()
      return false
    } catch let error as TestClientError where error.isTimeout {
      return true
    }
  }

  /// Reads until the connection ends and returns whether it ended with a reset (`ECONNRESET`) rather than an
  /// orderly close. Throws when it stays open past the read timeout.
  func readUntilConnectionEnds() throws -> (bytes: [UInt8], wasReset: Bool) {
    var bytes = buffer
    buffer.removeAll()
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
      let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
      if count > 0 {
        bytes += chunk[..<count]
        continue
      }
      if count == 0 { return (bytes, false) }
      if errno == ECONNRESET { return (bytes, true) }
      throw TestClientError(description: "recv failed or timed out: errno \(errno)", isTimeout: errno == EAGAIN)
    }
  }

  /// Waits for the server to close the connection and returns `false` if it did not within the read timeout.
  func waitForClose() -> Bool {
    do {
      while try receive() {}
      return true
    } catch {
      return false
    }
  }

  // MARK: - Buffering

  private func readUntil(_ pattern: [UInt8]) throws -> Int {
    var searchStart = 0
    while true {
      if buffer.count >= pattern.count {
        for index in searchStart...(buffer.count - pattern.count)
        where buffer[index..<(index + pattern.count)].elementsEqual(pattern) {
          return index
        }
        searchStart = buffer.count - pattern.count + 1
      }
      guard try receive() else {
        throw TestClientError(description: "connection closed before \(pattern) arrived; buffered: \(bufferedText)")
      }
    }
  }

  private func fill(to count: Int) throws {
    while buffer.count < count {
      guard try receive() else {
        throw TestClientError(description: "connection closed with \(buffer.count) of \(count) bytes")
      }
    }
  }

  /// Receives once into the buffer and returns `false` at EOF.
  private func receive() throws -> Bool {
    var bytes = [UInt8](repeating: 0, count: 16 * 1024)
    let count = bytes.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress!, $0.count, 0) }
    if count < 0 {
      if errno == EAGAIN || errno == EWOULDBLOCK {
        throw TestClientError(description: "timed out waiting for data; buffered: \(bufferedText)", isTimeout: true)
      }
      if errno == ECONNRESET { return false }
      throw TestClientError(description: "recv failed: errno \(errno)")
    }
    buffer.append(contentsOf: bytes[..<count])
    return count > 0
  }

  private var bufferedText: String {
    String(decoding: buffer.prefix(300), as: UTF8.self)
  }
}

/// Splits SSE bodies into events the way a data-only client does.
enum SSE {
  /// Returns the `data:` payload of each blank-line-terminated event.
  static func dataPayloads(_ bytes: [UInt8]) -> [String] {
    String(decoding: bytes, as: UTF8.self).components(separatedBy: "\n\n").compactMap { event in
      guard event.hasPrefix("data: ") else { return nil }
      return String(event.dropFirst("data: ".count))
    }
  }

  /// Returns the non-empty `delta.content` strings of the chunks among `payloads`, in order.
  static func content(_ payloads: [String]) -> [String] {
    payloads.compactMap { payload in
      guard let chunk = try? JSONParser.parse(payload) else { return nil }
      return chunk["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue
    }.filter { !$0.isEmpty }
  }
}

extension SSE {
  /// Returns the JSON chunks among `payloads`, leaving out `[DONE]` and anything else that is not JSON.
  static func chunks(_ payloads: [String]) -> [JSONValue] {
    payloads.compactMap { try? JSONParser.parse($0) }
  }

  /// Returns the `delta` of the first choice of `chunk`, or `nil` for a chunk without choices.
  static func delta(_ chunk: JSONValue) -> JSONValue? {
    chunk["choices"]?.arrayValue?.first?["delta"]
  }

  /// Returns the `delta.tool_calls` fragments of each chunk that has any, one array per chunk, in order.
  static func toolCallFragments(_ payloads: [String]) -> [[JSONValue]] {
    chunks(payloads).compactMap { chunk in
      guard let fragments = delta(chunk)?["tool_calls"]?.arrayValue else { return nil }
      return fragments
    }
  }
}

import Foundation

/// Reads successive requests from one keep-alive connection, keeping bytes that arrive early for the next one.
struct HTTPRequestReader {
  static let maximumHeaderBytes = 64 * 1024
  static let maximumBodyBytes = 32 * 1024 * 1024

  private let socket: Socket
  private var buffer: [UInt8] = []

  init(socket: Socket) {
    self.socket = socket
  }

  /// Reads the next request, or returns `nil` when the peer closes the connection between requests.
  ///
  /// Sends `100 Continue` when the client asks for it, since libcurl otherwise waits a second before
  /// sending a large body.
  mutating func nextRequest() throws(HTTPRequestError) -> HTTPRequest? {
    guard let headEnd = try readHead() else { return nil }
    var request = try Self.parseHead(buffer[..<headEnd])
    buffer.removeSubrange(..<(headEnd + 4))

    if let transferEncoding = request.headerValue("transfer-encoding") {
      let coding = transferEncoding.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
      guard coding.lowercased() == "chunked" else { throw .unsupportedTransferEncoding(transferEncoding) }
      try sendContinueIfExpected(request, bodyLength: nil)
      request.body = try readChunkedBody()
    } else if let lengthText = request.headerValue("content-length") {
      guard lengthText.allSatisfy(\.isASCIIDigit), let length = Int(lengthText) else {
        throw .malformed("invalid Content-Length \"\(lengthText)\"")
      }
      guard length <= Self.maximumBodyBytes else { throw .bodyTooLarge }
      try sendContinueIfExpected(request, bodyLength: length)
      try fill(to: length)
      request.body = Array(buffer[..<length])
      buffer.removeSubrange(..<length)
    }
    return request
  }

  // MARK: - Head

  /// Receives until the buffer holds a whole header block and returns the offset of its final CRLF CRLF.
  private mutating func readHead() throws(HTTPRequestError) -> Int? {
    var searchStart = 0
    while true {
      if let end = Self.find([13, 10, 13, 10], in: buffer, from: searchStart) {
        return end
      }
      guard buffer.count <= Self.maximumHeaderBytes else { throw .headersTooLarge }
      searchStart = max(0, buffer.count - 3)
      let received = try receive()
      if received.isEmpty {
        if buffer.isEmpty { return nil }
        throw .closed
      }
      buffer.append(contentsOf: received)
    }
  }

  private static func parseHead(_ bytes: ArraySlice<UInt8>) throws(HTTPRequestError) -> HTTPRequest {
    guard let text = String(validating: bytes, as: UTF8.self) else {
      throw .malformed("the header block is not valid UTF-8")
    }
    var lines = text.components(separatedBy: "\r\n")
    let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
    guard requestLine.count == 3, HTTPSyntax.isToken(String(requestLine[0])), requestLine[1].hasPrefix("/"),
      requestLine[2] == "HTTP/1.1" || requestLine[2] == "HTTP/1.0"
    else {
      throw .malformed("the request line is not \"METHOD /path HTTP/1.1\"")
    }

    var headers: [MockHeader] = []
    for line in lines {
      guard let colon = line.firstIndex(of: ":"), HTTPSyntax.isToken(String(line[..<colon])) else {
        throw .malformed("invalid header line \"\(line.prefix(80))\"")
      }
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
      headers.append(MockHeader(name: String(line[..<colon]), value: value))
    }
    return HTTPRequest(
      method: String(requestLine[0]), target: String(requestLine[1]), version: String(requestLine[2]),
      headers: headers, body: [])
  }

  private func sendContinueIfExpected(_ request: HTTPRequest, bodyLength: Int?) throws(HTTPRequestError) {
    guard request.headerValue("expect")?.lowercased() == "100-continue" else { return }
    if let bodyLength, buffer.count >= bodyLength { return }
    do {
      try socket.send(HTTPSyntax.responseHead(status: 100, headers: []))
    } catch {
      throw .closed
    }
  }

  // MARK: - Body

  private mutating func readChunkedBody() throws(HTTPRequestError) -> [UInt8] {
    var body: [UInt8] = []
    while true {
      let sizeLine = try readLine()
      let sizeText = sizeLine.prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
      guard !sizeText.isEmpty, sizeText.count <= 8, let size = Int(sizeText, radix: 16) else {
        throw .malformed("invalid chunk size \"\(sizeLine.prefix(20))\"")
      }
      if size == 0 {
        while try !readLine().isEmpty {}
        return body
      }
      guard body.count + size <= Self.maximumBodyBytes else { throw .bodyTooLarge }
      try fill(to: size + 2)
      guard buffer[size] == 13, buffer[size + 1] == 10 else {
        throw .malformed("a chunk is not followed by CRLF")
      }
      body.append(contentsOf: buffer[..<size])
      buffer.removeSubrange(..<(size + 2))
    }
  }

  /// Reads one CRLF-terminated line of chunked framing, without the CRLF.
  private mutating func readLine() throws(HTTPRequestError) -> String {
    var searchStart = 0
    while true {
      if let end = Self.find([13, 10], in: buffer, from: searchStart) {
        let line = String(decoding: buffer[..<end], as: UTF8.self)
        buffer.removeSubrange(..<(end + 2))
        return line
      }
      guard buffer.count <= Self.maximumHeaderBytes else { throw .headersTooLarge }
      searchStart = max(0, buffer.count - 1)
      let received = try receive()
      guard !received.isEmpty else { throw .closed }
      buffer.append(contentsOf: received)
    }
  }

  private mutating func fill(to count: Int) throws(HTTPRequestError) {
    while buffer.count < count {
      let received = try receive()
      guard !received.isEmpty else { throw .closed }
      buffer.append(contentsOf: received)
    }
  }

  private func receive() throws(HTTPRequestError) -> [UInt8] {
    do {
      return try socket.receive()
    } catch {
      throw .closed
    }
  }

  private static func find(_ pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
    guard bytes.count >= pattern.count, start <= bytes.count - pattern.count else { return nil }
    for index in start...(bytes.count - pattern.count) where bytes[index] == pattern[0] {
      if bytes[index..<(index + pattern.count)].elementsEqual(pattern) {
        return index
      }
    }
    return nil
  }
}

extension Character {
  fileprivate var isASCIIDigit: Bool {
    isASCII && isNumber
  }
}

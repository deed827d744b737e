import BYOKLogging
import Foundation
import Testing

@testable import HTTPStreaming

/// Requests, statuses and failures of `CurlHTTPClient` against a real HTTP/1.1 server on 127.0.0.1.
@Suite(.timeLimit(.minutes(1)))
struct CurlHTTPClientRequestTests {
  @Test(arguments: [400, 401, 404, 429, 500, 503])
  func errorStatusBodyIsReadWhole(status: Int) async throws {
    let body = Array("{\"error\":{\"message\":\"status \(status)\",\"type\":\"test_error\"}}".utf8)
    let server = try LoopbackHTTPServer { _, connection in
      try connection.sendResponse(
        status: status, headers: [("Content-Type", "application/json"), ("Retry-After", "7")], body: body)
    }
    defer { server.stop() }
    let client = CurlHTTPClient()

    let response = try await client.send(HTTPRequest(method: .post, url: server.url("/v1/chat"), body: [0x7B, 0x7D]))

    #expect(response.status == status)
    #expect(response.body == body)
    #expect(response.value(forHeader: "retry-after") == "7")
  }

  @Test func getReturnsWholeBody() async throws {
    let body = Array(String(repeating: "{\"id\":\"model\"},", count: 10_000).utf8)
    let server = try LoopbackHTTPServer { request, connection in
      let status = request.method == "GET" ? 200 : 405
      try connection.sendResponse(status: status, headers: [("Content-Type", "application/json")], body: body)
    }
    defer { server.stop() }
    let client = CurlHTTPClient()

    let response = try await client.send(HTTPRequest(url: server.url("/v1/models")))

    #expect(response.status == 200)
    #expect(response.body == body)
  }

  @Test func twoMegabyteRequestBodyArrivesIntact() async throws {
    var generator = SplitMix64(seed: 42)
    let body = (0..<(2 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let server = try LoopbackHTTPServer { request, connection in
      try connection.sendResponse(
        status: 200, headers: [("Content-Type", "application/octet-stream")], body: request.body)
    }
    defer { server.stop() }
    let client = CurlHTTPClient()
    let request = HTTPRequest(
      method: .post, url: server.url("/echo"),
      headers: [HTTPHeader(name: "Content-Type", value: "application/octet-stream")], body: body)

    let response = try await client.send(request)

    #expect(response.status == 200)
    #expect(response.body.count == body.count)
    #expect(response.body == body)
  }

  @Test func requestHeadersReachServer() async throws {
    let server = try LoopbackHTTPServer { request, connection in
      let lines = request.headers.map { "\($0.name.lowercased()): \($0.value)\n" }.joined()
      try connection.sendResponse(status: 200, body: Array(("\(request.method)\n" + lines).utf8))
    }
    defer { server.stop() }
    let client = CurlHTTPClient()
    let request = HTTPRequest(
      method: .put, url: server.url("/headers"),
      headers: [
        HTTPHeader(name: "Authorization", value: "Bearer sk-test-123"),
        HTTPHeader(name: "Content-Type", value: "application/json"),
        HTTPHeader(name: "X-Empty", value: ""),
      ],
      body: Array("{}".utf8))

    let response = try await client.send(request)

    let lines = String(decoding: response.body, as: UTF8.self).split(separator: "\n").map(String.init)
    #expect(lines.first == "PUT")
    #expect(lines.contains("authorization: Bearer sk-test-123"))
    #expect(lines.contains("content-type: application/json"))
    #expect(lines.contains("x-empty: "))
    #expect(!lines.contains { $0.hasPrefix("expect:") })
  }

  @Test func interimResponsesAreSkipped() async throws {
    let server = try LoopbackHTTPServer { _, connection in
      try connection.write("HTTP/1.1 100 Continue\r\n\r\n")
      try connection.write("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n")
      try connection.sendResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array("ok".utf8))
    }
    defer { server.stop() }
    let client = CurlHTTPClient()

    let events = try await client.stream(HTTPRequest(url: server.url("/interim"))).collectEvents()

    #expect(events.startsWithResponse)
    #expect(events.responseStatuses == [200])
    #expect(events.responseHeaders.firstValue(named: "link") == nil)
    #expect(events.responseHeaders.firstValue(named: "content-type") == "text/plain")
    #expect(events.bodyBytes == Array("ok".utf8))
  }

  @Test func sequentialRequestsReuseConnection() async throws {
    let server = try LoopbackHTTPServer { request, connection in
      try connection.sendResponse(status: 200, body: Array(request.target.utf8))
    }
    defer { server.stop() }
    let client = CurlHTTPClient()

    for index in 0..<3 {
      let response = try await client.send(HTTPRequest(url: server.url("/\(index)")))
      #expect(response.body == Array("/\(index)".utf8))
    }

    #expect(server.acceptedConnectionCount == 1)
  }

  @Test func refusedConnectionFailsWithConnectionFailed() async throws {
    let port = try Sockets.unusedLoopbackPort()
    let client = CurlHTTPClient()

    let error = await #expect(throws: HTTPClientError.self) {
      _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(port)/v1/models"))
    }

    guard case .connectionFailed(let message) = error else {
      Issue.record("Expected connectionFailed, got \(String(describing: error))")
      return
    }
    #expect(message.contains("\(port)"))
  }

  @Test(arguments: ["", "ftp://127.0.0.1/x", "http://", "https:///path", "127.0.0.1:8080/v1", "http://local host/"])
  func invalidURLFailsBeforeConnecting(url: String) async throws {
    let client = CurlHTTPClient()

    let error = await #expect(throws: HTTPClientError.self) {
      _ = try await client.send(HTTPRequest(url: url))
    }

    guard case .invalidURL = error else {
      Issue.record("Expected invalidURL for '\(url)', got \(String(describing: error))")
      return
    }
  }

  @Test(arguments: [
    HTTPHeader(name: "Authorization", value: "Bearer sk-abc\n"),
    HTTPHeader(name: "X-Api-Key", value: "sk-abc\r\nInjected: yes"),
    HTTPHeader(name: "Bad Name", value: "value"),
    HTTPHeader(name: "", value: "value"),
  ])
  func invalidHeaderFailsBeforeConnecting(header: HTTPHeader) async throws {
    let client = CurlHTTPClient()
    let request = HTTPRequest(url: "http://127.0.0.1:9/", headers: [header])

    let error = await #expect(throws: HTTPClientError.self) {
      _ = try await client.send(request)
    }

    guard case .invalidHeader = error else {
      Issue.record("Expected invalidHeader, got \(String(describing: error))")
      return
    }
    #expect(!String(describing: error).contains("sk-abc"))
  }

  @Test func secretsStayOutOfLogsAndErrors() async throws {
    let sink = InMemoryLogSink()
    let logger = Logger(subsystem: "http-test", configuration: LogConfiguration(level: .debug, sink: sink))
    let server = try LoopbackHTTPServer { _, connection in
      try connection.sendResponse(status: 401, body: Array("{\"error\":\"invalid key\"}".utf8))
    }
    defer { server.stop() }
    let client = CurlHTTPClient(logger: logger)
    let headers = [
      HTTPHeader(name: "Authorization", value: "Bearer sk-secret-1"),
      HTTPHeader(name: "x-api-key", value: "sk-secret-2"),
      HTTPHeader(name: "api-key", value: "sk-secret-3"),
      HTTPHeader(name: "Content-Type", value: "application/json"),
    ]
    let refusedPort = try Sockets.unusedLoopbackPort()

    let response = try await client.send(HTTPRequest(url: server.url("/v1?key=sk-secret-4"), headers: headers))
    let error = await #expect(throws: HTTPClientError.self) {
      _ = try await client.send(HTTPRequest(url: "http://127.0.0.1:\(refusedPort)/?key=sk-secret-5", headers: headers))
    }

    let log = sink.lines.joined(separator: "\n")
    #expect(response.status == 401)
    #expect(log.contains("HTTP request started"))
    #expect(log.contains("Content-Type: application/json"))
    #expect(!log.contains("sk-secret"))
    #expect(!String(describing: error).contains("sk-secret"))
  }

  @Test func releasedClientStopsItsThread() async throws {
    let server = try LoopbackHTTPServer { _, connection in
      try connection.sendResponse(status: 200, body: Array("ok".utf8))
    }
    defer { server.stop() }
    weak var engine: CurlEngine?

    do {
      let client = CurlHTTPClient()
      engine = client.engine
      _ = try await client.send(HTTPRequest(url: server.url("/")))
    }
    for _ in 0..<200 where engine != nil {
      try await Task.sleep(for: .milliseconds(10))
    }

    #expect(engine == nil)
  }
}

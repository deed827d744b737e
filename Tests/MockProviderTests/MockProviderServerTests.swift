import Foundation
import Glibc
import JSONRPC
import MockProvider
import Testing

@Suite struct MockProviderServerTests {
  @Test func nonStreamingCompletion() throws {
    let server = try Fixtures.startServer(
      #"{"model": "mock-1", "replies": [{"text": "Hello there!", "finishReason": "length"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: false))
    let json = try #require(response.json)
    let choice = try #require(json["choices"]?.arrayValue?.first)

    #expect(response.status == 200)
    #expect(response.head.header("content-type") == "application/json")
    #expect(json["object"] == "chat.completion")
    #expect(json["model"] == "mock-1")
    #expect(choice["message"]?["role"] == "assistant")
    #expect(choice["message"]?["content"] == "Hello there!")
    #expect(choice["finish_reason"] == "length")
    #expect(json["usage"]?["completion_tokens"] == 2)
    #expect(response.head.header("x-request-id") == "req_mock_1")
  }

  @Test func errorReplyStatusHeadersBody() throws {
    let server = try Fixtures.startServer(
      #"""
      {"replies": [
        {"status": 429, "headers": {"retry-after": "1"},
         "body": {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}}},
        {"status": 502, "body": "<html>Bad gateway</html>"},
        {"status": 503}
      ]}
      """#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let rateLimited = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))
    let proxyError = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))
    let defaultBody = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: false))

    #expect(rateLimited.status == 429)
    #expect(rateLimited.head.header("retry-after") == "1")
    #expect(rateLimited.json?["error"]?["code"] == "rate_limit_exceeded")
    #expect(proxyError.status == 502)
    #expect(proxyError.head.header("content-type")?.hasPrefix("text/plain") == true)
    #expect(proxyError.text == "<html>Bad gateway</html>")
    #expect(defaultBody.status == 503)
    #expect(defaultBody.json?["error"]?["type"] == "server_error")
    #expect(defaultBody.json?["error"]?["message"]?.stringValue?.contains("503") == true)
  }

  @Test func expectMismatchGives400() throws {
    let server = try Fixtures.startServer(
      #"{"replies": [{"text": "ok", "expect": {"messagesContain": ["Be brief.", "weather in Paris"]}}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post("/v1/chat/completions", json: Fixtures.chatBody("Say hello", stream: true))
    let message = response.json?["error"]?["message"]?.stringValue ?? ""

    #expect(response.status == 400)
    #expect(message.contains("\"weather in Paris\""))
    #expect(!message.contains("\"Be brief.\""))
    #expect(response.json?["error"]?["code"] == "mock_expectation_failed")
  }

  @Test func expectMatchReturnsReply() throws {
    let server = try Fixtures.startServer(
      #"{"replies": [{"text": "Sunny", "expect": {"messagesContain": ["weather in Paris"]}}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    var body = Fixtures.chatBody(stream: false).objectValue!
    body["messages"] = [["role": "user", "content": [["type": "text", "text": "What is the weather in Paris?"]]]]

    let response = try client.post("/v1/chat/completions", json: .object(body))

    #expect(response.status == 200)
    #expect(response.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "Sunny")
  }

  @Test func afterLastRepeatReusesLastReply() throws {
    let server = try Fixtures.startServer(
      #"{"afterLast": "repeat", "replies": [{"text": "first"}, {"text": "second"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let contents = try (0..<3).map { _ in
      try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: false))
        .json?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue
    }

    #expect(contents == ["first", "second", "second"])
  }

  @Test func afterLastErrorReturns500() throws {
    let server = try Fixtures.startServer(#"{"afterLast": "error", "replies": [{"text": "only"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let first = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))
    let second = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))

    #expect(first.status == 200)
    #expect(second.status == 500)
    #expect(second.json?["error"]?["code"] == "mock_script_exhausted")
    #expect(second.json?["error"]?["message"]?.stringValue?.contains("afterLast") == true)
  }

  @Test func afterLastDefaultsToError() throws {
    let script = try MockScript.parse(bytes: Array(#"{"replies": [{"text": "x"}]}"#.utf8), source: "test")

    #expect(script.afterLast == .error)
  }

  @Test func keepAliveServesTwoRequests() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "one"}, {"text": "two"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let streamed = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))
    let whole = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: false))
    let connections = server.requests.map(\.connection)

    #expect(SSE.content(streamed.events) == ["one"])
    #expect(whole.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "two")
    #expect(connections.count == 2)
    #expect(Set(connections).count == 1)
  }

  @Test func connectionCloseRequestIsHonored() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "one"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    try client.sendRequest(
      method: "POST", path: "/v1/chat/completions", headers: ["Connection": "close"],
      body: Fixtures.chatBody(stream: true).serializedBytes())
    let response = try client.readResponse()

    #expect(response.head.header("connection") == "close")
    #expect(SSE.content(response.events) == ["one"])
    #expect(client.waitForClose())
  }

  @Test func modelsListsScriptModel() throws {
    let server = try Fixtures.startServer(#"{"model": "mock-large", "replies": [{"text": "x"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.get("/v1/models")
    let models = response.json?["data"]?.arrayValue ?? []

    #expect(response.status == 200)
    #expect(response.json?["object"] == "list")
    #expect(models.count == 1)
    #expect(models.first?["id"] == "mock-large")
    #expect(models.first?["object"] == "model")
  }

  @Test func unknownRouteGives404() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "x"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.get("/v1/responses")

    #expect(response.status == 404)
    #expect(response.json?["error"]?["type"] == "invalid_request_error")
    #expect(response.json?["error"]?["message"]?.stringValue?.contains("/v1/responses") == true)
  }

  @Test func invalidBodyGives400WithoutUsingReply() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "kept"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    try client.sendRequest(method: "POST", path: "/v1/chat/completions", body: Array("not json".utf8))
    let invalid = try client.readResponse()
    let noMessages = try client.post("/v1/chat/completions", json: ["model": "m", "messages": []])
    let valid = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: false))

    #expect(invalid.status == 400)
    #expect(noMessages.status == 400)
    #expect(noMessages.json?["error"]?["param"] == "messages")
    #expect(valid.json?["choices"]?.arrayValue?.first?["message"]?["content"] == "kept")
    #expect(server.requests.first?.body == nil)
    #expect(server.requests.first?.rawBody == Array("not json".utf8))
  }

  @Test func chunkedRequestBodyIsDecoded() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "ok"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    let body = Fixtures.chatBody(stream: false).serializedBytes()
    let half = body.count / 2

    try client.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "\(String(half, radix: 16))\r\n")
    try client.send(Array(body[..<half]) + Array("\r\n\(String(body.count - half, radix: 16));ext=1\r\n".utf8))
    try client.send(Array(body[half...]) + Array("\r\n0\r\n\r\n".utf8))
    let response = try client.readResponse()

    #expect(response.status == 200)
    #expect(server.requests.first?.body == Fixtures.chatBody(stream: false))
  }

  @Test func expectContinueGets100() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "ok"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    let body = Fixtures.chatBody(stream: false).serializedBytes()

    try client.send(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: \(body.count)\r\n\r\n")
    let interim = try client.readHead()
    try client.send(body)
    let response = try client.readResponse()

    #expect(interim.status == 100)
    #expect(response.status == 200)
  }

  @Test func recordFileHasOneLinePerRequest() async throws {
    let recordURL = Fixtures.temporaryFile("requests.jsonl")
    defer { try? FileManager.default.removeItem(at: recordURL) }
    let server = try Fixtures.startServer(#"{"replies": [{"text": "a"}, {"text": "b"}]}"#, recordURL: recordURL)
    let client = try TestHTTPClient(port: server.boundPort)

    _ = try client.post(
      "/v1/chat/completions?api-version=1", json: Fixtures.chatBody(stream: true),
      headers: ["Authorization": "Bearer sk-test-123"])
    _ = try client.get("/v1/models")
    let arrived = await server.waitForRequests(2, timeout: .seconds(5))
    server.stop()
    let lines = try String(contentsOf: recordURL, encoding: .utf8).split(separator: "\n")
      .map { try JSONParser.parse(String($0)) }
    var status = stat()
    stat(recordURL.path, &status)

    #expect(arrived)
    #expect(lines.count == 2)
    #expect(lines.first?["method"] == "POST")
    #expect(lines.first?["path"] == "/v1/chat/completions?api-version=1")
    #expect(lines.first?["headers"]?["Authorization"] == "Bearer sk-test-123")
    #expect(lines.first?["body"] == Fixtures.chatBody(stream: true))
    #expect(lines.last?["method"] == "GET")
    #expect(lines.last?["body"] == .null)
    #expect(status.st_mode & 0o777 == 0o600)
    #expect(server.requests.first?.headerValue("authorization") == "Bearer sk-test-123")
  }

  @Test func waitForRequestsTimesOut() async throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "a"}]}"#)
    defer { server.stop() }

    #expect(await !server.waitForRequests(1, timeout: .milliseconds(100)))
  }

  @Test func blockingWaitTimesOut() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "a"}]}"#)
    defer { server.stop() }

    #expect(!server.waitForRequests(1, timeout: .milliseconds(100)))
  }

  @Test func asyncWaitSeesRequest() async throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "a"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    _ = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: false))

    #expect(await server.waitForRequests(1, timeout: .seconds(5)))
    #expect(await !server.waitForClientCloses(1, timeout: .milliseconds(50)))
  }

  @Test func startTwiceFails() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "a"}]}"#)
    defer { server.stop() }

    #expect(throws: MockProviderServerError.alreadyStarted) { try server.start() }
  }

  @Test func portInUseFails() throws {
    let first = try Fixtures.startServer(#"{"replies": [{"text": "a"}]}"#)
    defer { first.stop() }
    let second = MockProviderServer(script: first.script, port: first.boundPort)

    #expect(throws: MockProviderServerError.self) { try second.start() }
  }

  @Test func stopClosesIdleConnections() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "a"}]}"#)
    let client = try TestHTTPClient(port: server.boundPort)
    _ = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: false))

    server.stop()

    #expect(client.waitForClose())
    #expect((try? TestHTTPClient(port: server.boundPort)) == nil)
  }
}

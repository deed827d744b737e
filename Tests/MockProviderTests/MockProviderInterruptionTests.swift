import Foundation
import JSONRPC
import MockProvider
import Testing

@Suite struct MockProviderInterruptionTests {
  @Test func stallHoldsUntilStop() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "one two three", "stallAfterChunks": 1}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    try client.sendChatRequest(stream: true)
    let head = try client.readHead()
    let roleChunk = try client.readChunk()
    let contentChunk = try #require(try client.readChunk())
    let silent = try client.staysSilent(milliseconds: 400)
    let stopStart = ContinuousClock.now
    server.stop()
    let stopDuration = ContinuousClock.now - stopStart

    #expect(head.status == 200)
    #expect(roleChunk != nil)
    #expect(SSE.content(SSE.dataPayloads(contentChunk)) == ["one "])
    #expect(silent)
    #expect(client.waitForClose())
    #expect(stopDuration < .seconds(2))
    #expect(server.clientCloses.isEmpty)
  }

  @Test func stallWithoutStreamSendsNothing() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "one two", "stallAfterChunks": 0}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    try client.sendChatRequest(stream: false)

    #expect(try client.staysSilent(milliseconds: 300))
  }

  @Test func truncateClosesWithoutDone() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "one two three", "truncateAfterChunks": 2}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    try client.sendChatRequest(stream: true)
    let head = try client.readHead()
    var body: [UInt8] = []
    var sawLastChunk = false
    var chunkError: (any Error)?
    for _ in 0..<10 {
      do {
        guard let chunk = try client.readChunk() else {
          sawLastChunk = true
          break
        }
        body += chunk
      } catch {
        chunkError = error
        break
      }
    }
    let events = SSE.dataPayloads(body)

    #expect(head.status == 200)
    #expect(SSE.content(events) == ["one ", "two "])
    #expect(!events.contains("[DONE]"))
    #expect(!events.contains { $0.contains("finish_reason\":\"stop") })
    #expect(!sawLastChunk)
    #expect(chunkError != nil)
  }

  @Test func midStreamErrorEvent() throws {
    let server = try Fixtures.startServer(
      #"""
      {"replies": [{"text": "The answer is", "errorAfterChunks": 1,
                    "error": {"message": "Boom", "type": "server_error"}}]}
      """#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))
    let events = response.events
    let error = try #require(events.last.flatMap { try? JSONParser.parse($0) }?["error"])

    #expect(response.status == 200)
    #expect(SSE.content(events) == ["The "])
    #expect(error["message"] == "Boom")
    #expect(error["type"] == "server_error")
    #expect(error["param"] == .null)
    #expect(error["code"] == .null)
    #expect(!events.contains("[DONE]"))
  }

  @Test func midStreamErrorWithoutStreamIs500() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"errorAfterChunks": 0}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: false))

    #expect(response.status == 500)
    #expect(response.json?["error"]?["type"] == "server_error")
  }

  @Test func clientCloseDuringDelayIsRecorded() async throws {
    let recordURL = Fixtures.temporaryFile("close.jsonl")
    defer { try? FileManager.default.removeItem(at: recordURL) }
    let server = try Fixtures.startServer(
      #"{"replies": [{"chunks": ["a", "b", "c", "d"], "delayMs": 300}]}"#, recordURL: recordURL)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    try client.sendChatRequest(stream: true)
    _ = try client.readHead()
    _ = try client.readChunk()
    client.close()
    let recorded = await server.waitForClientCloses(1, timeout: .seconds(5))
    server.stop()
    let lines = try String(contentsOf: recordURL, encoding: .utf8).split(separator: "\n")
      .compactMap { try? JSONParser.parse(String($0)) }
    let closeLine = try #require(lines.first { $0["event"] != nil })

    #expect(recorded)
    #expect(server.clientCloses.first?.connection == server.requests.first?.connection)
    #expect(server.clientCloses.first?.request == 1)
    #expect(closeLine["event"] == "client_closed")
    #expect(closeLine["connection"]?.intValue == server.requests.first?.connection)
    #expect(closeLine["time"]?.stringValue?.isEmpty == false)
  }

  @Test func clientCloseDuringStallIsRecorded() async throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "one two", "stallAfterChunks": 1}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    try client.sendChatRequest(stream: true)
    _ = try client.readHead()
    _ = try client.readChunk()
    _ = try client.readChunk()
    client.close()

    #expect(await server.waitForClientCloses(1, timeout: .seconds(5)))
  }
}

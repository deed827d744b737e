import JSONRPC
import MockProvider
import Testing

/// How streamed bytes reach the client: line endings, writes that split events, and connection resets.
@Suite struct MockProviderTransportTests {
  @Test(arguments: ["crlf", "cr"])
  func lineEndingKeepsEvents(_ ending: String) throws {
    let response = try WireRequests.stream(
      #"{"lineEnding": "\#(ending)", "replies": [{"text": "Hello there!"}]}"#, path: WireRequests.messagesPath,
      body: WireRequests.anthropicBody())
    let server = try Fixtures.startServer(#"{"lineEnding": "\#(ending)", "replies": [{"text": "Hi"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    try client.sendChatRequest(stream: true)
    let raw = try client.readResponse().text

    #expect(response.names.first == "message_start")
    #expect(response.names.last == "message_stop")
    #expect(raw.contains(ending == "crlf" ? "[DONE]\r\n\r\n" : "[DONE]\r\r"))
    #expect(!raw.replacing("\r\n", with: "").contains("\n"))
  }

  @Test func writeSizeSplitsEvents() throws {
    let server = try Fixtures.startServer(#"{"writeSize": 7, "replies": [{"text": "Grüße, Welt!"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    try client.sendChatRequest(stream: true)
    _ = try client.readHead()
    var chunkSizes: [Int] = []
    var body: [UInt8] = []
    while let chunk = try client.readChunk() {
      chunkSizes.append(chunk.count)
      body += chunk
    }
    let events = EventStreamParser.parse(body).events

    #expect(chunkSizes.allSatisfy { $0 <= 7 })
    #expect(chunkSizes.count > events.count * 2)
    #expect(SSE.content(events.map(\.data)).joined() == "Grüße, Welt!")
    #expect(events.last?.data == "[DONE]")
  }

  @Test(arguments: [true, false])
  func resetEndsWithRST(streaming: Bool) throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "one two three", "resetAfterChunks": 1}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    try client.sendChatRequest(stream: streaming)
    let ending = try client.readUntilConnectionEnds()
    let text = String(decoding: ending.bytes, as: UTF8.self)

    #expect(ending.wasReset)
    #expect(streaming ? text.contains(#""content":"one ""#) : ending.bytes.isEmpty)
    #expect(!text.contains("[DONE]"))
  }

  @Test func truncationEndsWithFIN() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "one two three", "truncateAfterChunks": 1}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    try client.sendChatRequest(stream: true)

    #expect(try client.readUntilConnectionEnds().wasReset == false)
  }
}

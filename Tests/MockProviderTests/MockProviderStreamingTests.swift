import Foundation
import JSONRPC
import MockProvider
import Testing

@Suite struct MockProviderStreamingTests {
  @Test func streamChunksReassembleText() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "Hello there!", "chunks": ["Hel", "lo there!"]}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))
    let events = response.events
    let chunks = events.dropLast().compactMap { try? JSONParser.parse($0) }

    #expect(response.status == 200)
    #expect(response.head.header("content-type")?.hasPrefix("text/event-stream") == true)
    #expect(response.head.isChunked)
    #expect(SSE.content(events) == ["Hel", "lo there!"])
    #expect(events.last == "[DONE]")
    #expect(chunks.count == 4)
    #expect(chunks.allSatisfy { $0["object"] == "chat.completion.chunk" })
    #expect(Set(chunks.compactMap { $0["id"]?.stringValue }).count == 1)
    #expect(chunks.first?["choices"]?.arrayValue?.first?["delta"]?["role"] == "assistant")
    #expect(chunks.last?["choices"]?.arrayValue?.first?["delta"] == .object(JSONObject()))
    #expect(chunks.last?["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
    #expect(chunks.allSatisfy { $0["usage"] == nil })
  }

  @Test func streamDefaultChunksAreWords() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "One two  three"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post("/chat/completions", json: Fixtures.chatBody(stream: true))

    #expect(SSE.content(response.events) == ["One ", "two  ", "three"])
  }

  @Test func streamChunkSizeSplitsCharacters() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "abcdefg", "chunkSize": 3}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))

    #expect(SSE.content(response.events) == ["abc", "def", "g"])
  }

  @Test func streamUsageChunkWhenRequested() throws {
    let server = try Fixtures.startServer(
      #"{"replies": [{"text": "Hi you", "usage": {"prompt_tokens": 12, "completion_tokens": 3}}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true, includeUsage: true))
    let chunks = response.events.dropLast().compactMap { try? JSONParser.parse($0) }
    let usageChunk = try #require(chunks.last)

    #expect(response.events.last == "[DONE]")
    #expect(usageChunk["choices"] == .array([]))
    #expect(usageChunk["usage"]?["prompt_tokens"] == 12)
    #expect(usageChunk["usage"]?["completion_tokens"] == 3)
    #expect(usageChunk["usage"]?["total_tokens"] == 15)
    #expect(chunks.dropLast().allSatisfy { $0["usage"] == .null })
    #expect(chunks.dropLast().last?["choices"]?.arrayValue?.first?["finish_reason"] == "stop")
  }

  @Test func streamUsageAbsentUnlessRequested() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "Hi you"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))
    let chunks = response.events.dropLast().compactMap { try? JSONParser.parse($0) }

    #expect(!chunks.contains { $0["choices"] == .array([]) })
    #expect(!chunks.contains { $0["usage"] != nil })
  }

  @Test func streamDefaultUsageCountsAboveZero() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "Hi you"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post(
      "/v1/chat/completions", json: Fixtures.chatBody("one two three", stream: true, includeUsage: true))
    let usage = try #require(response.events.dropLast().last.flatMap { try? JSONParser.parse($0) }?["usage"])

    #expect(usage["prompt_tokens"] == 5)
    #expect(usage["completion_tokens"] == 2)
    #expect(usage["total_tokens"] == 7)
  }

  @Test(arguments: ["chunked", "close"])
  func streamDeliversEachChunkWhenWritten(framing: String) throws {
    let server = try Fixtures.startServer(
      #"{"streamFraming": "\#(framing)", "replies": [{"chunks": ["a", "b", "c"], "delayMs": 250}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    try client.sendChatRequest(stream: true)
    let head = try client.readHead()
    var arrivals: [ContinuousClock.Instant] = []
    var received: [UInt8] = []
    while SSE.content(SSE.dataPayloads(received)).count < 3 {
      let bytes = try framing == "chunked" ? client.readChunk() : client.readAvailable()
      received += try #require(bytes)
      arrivals.append(.now)
    }
    let gaps = zip(arrivals.dropFirst(), arrivals).map { $0 - $1 }

    #expect(head.status == 200)
    #expect(head.isChunked == (framing == "chunked"))
    #expect(head.header("connection") == (framing == "close" ? "close" : nil))
    #expect(gaps.count >= 2)
    #expect(gaps.suffix(2).allSatisfy { $0 >= .milliseconds(100) })
  }

  @Test func streamConnectionCloseFramingEndsAtEOF() throws {
    let server = try Fixtures.startServer(#"{"streamFraming": "close", "replies": [{"text": "Bye now"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)

    let response = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))

    #expect(response.head.header("connection") == "close")
    #expect(response.head.header("content-length") == nil)
    #expect(SSE.content(response.events) == ["Bye ", "now"])
    #expect(response.events.last == "[DONE]")
  }

  @Test func defaultScriptStreamsFriendlyReply() throws {
    let server = MockProviderServer(script: .default)
    let port = try server.start()
    defer { server.stop() }
    let client = try TestHTTPClient(port: port)

    let first = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))
    let second = try client.post("/v1/chat/completions", json: Fixtures.chatBody(stream: true))
    let text = SSE.content(first.events).joined()

    #expect(text.contains("built-in mock provider"))
    #expect(SSE.content(first.events).count > 3)
    #expect(SSE.content(second.events).joined() == text)
    #expect(MockScript.default.afterLast == .repeatLast)
  }
}

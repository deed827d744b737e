import Foundation
import HTTPStreaming
import Synchronization
import Testing

/// Streaming behaviour of `CurlHTTPClient` against a real HTTP/1.1 server on 127.0.0.1.
@Suite(.timeLimit(.minutes(1)))
struct CurlHTTPClientStreamingTests {
  /// Starts a server that sends one event, then waits up to 5 s for the client to close the connection.
  ///
  /// The stream yields when the server saw the close, or nil when it did not within 5 s.
  /// How soon the server must see the socket close after a cancel.
  ///
  /// NOTE: Alone, a cancel closes the socket within milliseconds and a 1 s idle timeout fires after about
  /// 1 s; a host process measured under 80 ms for the close. In the full parallel `swift test` run, while
  /// the end-to-end suites parse thousands of frames in this process, both were seen to take 4 to 17 s;
  /// the cause is not found yet. So these bounds only prove the close or timeout happens, and the
  /// end-to-end tests, where the host is its own process, bound them tightly.
  private static let closeBound: Duration = .seconds(30)

  /// How long a test waits for an event that should come at once; generous for the same reason.
  private static let patience: Duration = .seconds(30)

  private static func startServerAwaitingClose() throws -> (LoopbackHTTPServer, AsyncStream<ContinuousClock.Instant?>) {
    let (closeTimes, closeTimeSink) = AsyncStream<ContinuousClock.Instant?>.makeStream()
    let server = try LoopbackHTTPServer { _, connection in
      try connection.sendHead(status: 200, headers: [("Content-Type", "text/event-stream")])
      try connection.sendChunk("data: 1\n\n")
      closeTimeSink.yield(connection.waitForPeerClose(timeout: patience))
    }
    return (server, closeTimes)
  }

  @Test func chunksArriveBeforeResponseEnds() async throws {
    let gate = TestGate()
    let (gateResults, gateResultSink) = AsyncStream<Bool>.makeStream()
    let server = try LoopbackHTTPServer { _, connection in
      try connection.sendHead(status: 200, headers: [("Content-Type", "text/event-stream")])
      try connection.sendChunk("data: first\n\n")
      // The rest is sent only after the client has seen the first chunk, or after the test's patience.
      gateResultSink.yield(gate.wait(timeout: Self.patience))
      try connection.sendChunk("data: second\n\n")
      try connection.endChunks()
    }
    defer { server.stop() }
    let client = CurlHTTPClient()

    var events: [HTTPStreamEvent] = []
    for try await event in client.stream(HTTPRequest(url: server.url("/stream"))) {
      events.append(event)
      if case .body = event {
        gate.open()
      }
    }

    let gateOpenedInTime = await collect(1, from: gateResults, within: Self.patience)
    #expect(gateOpenedInTime == [true])
    #expect(events.startsWithResponse)
    #expect(events.responseStatuses == [200])
    #expect(events.responseHeaders.firstValue(named: "content-type") == "text/event-stream")
    #expect(String(decoding: events.bodyBytes, as: UTF8.self) == "data: first\n\ndata: second\n\n")
  }

  @Test func parsedEventsMatchServerEvents() async throws {
    let server = try LoopbackHTTPServer { _, connection in
      try connection.sendHead(status: 200, headers: [("Content-Type", "text/event-stream")])
      for index in 0..<20 {
        try connection.sendChunk("event: delta\ndata: {\"index\":\(index)}\n\n")
      }
      try connection.sendChunk("data: [DONE]\n\n")
      try connection.endChunks()
    }
    defer { server.stop() }
    let client = CurlHTTPClient()

    var parser = ServerSentEventParser()
    var events: [ServerSentEvent] = []
    for try await case .body(let bytes) in client.stream(HTTPRequest(url: server.url("/sse"))) {
      events += parser.feed(bytes)
    }

    let expected =
      (0..<20).map { ServerSentEvent(event: "delta", data: "{\"index\":\($0)}") } + [ServerSentEvent(data: "[DONE]")]
    #expect(events == expected)
    #expect(parser.finish() == nil)
  }

  @Test func cancellingConsumerTaskClosesConnection() async throws {
    let (server, closeTimes) = try Self.startServerAwaitingClose()
    defer { server.stop() }
    let client = CurlHTTPClient()
    let (firstBodyTimes, firstBodyTimeSink) = AsyncStream<ContinuousClock.Instant>.makeStream()

    let consumer = Task {
      for try await event in client.stream(HTTPRequest(url: server.url("/stream"))) {
        if case .body = event {
          firstBodyTimeSink.yield(.now)
        }
      }
    }
    let firstBodyTime = await collect(1, from: firstBodyTimes, within: .seconds(5))
    try #require(firstBodyTime.count == 1)
    let cancelTime = ContinuousClock.now
    consumer.cancel()

    let closeTime = try #require(await collect(1, from: closeTimes, within: Self.patience).first ?? nil)
    #expect(closeTime - cancelTime < Self.closeBound)
    await #expect(throws: HTTPClientError.cancelled) {
      try await consumer.value
    }
  }

  /// Reads until the first body chunk and returns when it arrived. The stream is released when this
  /// function returns; a local in the test itself could live until the end of the test in a debug build.
  private static func readFirstBodyThenDrop(_ client: CurlHTTPClient, url: String) async throws
    -> ContinuousClock.Instant?
  {
    for try await event in client.stream(HTTPRequest(url: url)) {
      if case .body = event {
        return .now
      }
    }
    return nil
  }

  @Test func droppingStreamClosesConnection() async throws {
    let (server, closeTimes) = try Self.startServerAwaitingClose()
    defer { server.stop() }
    let client = CurlHTTPClient()

    let breakTime = try #require(try await Self.readFirstBodyThenDrop(client, url: server.url("/stream")))
    // NOTE: Alone this close takes milliseconds, but in the full parallel test run it was seen to take
    // up to 14 s, after the release of the dropped stream; the cause is not found yet. Providers never
    // rely on dropping: they cancel their task, which the test above bounds tightly.
    let closeTime = try #require(await collect(1, from: closeTimes, within: Self.patience).first ?? nil)
    #expect(closeTime - breakTime < Self.patience)
  }

  @Test func stalledStreamTimesOut() async throws {
    // Both instants are taken on the server's thread: the idle timeout fires on the libcurl thread and
    // closes the socket, so neither depends on when the test's task gets a thread.
    let (silences, silenceSink) = AsyncStream<Duration?>.makeStream()
    let server = try LoopbackHTTPServer { _, connection in
      try connection.sendHead(status: 200, headers: [("Content-Type", "text/event-stream")])
      try connection.sendChunk("data: 1\n\n")
      let lastSendTime = ContinuousClock.now
      silenceSink.yield(connection.waitForPeerClose(timeout: .seconds(20)).map { $0 - lastSendTime })
    }
    defer { server.stop() }
    let client = CurlHTTPClient()
    let request = HTTPRequest(url: server.url("/stall"), idleTimeout: .seconds(1))

    var bodyCount = 0
    await #expect(throws: HTTPClientError.timedOut(idle: .seconds(1))) {
      for try await case .body in client.stream(request) {
        bodyCount += 1
      }
    }

    let silence = try #require(await collect(1, from: silences, within: Self.patience).first ?? nil)
    #expect(bodyCount == 1)
    #expect(silence >= .milliseconds(990))
    #expect(silence < Self.patience)
  }

  @Test func silentServerTimesOutBeforeHeaders() async throws {
    let (waits, waitSink) = AsyncStream<Duration?>.makeStream()
    let server = try LoopbackHTTPServer { _, connection in
      let accepted = ContinuousClock.now
      waitSink.yield(connection.waitForPeerClose(timeout: .seconds(20)).map { $0 - accepted })
    }
    defer { server.stop() }
    let client = CurlHTTPClient()
    let request = HTTPRequest(url: server.url("/silent"), idleTimeout: .seconds(1))

    await #expect(throws: HTTPClientError.timedOut(idle: .seconds(1))) {
      _ = try await client.send(request)
    }
    let wait = try #require(await collect(1, from: waits, within: Self.patience).first ?? nil)
    #expect(wait >= .milliseconds(990))
    #expect(wait < Self.patience)
  }

  @Test func gapsShorterThanIdleTimeoutAreAllowed() async throws {
    let server = try LoopbackHTTPServer { _, connection in
      try connection.sendHead(status: 200, headers: [("Content-Type", "text/event-stream")])
      for index in 0..<6 {
        try connection.sendChunk("data: \(index)\n\n")
        Thread.sleep(forTimeInterval: 0.4)
      }
      try connection.endChunks()
    }
    defer { server.stop() }
    let client = CurlHTTPClient()
    let request = HTTPRequest(url: server.url("/slow"), idleTimeout: .seconds(1))

    let events = try await client.stream(request).collectEvents()

    let expected = (0..<6).map { "data: \($0)\n\n" }.joined()
    #expect(String(decoding: events.bodyBytes, as: UTF8.self) == expected)
  }

  @Test func slowConsumerPausesTransfer() async throws {
    let totalBytes = 32 << 20
    let sentBytes = Atomic<Int>(0)
    let block = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 % 251) }
    let server = try LoopbackHTTPServer { _, connection in
      try connection.sendHead(
        status: 200, headers: [("Content-Type", "application/octet-stream")], contentLength: totalBytes)
      while sentBytes.load(ordering: .relaxed) < totalBytes {
        try connection.write(block)
        sentBytes.add(block.count, ordering: .relaxed)
      }
    }
    defer { server.stop() }
    let client = CurlHTTPClient(maximumBufferedBytes: 1 << 20)

    var iterator = client.stream(HTTPRequest(url: server.url("/large"))).makeAsyncIterator()
    var received: [UInt8] = []
    while received.isEmpty, let event = try await iterator.next() {
      if case .body(let bytes) = event {
        received += bytes
      }
    }
    try await Task.sleep(for: .seconds(1))
    let sentWhileStalled = sentBytes.load(ordering: .relaxed)
    while let event = try await iterator.next() {
      if case .body(let bytes) = event {
        received += bytes
      }
    }

    // Without the pause the client would read the whole body into memory during the stall.
    #expect(sentWhileStalled < totalBytes / 2)
    #expect(received.count == totalBytes)
    let mismatchedBlocks = stride(from: 0, to: received.count, by: block.count).filter { offset in
      received[offset..<min(offset + block.count, received.count)].withUnsafeBytes { receivedBlock in
        block.withUnsafeBytes { memcmp(receivedBlock.baseAddress!, $0.baseAddress!, receivedBlock.count) != 0 }
      }
    }
    #expect(mismatchedBlocks.isEmpty)
  }

  @Test func fiftyConcurrentStreamsComplete() async throws {
    let streamCount = 50
    let arrivals = Atomic<Int>(0)
    let allArrived = TestGate()
    let server = try LoopbackHTTPServer { request, connection in
      if arrivals.add(1, ordering: .relaxed).newValue == streamCount {
        allArrived.open()
      }
      // Each response waits until all requests are in flight, so a per-host connection cap would show.
      let concurrent = allArrived.wait(timeout: .seconds(10))
      try connection.sendHead(
        status: 200, headers: [("Content-Type", "text/event-stream"), ("X-All-Concurrent", "\(concurrent)")])
      for index in 0..<5 {
        try connection.sendChunk("data: \(request.target) \(index)\n\n")
        Thread.sleep(forTimeInterval: 0.01)
      }
      try connection.endChunks()
    }
    defer { server.stop() }
    let client = CurlHTTPClient()

    let results = try await withThrowingTaskGroup(of: (Int, [HTTPStreamEvent]).self) { group in
      for index in 0..<streamCount {
        group.addTask {
          let events = try await client.stream(HTTPRequest(url: server.url("/stream/\(index)"))).collectEvents()
          return (index, events)
        }
      }
      var results: [Int: [HTTPStreamEvent]] = [:]
      for try await (index, events) in group {
        results[index] = events
      }
      return results
    }

    #expect(results.count == streamCount)
    let notConcurrent = results.filter { $0.value.responseHeaders.firstValue(named: "x-all-concurrent") != "true" }
    #expect(notConcurrent.isEmpty)
    let wrongBodies = results.filter { index, events in
      let expected = (0..<5).map { "data: /stream/\(index) \($0)\n\n" }.joined()
      return String(decoding: events.bodyBytes, as: UTF8.self) != expected
    }
    #expect(wrongBodies.isEmpty)
  }
}

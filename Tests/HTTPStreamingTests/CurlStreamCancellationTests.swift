import HTTPStreaming
import Testing

@Suite struct CurlStreamCancellationTests {
  /// How long the server and the consumer wait for each other before giving up.
  private static let patience: Duration = .seconds(30)

  /// A consumer cancelled while it handles an event, not while it waits for the next one, must see the
  /// stream throw, because `HTTPClient.stream` promises to finish only after the last body byte.
  ///
  /// Found by running this target under AddressSanitizer, whose slowdown made
  /// `cancellingConsumerTaskClosesConnection` hit this timing in some runs.
  @Test func cancelBetweenEventsThrows() async throws {
    let server = try LoopbackHTTPServer { _, connection in
      try connection.sendHead(status: 200, headers: [("Content-Type", "text/event-stream")])
      try connection.sendChunk("data: 1\n\n")
      _ = connection.waitForPeerClose(timeout: Self.patience)
    }
    defer { server.stop() }
    let client = CurlHTTPClient()
    let (firstBodies, firstBodySink) = AsyncStream<Void>.makeStream()

    let consumer = Task {
      for try await event in client.stream(HTTPRequest(url: server.url("/stream"))) {
        guard case .body = event else { continue }
        firstBodySink.yield()
        // Stay inside the loop body until the test cancels this task, so the cancellation arrives between
        // two calls to the iterator's `next()`.
        let deadline = ContinuousClock.now + Self.patience
        while !Task.isCancelled && ContinuousClock.now < deadline {
          try? await Task.sleep(for: .milliseconds(5))
        }
      }
    }
    var iterator = firstBodies.makeAsyncIterator()
    _ = await iterator.next()
    consumer.cancel()

    // NOTE: the stream currently finishes without an error here, because `AsyncThrowingStream(unfolding:)`
    // drops its closure when the task is cancelled and then returns nil. `withKnownIssue` fails the test once
    // the stream throws, so remove it together with the fix in `CurlHTTPClient.stream`.
    await withKnownIssue("a cancelled stream finishes normally when cancelled between events") {
      await #expect(throws: HTTPClientError.cancelled) {
        try await consumer.value
      }
    }
  }
}

import JSONRPC

/// Plays one scripted text reply on a connection, as a stream of events or as one whole response, in the wire
/// format of its renderer.
struct ReplyResponder {
  let socket: Socket
  let reply: MockTextReply
  /// The headers the server adds after its own: request ids and the reply's headers.
  let headers: [MockHeader]
  let keepOpen: Bool
  var renderer: any ReplyRenderer

  /// Thrown when the client closes the connection, or the server shuts it down, in the middle of a reply.
  private struct PeerClosed: Error {}

  // MARK: - Non-streaming

  /// Responds to a request without `"stream": true`: waits `delayMs` once, then sends the whole response.
  ///
  /// Interruptions map to what a client would see without streaming: a stall sends nothing, a truncation
  /// closes the connection with no response, a reset resets it, and a mid-stream error becomes the format's
  /// error status and body.
  func sendCompletion() -> ResponseOutcome {
    switch reply.interruption {
    case .stall?:
      socket.discardUntilClosed()
      return .peerClosed
    case .truncate?:
      return .close
    case .reset?:
      socket.resetOnClose()
      return .close
    case .error(_, let error)?:
      let (status, body) = renderer.completionError(error)
      return sendJSON(socket, status: status, body: body, headers: headers, keepOpen: keepOpen)
    case nil:
      do {
        try pause()
      } catch {
        return .peerClosed
      }
      return sendJSON(socket, status: 200, body: renderer.completion(), headers: headers, keepOpen: keepOpen)
    }
  }

  // MARK: - Streaming

  /// Streams the reply: the renderer's opening events, one group of events per step with `delayMs` before each,
  /// then, after another pause, the closing events.
  mutating func stream(with writer: EventStreamWriter) -> ResponseOutcome {
    do {
      return try streamEvents(with: writer)
    } catch {
      return .peerClosed
    }
  }

  private mutating func streamEvents(with writer: EventStreamWriter) throws -> ResponseOutcome {
    try writer.sendHead(extraHeaders: headers)
    try writer.send(renderer.openingEvents())

    for (index, step) in reply.steps.enumerated() {
      if let interruption = reply.interruption, interruption.afterChunks == index {
        return try interrupt(interruption, writer: writer)
      }
      try pause()
      try writer.send(renderer.events(for: step))
    }
    if let interruption = reply.interruption {
      return try interrupt(interruption, writer: writer)
    }

    try pause()
    try writer.send(renderer.closingEvents())
    try writer.finish()
    return writer.framing == .chunked ? .keepOpen : .close
  }

  private mutating func interrupt(_ interruption: MockInterruption, writer: EventStreamWriter) throws
    -> ResponseOutcome
  {
    switch interruption {
    case .stall:
      socket.discardUntilClosed()
      return .peerClosed
    case .truncate:
      return .close
    case .reset:
      socket.resetOnClose()
      return .close
    case .error(_, let error):
      try pause()
      let (events, ending) = renderer.errorEvents(error)
      try writer.send(events)
      guard ending == .endBody else { return .close }
      try writer.finish()
      return writer.framing == .chunked ? .keepOpen : .close
    }
  }

  /// Waits `delayMs`, returning early with `PeerClosed` when the client closes the connection.
  private func pause() throws(PeerClosed) {
    guard reply.delayMilliseconds > 0 else { return }
    if socket.waitForPeerClose(milliseconds: reply.delayMilliseconds) {
      throw PeerClosed()
    }
  }
}

/// Writes a `text/event-stream` response, flushing each event in its own `send`, or in several of at most
/// `writeSize` bytes.
struct EventStreamWriter {
  let socket: Socket
  let framing: MockScript.StreamFraming
  var lineEnding: MockScript.LineEnding = .lf
  var writeSize: Int?

  func sendHead(extraHeaders: [MockHeader]) throws(SocketError) {
    var headers = [
      MockHeader(name: "Content-Type", value: "text/event-stream; charset=utf-8"),
      MockHeader(name: "Cache-Control", value: "no-cache"),
    ]
    switch framing {
    case .chunked: headers.append(MockHeader(name: "Transfer-Encoding", value: "chunked"))
    case .connectionClose: headers.append(MockHeader(name: "Connection", value: "close"))
    }
    try socket.send(HTTPSyntax.responseHead(status: 200, headers: headers + extraHeaders))
  }

  func send(_ events: [StreamEvent]) throws(SocketError) {
    for event in events {
      try send(event)
    }
  }

  /// Sends the event's `event:` line if it has a name, its `data:` line and the blank line that ends it. With
  /// chunked framing each write is one HTTP chunk.
  func send(_ event: StreamEvent) throws(SocketError) {
    let end = lineEnding.bytes
    var text = ""
    if let name = event.name {
      text += "event: \(name)\(end)"
    }
    text += "data: \(event.data)\(end)\(end)"
    let bytes = Array(text.utf8)
    let size = writeSize ?? bytes.count
    var start = 0
    while start < bytes.count {
      let piece = Array(bytes[start..<min(start + size, bytes.count)])
      start += piece.count
      switch framing {
      case .chunked:
        try socket.send(Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + [13, 10])
      case .connectionClose:
        try socket.send(piece)
      }
    }
  }

  /// Ends the body with the zero-length chunk under chunked framing. Under `close` the caller closes the
  /// socket instead.
  func finish() throws(SocketError) {
    guard framing == .chunked else { return }
    try socket.send(Array("0\r\n\r\n".utf8))
  }
}

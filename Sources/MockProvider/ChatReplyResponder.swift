import JSONRPC

/// Plays one scripted text reply on a connection, as a stream of SSE chunks or as one `chat.completion`.
struct ChatReplyResponder {
  let socket: Socket
  let identity: OpenAIChatFormat.ResponseIdentity
  let reply: MockTextReply
  /// The headers the server adds after its own: `x-request-id` and the reply's headers.
  let headers: [MockHeader]
  let usage: JSONObject
  let keepOpen: Bool

  /// Thrown when the client closes the connection, or the server shuts it down, in the middle of a reply.
  private struct PeerClosed: Error {}

  // MARK: - Non-streaming

  /// Responds to a request without `"stream": true`: waits `delayMs` once, then sends the whole completion.
  ///
  /// Interruptions map to what a client would see without streaming: a stall sends nothing, a truncation
  /// closes the connection with no response and a mid-stream error becomes HTTP 500 with the error object.
  func sendCompletion() -> ResponseOutcome {
    switch reply.interruption {
    case .stall?:
      socket.discardUntilClosed()
      return .peerClosed
    case .truncate?:
      return .close
    case .error(_, let error)?:
      let body = JSONValue.object(JSONObject([("error", .object(error))]))
      return sendJSON(socket, status: 500, body: body, headers: headers, keepOpen: keepOpen)
    case nil:
      do {
        try pause()
      } catch {
        return .peerClosed
      }
      let body = OpenAIChatFormat.completion(identity, reply: reply, usage: usage)
      return sendJSON(socket, status: 200, body: body, headers: headers, keepOpen: keepOpen)
    }
  }

  // MARK: - Streaming

  /// Streams the reply as api.openai.com does: a role chunk, one chunk per content delta, the tool-call
  /// chunks, a finish chunk with an empty delta, the usage chunk when `includeUsage` is set, then
  /// `data: [DONE]`.
  func stream(framing: MockScript.StreamFraming, includeUsage: Bool) -> ResponseOutcome {
    let writer = EventStreamWriter(socket: socket, framing: framing)
    do {
      return try stream(with: writer, includeUsage: includeUsage)
    } catch {
      return .peerClosed
    }
  }

  private func stream(with writer: EventStreamWriter, includeUsage: Bool) throws -> ResponseOutcome {
    try writer.sendHead(extraHeaders: headers)
    try writer.send(
      chunk(delta: OpenAIChatFormat.roleDelta(for: reply), finishReason: nil, includeUsage: includeUsage))

    for (index, delta) in OpenAIChatFormat.streamDeltas(for: reply).enumerated() {
      if let interruption = reply.interruption, interruption.afterChunks == index {
        return try interrupt(interruption, writer: writer)
      }
      try pause()
      try writer.send(chunk(delta: delta, finishReason: nil, includeUsage: includeUsage))
    }
    if let interruption = reply.interruption {
      return try interrupt(interruption, writer: writer)
    }

    try pause()
    try writer.send(chunk(delta: JSONObject(), finishReason: reply.finishReason, includeUsage: includeUsage))
    if includeUsage {
      try writer.send(OpenAIChatFormat.usageChunk(identity, usage: usage).serializedString())
    }
    try writer.send("[DONE]")
    try writer.finish()
    return writer.framing == .chunked ? .keepOpen : .close
  }

  private func interrupt(_ interruption: MockInterruption, writer: EventStreamWriter) throws -> ResponseOutcome {
    switch interruption {
    case .stall:
      socket.discardUntilClosed()
      return .peerClosed
    case .truncate:
      return .close
    case .error(_, let error):
      try pause()
      try writer.send(JSONValue.object(JSONObject([("error", .object(error))])).serializedString())
      try writer.finish()
      return writer.framing == .chunked ? .keepOpen : .close
    }
  }

  private func chunk(delta: JSONObject, finishReason: String?, includeUsage: Bool) -> String {
    OpenAIChatFormat.chunk(identity, delta: delta, finishReason: finishReason, includeUsage: includeUsage)
      .serializedString()
  }

  /// Waits `delayMs`, returning early with `PeerClosed` when the client closes the connection.
  private func pause() throws(PeerClosed) {
    guard reply.delayMilliseconds > 0 else { return }
    if socket.waitForPeerClose(milliseconds: reply.delayMilliseconds) {
      throw PeerClosed()
    }
  }
}

/// Writes a `text/event-stream` response, flushing each event in its own `send`.
struct EventStreamWriter {
  let socket: Socket
  let framing: MockScript.StreamFraming

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

  /// Sends `data: <data>` and the blank line that ends the event, as one HTTP chunk with chunked framing.
  func send(_ data: String) throws(SocketError) {
    let event = Array("data: \(data)\n\n".utf8)
    switch framing {
    case .chunked:
      try socket.send(Array("\(String(event.count, radix: 16))\r\n".utf8) + event + [13, 10])
    case .connectionClose:
      try socket.send(event)
    }
  }

  /// Ends the body with the zero-length chunk under chunked framing. Under `close` the caller closes the
  /// socket instead.
  func finish() throws(SocketError) {
    guard framing == .chunked else { return }
    try socket.send(Array("0\r\n\r\n".utf8))
  }
}

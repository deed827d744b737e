import Glibc
import JSONRPC

/// The connection loop's next step after a response.
enum ResponseOutcome {
  /// The response is complete, so read the next request if the client keeps the connection open.
  case keepOpen
  /// Close the connection now, which ends a `Connection: close` body or truncates a stream.
  case close
  /// The client closed the connection, or the server is stopping, before the response was complete.
  case peerClosed
}

extension MockProviderServer {
  /// Reads requests on one connection and responds to each until either side closes it.
  func serve(_ socket: Socket, connection: Int) {
    var reader = HTTPRequestReader(socket: socket)
    while true {
      let request: HTTPRequest
      do {
        guard let next = try reader.nextRequest() else { return }
        request = next
      } catch {
        if let status = error.status {
          logger.warning("Rejected an unreadable request", ["connection": connection, "http.status": status])
          let body = OpenAIChatFormat.errorBody(message: error.message, type: "invalid_request_error")
          _ = sendJSON(socket, status: status, body: body, keepOpen: false)
        }
        return
      }

      let body = request.body.isEmpty ? nil : try? JSONParser.parse(request.body)
      let recorded = log.append(request: request, connection: connection, body: body)
      logger.info(
        "Received request",
        ["request": recorded.sequence, "connection": connection, "http.method": request.method,
         "http.path": request.target])

      switch respond(to: request, recorded: recorded, socket: socket) {
      case .keepOpen:
        guard request.keepsConnectionOpen else { return }
      case .close:
        return
      case .peerClosed:
        guard !isStopping else { return }
        logger.info(
          "Client closed the connection mid-response", ["request": recorded.sequence, "connection": connection])
        log.appendClientClose(connection: connection, request: recorded.sequence)
        return
      }
    }
  }

  // MARK: - Routes

  private func respond(to request: HTTPRequest, recorded: RecordedRequest, socket: Socket) -> ResponseOutcome {
    let keepOpen = request.keepsConnectionOpen
    switch (request.method, request.path) {
    case ("POST", let path) where path.hasSuffix("/chat/completions"):
      return respondToChat(recorded, socket: socket, keepOpen: keepOpen)
    case ("GET", let path) where path.hasSuffix("/models"):
      return sendJSON(socket, status: 200, body: OpenAIChatFormat.modelList([script.model]), keepOpen: keepOpen)
    default:
      let message =
        "Unknown route \(request.method) \(request.path). The mock provider serves POST …/chat/completions "
        + "and GET …/models."
      let body = OpenAIChatFormat.errorBody(message: message, type: "invalid_request_error", code: "unknown_url")
      return sendJSON(socket, status: 404, body: body, keepOpen: keepOpen)
    }
  }

  private func respondToChat(_ recorded: RecordedRequest, socket: Socket, keepOpen: Bool) -> ResponseOutcome {
    let chat: ChatRequest
    do {
      chat = try ChatRequest(body: recorded.body)
    } catch {
      let body = OpenAIChatFormat.errorBody(message: error.message, type: "invalid_request_error", param: error.param)
      return sendJSON(socket, status: 400, body: body, keepOpen: keepOpen)
    }

    guard let (index, reply) = takeReply() else {
      let count = script.replies.count
      let message =
        "The mock provider script has no reply left: all \(count) replies were used and afterLast is "
        + "\"error\". Add replies to the script or set afterLast to \"repeat\"."
      logger.warning("Script has no reply left", ["request": recorded.sequence, "replies": count])
      let body = OpenAIChatFormat.errorBody(message: message, type: "server_error", code: "mock_script_exhausted")
      return sendJSON(socket, status: 500, body: body, keepOpen: keepOpen)
    }

    if let expectation = reply.expectation {
      let unmet = chat.unmetConditions(of: expectation)
      if !unmet.isEmpty {
        let message = "Mock provider replies[\(index)] expected " + unmet.joined(separator: "; it also expected ") + "."
        logger.warning(
          "Request does not match the scripted expectation", ["request": recorded.sequence, "reply": index])
        let body = OpenAIChatFormat.errorBody(
          message: message, type: "invalid_request_error", param: "messages", code: "mock_expectation_failed")
        return sendJSON(socket, status: 400, body: body, keepOpen: keepOpen)
      }
    }

    let identity = OpenAIChatFormat.ResponseIdentity(
      id: "chatcmpl-mock-\(recorded.sequence)", created: time(nil), model: script.model)
    let headers = [MockHeader(name: "x-request-id", value: "req_mock_\(recorded.sequence)")] + reply.headers
    switch reply.body {
    case .error(let error):
      return sendError(error, socket: socket, headers: headers, keepOpen: keepOpen)
    case .text(let text):
      let responder = ChatReplyResponder(
        socket: socket, identity: identity, reply: text, headers: headers,
        usage: OpenAIChatFormat.usage(for: text, request: chat.body), keepOpen: keepOpen)
      guard chat.stream else { return responder.sendCompletion() }
      let framing = keepOpen ? script.streamFraming : .connectionClose
      return responder.stream(framing: framing, includeUsage: chat.includeUsage)
    }
  }

  private func sendError(
    _ error: MockErrorReply, socket: Socket, headers: [MockHeader], keepOpen: Bool
  ) -> ResponseOutcome {
    switch error.body {
    case .json(let json):
      return sendJSON(socket, status: error.status, body: json, headers: headers, keepOpen: keepOpen)
    case .text(let text):
      return sendBody(
        socket, status: error.status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8),
        headers: headers, keepOpen: keepOpen)
    }
  }
}

// MARK: - Sending whole responses

/// Sends a JSON response with a `Content-Length`.
func sendJSON(
  _ socket: Socket, status: Int, body: JSONValue, headers: [MockHeader] = [], keepOpen: Bool
) -> ResponseOutcome {
  sendBody(
    socket, status: status, contentType: "application/json", body: body.serializedBytes(), headers: headers,
    keepOpen: keepOpen)
}

/// Sends a response with a `Content-Length`, adding `Connection: close` when the connection ends after it.
func sendBody(
  _ socket: Socket, status: Int, contentType: String, body: [UInt8], headers: [MockHeader], keepOpen: Bool
) -> ResponseOutcome {
  var allHeaders = [
    MockHeader(name: "Content-Type", value: contentType),
    MockHeader(name: "Content-Length", value: String(body.count)),
  ]
  if !keepOpen {
    allHeaders.append(MockHeader(name: "Connection", value: "close"))
  }
  allHeaders += headers
  do {
    try socket.send(HTTPSyntax.responseHead(status: status, headers: allHeaders) + body)
  } catch {
    return .peerClosed
  }
  return keepOpen ? .keepOpen : .close
}

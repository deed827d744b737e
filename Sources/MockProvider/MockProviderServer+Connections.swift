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
    if request.method == "POST", let format = WireFormat.route(path: request.path) {
      return respondToModel(format: format, recorded: recorded, socket: socket, keepOpen: keepOpen)
    }
    if request.method == "GET", request.path.hasSuffix("/models") {
      // Anthropic clients always send `anthropic-version`, so it picks the Anthropic list shape.
      let list =
        request.headerValue("anthropic-version") == nil
        ? OpenAIChatFormat.modelList([script.model]) : AnthropicFormat.modelList([script.model])
      return sendJSON(socket, status: 200, body: list, keepOpen: keepOpen)
    }
    let message =
      "Unknown route \(request.method) \(request.path). The mock provider serves POST …/chat/completions, "
      + "POST …/responses, POST …/v1/messages and GET …/models."
    let body = OpenAIChatFormat.errorBody(message: message, type: "invalid_request_error", code: "unknown_url")
    return sendJSON(socket, status: 404, body: body, keepOpen: keepOpen)
  }

  private func respondToModel(
    format: WireFormat, recorded: RecordedRequest, socket: Socket, keepOpen: Bool
  ) -> ResponseOutcome {
    let envelope = ErrorEnvelope(format: format, dialect: script.dialect, requestID: "req_mock_\(recorded.sequence)")
    let (path, query) = MockExpectation.split(target: recorded.path)
    if Self.isDatedAzurePath(path), !query.split(separator: "&").contains(where: { $0.hasPrefix("api-version=") }) {
      // Azure's deployment and dated Responses routes respond with 404 without an api-version.
      let body = ErrorEnvelope(format: format, dialect: .azure, requestID: "").body(
        status: 404, message: "Resource not found", code: "404")
      return sendJSON(socket, status: 404, body: body, keepOpen: keepOpen)
    }

    let request: APIRequest
    do {
      request = try APIRequest(format: format, recorded: recorded)
    } catch {
      let body = envelope.body(status: 400, message: error.message, type: "invalid_request_error", param: error.param)
      return sendJSON(socket, status: 400, body: body, keepOpen: keepOpen)
    }

    guard let (index, reply) = takeReply() else {
      let count = script.replies.count
      let message =
        "The mock provider script has no reply left: all \(count) replies were used and afterLast is "
        + "\"error\". Add replies to the script or set afterLast to \"repeat\"."
      logger.warning("Script has no reply left", ["request": recorded.sequence, "replies": count])
      let body = envelope.body(status: 500, message: message, code: "mock_script_exhausted")
      return sendJSON(socket, status: 500, body: body, keepOpen: keepOpen)
    }

    if let expectation = reply.expectation {
      let unmet = expectation.unmetConditions(request: request, recorded: recorded)
      if !unmet.isEmpty {
        let message = "Mock provider replies[\(index)] expected " + unmet.joined(separator: "; it also expected ") + "."
        logger.warning(
          "Request does not match the scripted expectation", ["request": recorded.sequence, "reply": index])
        let body = envelope.body(
          status: 400, message: message, type: "invalid_request_error", param: "messages",
          code: "mock_expectation_failed")
        return sendJSON(socket, status: 400, body: body, keepOpen: keepOpen)
      }
    }

    var headers = [MockHeader(name: "x-request-id", value: "req_mock_\(recorded.sequence)")]
    if format == .anthropicMessages {
      headers.append(MockHeader(name: "request-id", value: "req_mock_\(recorded.sequence)"))
    }
    headers += reply.headers
    switch reply.body {
    case .error(let error):
      return sendError(error, envelope: envelope, socket: socket, headers: headers, keepOpen: keepOpen)
    case .text(let text):
      let context = ReplyContext(
        reply: text, sequence: recorded.sequence, created: time(nil), model: script.model, dialect: script.dialect,
        usage: UsageCounts(reply: text, request: request), includeUsage: request.includeUsage,
        includesEncryptedReasoning: request.includesEncryptedReasoning)
      var responder = ReplyResponder(
        socket: socket, reply: text, headers: headers, keepOpen: keepOpen, renderer: Self.renderer(format, context))
      guard request.stream else { return responder.sendCompletion() }
      let writer = EventStreamWriter(
        socket: socket, framing: keepOpen ? script.streamFraming : .connectionClose, lineEnding: script.lineEnding,
        writeSize: script.writeSize)
      return responder.stream(with: writer)
    }
  }

  private static func renderer(_ format: WireFormat, _ context: ReplyContext) -> any ReplyRenderer {
    switch format {
    case .chatCompletions: return ChatCompletionsRenderer(context: context)
    case .responses: return ResponsesRenderer(context: context)
    case .anthropicMessages: return AnthropicRenderer(context: context)
    }
  }

  /// Returns whether `path` is an Azure route that needs a dated `api-version`: a deployment route, or
  /// `/openai/responses` outside `/openai/v1`.
  private static func isDatedAzurePath(_ path: String) -> Bool {
    path.contains("/openai/deployments/") || path.hasSuffix("/openai/responses")
  }

  private func sendError(
    _ error: MockErrorReply, envelope: ErrorEnvelope, socket: Socket, headers: [MockHeader], keepOpen: Bool
  ) -> ResponseOutcome {
    switch error.body {
    case nil:
      let body = envelope.body(status: error.status, message: "Scripted error reply with HTTP status \(error.status)")
      return sendJSON(socket, status: error.status, body: body, headers: headers, keepOpen: keepOpen)
    case .json(let json)?:
      return sendJSON(socket, status: error.status, body: json, headers: headers, keepOpen: keepOpen)
    case .text(let text)?:
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

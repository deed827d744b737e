import Foundation
import JSONRPC
import Testing

/// The schemas of `protocol/schemas/`, and the check that every fixture runs on the messages each host
/// exchanged: that the schemas are complete and well formed, that the check catches broken messages, and
/// that the methods no other test calls match their schemas too.
@Suite(.timeLimit(.minutes(1)))
struct ProtocolSchemaTests {
  private func loadSchemas() throws -> ProtocolSchemas {
    try ProtocolSchemas.shared.get()
  }

  // MARK: - The schema files

  @Test func schemasAreWellFormed() throws {
    let schemas = try loadSchemas()
    let validator = JSONSchemaValidator(schemas: schemas.schemas)
    #expect(validator.schemaProblems(skipping: ["index.json"]) == [])

    for (name, document) in schemas.schemas.documents where name != "index.json" {
      #expect(
        document["$schema"] == "https://json-schema.org/draft/2020-12/schema", "\(name) does not declare draft 2020-12")
    }
  }

  @Test func indexNamesExistingFiles() throws {
    let schemas = try loadSchemas()
    var named = [schemas.messageSchema, schemas.errorSchema, schemas.envelopeSchema]
    for method in Array(schemas.methods.values) + Array(schemas.notifications.values) {
      named.append(method.params)
      if let result = method.result { named.append(result) }
    }
    named += schemas.events.values
    for file in named {
      #expect(schemas.schemas.documents[file] != nil, "index.json names \(file), which does not exist")
    }
    for (alias, method) in schemas.aliases {
      #expect(schemas.methods[method] != nil, "the alias \(alias) stands for \(method), which index.json does not list")
    }
    for method in schemas.methods.values {
      #expect(method.result != nil, "every method has a result schema")
    }

    // Every other file is shared definitions that the named files refer to.
    let unnamed = Set(schemas.schemas.documents.keys).subtracting(named).subtracting(["index.json"])
    #expect(unnamed == ["common.json"], "files neither named in index.json nor shared: \(unnamed)")
  }

  @Test func eventFilesFollowNaming() throws {
    let schemas = try loadSchemas()
    for (type, file) in schemas.events {
      #expect(file == "event.\(type).json")
    }
    for (name, method) in schemas.methods {
      #expect(method.params == "\(name).params.json")
      #expect(method.result == "\(name).result.json")
    }
  }

  // MARK: - The check catches broken messages

  /// Runs one streamed turn on a real host and returns the messages both sides exchanged.
  private func recordTurn(_ fixture: Fixture) async throws -> (sent: [JSONValue], received: [JSONValue], sessionID: String) {
    let mock = try await fixture.startMockProvider(script: ["replies": [["text": "Hello there."]]])
    let host = try await fixture.startConnectedHost()
    let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))
    _ = try await host.runTurn(sessionID, "Hi")
    _ = try await host.call("session.getMessages", ["sessionId": .string(sessionID)])
    return (host.sentMessages, host.messages.map(\.json), sessionID)
  }

  /// Returns `messages` with the first `session.event` of `type` replaced by `change` applied to its envelope.
  private func replacingEvent(
    _ type: String, in messages: [JSONValue], _ change: (inout JSONObject) -> Void
  ) throws -> [JSONValue] {
    let index = try #require(messages.firstIndex { $0["params"]?["event"]?["type"]?.stringValue == type })
    var envelope = try #require(messages[index]["params"]?["event"]?.objectValue)
    change(&envelope)
    var params = try #require(messages[index]["params"]?.objectValue)
    params["event"] = .object(envelope)
    var message = try #require(messages[index].objectValue)
    message["params"] = .object(params)
    var changed = messages
    changed[index] = .object(message)
    return changed
  }

  @Test func recordedTurnPasses() async throws {
    try await withFixture { fixture in
      let turn = try await recordTurn(fixture)
      let checker = ProtocolConformance(schemas: try loadSchemas())
      #expect(turn.received.count > 10, "a turn sends more than ten messages")
      #expect(checker.violations(sent: turn.sent, received: turn.received) == [])
    }
  }

  @Test func brokenEventFails() async throws {
    try await withFixture { fixture in
      let turn = try await recordTurn(fixture)
      let checker = ProtocolConformance(schemas: try loadSchemas())

      // The SDKs reject "user initiated", the spelling some documents use.
      let badReason = try replacingEvent("session.idle", in: turn.received) { envelope in
        envelope["type"] = "abort"
        envelope["data"] = ["reason": "user initiated"]
      }
      let reasonViolations = checker.violations(sent: turn.sent, received: badReason)
      #expect(reasonViolations.count == 1)
      #expect(reasonViolations.first?.contains("event abort data") == true, "\(reasonViolations)")
      #expect(reasonViolations.first?.contains("/reason") == true, "\(reasonViolations)")

      let missingContent = try replacingEvent("assistant.message", in: turn.received) { envelope in
        var data = envelope["data"]?.objectValue ?? [:]
        data["content"] = nil
        envelope["data"] = .object(data)
      }
      let contentViolations = checker.violations(sent: turn.sent, received: missingContent)
      #expect(contentViolations.first?.contains("the required member content is missing") == true, "\(contentViolations)")

      let badID = try replacingEvent("user.message", in: turn.received) { envelope in
        envelope["id"] = "evt-1"
      }
      let idViolations = checker.violations(sent: turn.sent, received: badID)
      #expect(idViolations.first?.contains("/event/id") == true, "\(idViolations)")

      let epochTime = try replacingEvent("assistant.turn_start", in: turn.received) { envelope in
        envelope["timestamp"] = 1_780_000_000_000
      }
      let timeViolations = checker.violations(sent: turn.sent, received: epochTime)
      #expect(timeViolations.first?.contains("/event/timestamp") == true, "\(timeViolations)")
    }
  }

  @Test func messageWithoutSchemaFails() async throws {
    try await withFixture { fixture in
      let turn = try await recordTurn(fixture)
      let checker = ProtocolConformance(schemas: try loadSchemas())

      let unknownType = try replacingEvent("assistant.turn_end", in: turn.received) { envelope in
        envelope["type"] = "assistant.mystery"
      }
      let typeViolations = checker.violations(sent: turn.sent, received: unknownType)
      #expect(typeViolations.count == 1)
      #expect(typeViolations.first?.contains("the event type assistant.mystery has no schema") == true, "\(typeViolations)")

      let notification: JSONValue = ["jsonrpc": "2.0", "method": "session.mystery", "params": [:]]
      let notificationViolations = checker.violations(sent: turn.sent, received: turn.received + [notification])
      #expect(notificationViolations.first?.contains("the notification session.mystery has no schema") == true)

      // A request that got a result needs a schema. One that got -32601 does not.
      let request: JSONValue = ["jsonrpc": "2.0", "id": "m1", "method": "session.mystery", "params": [:]]
      let answered: JSONValue = ["jsonrpc": "2.0", "id": "m1", "result": [:]]
      let requestViolations = checker.violations(sent: turn.sent + [request], received: turn.received + [answered])
      #expect(requestViolations.contains { $0.contains("the request session.mystery has no schema") }, "\(requestViolations)")
      let unhandled: JSONValue = [
        "jsonrpc": "2.0", "id": "m1", "error": ["code": -32601, "message": "Unhandled method session.mystery"],
      ]
      #expect(checker.violations(sent: turn.sent + [request], received: turn.received + [unhandled]) == [])

      let malformed: JSONValue = ["jsonrpc": "2.0", "id": 5, "result": [:], "error": ["code": 1, "message": "both"]]
      let malformedViolations = checker.violations(sent: turn.sent, received: turn.received + [malformed])
      #expect(malformedViolations.first?.contains("not a JSON-RPC 2.0 message") == true, "\(malformedViolations)")
    }
  }

  @Test func wrongParamsFail() async throws {
    try await withFixture { fixture in
      let turn = try await recordTurn(fixture)
      let checker = ProtocolConformance(schemas: try loadSchemas())

      // A client request that got a result must match its params schema.
      let index = try #require(turn.sent.firstIndex { $0["method"] == "session.send" })
      var send = try #require(turn.sent[index].objectValue)
      send["params"] = ["sessionId": .string(turn.sessionID), "prompt": "Hi", "agentMode": "dreaming"]
      var sent = turn.sent
      sent[index] = .object(send)
      let violations = checker.violations(sent: sent, received: turn.received)
      #expect(violations.count == 1)
      #expect(violations.first?.contains("session.send params") == true, "\(violations)")
      #expect(violations.first?.contains("/agentMode") == true, "\(violations)")
    }
  }

  // MARK: - Methods that other tests do not call

  @Test func everyMethodAndAliasMatchesSchemas() async throws {
    try await withFixture { fixture in
      let schemas = try loadSchemas()
      let mock = try await fixture.startMockProvider(script: ["replies": [["text": "Fine."]], "afterLast": "repeat"])
      let host = try await fixture.startConnectedHost(arguments: ["--provider-base-url", mock.baseURL])
      let provider = mock.provider(apiKey: "sk-test")

      #expect(try await host.call("ping", ["message": "hi"])["message"] == "pong: hi")
      #expect(try await host.call("status.get")["protocolVersion"] == 3)
      #expect(try await host.call("auth.getStatus")["isAuthenticated"] == false)
      #expect(try await host.call("models.list")["models"]?.arrayValue?.count == 1)

      let first = UUID().uuidString.lowercased()
      let second = UUID().uuidString.lowercased()
      _ = try await host.call("createSession", ["sessionId": .string(first), "model": "mock-model", "provider": provider])
      _ = try await host.call("session.create", ["sessionId": .string(second), "model": "mock-model", "streaming": true])

      let viaAlias = try await host.call("send", ["sessionId": .string(first), "prompt": "One"])
      _ = try await host.waitForTurnEnd(first, messageID: viaAlias["messageId"]?.stringValue ?? "")
      let viaMethod = try await host.call("session.send", ["sessionId": .string(first), "prompt": "Two"])
      _ = try await host.waitForTurnEnd(first, messageID: viaMethod["messageId"]?.stringValue ?? "")
      #expect(try await host.call("abort", ["sessionId": .string(first)])["success"] == true)
      #expect(try await host.call("session.abort", ["sessionId": .string(first)])["success"] == true)

      for level in ["info", "warning", "error"] {
        for ephemeral in [false, true] {
          let logged = try await host.call(
            "session.log",
            [
              "sessionId": .string(first), "message": .string("A \(level)"), "level": .string(level),
              "ephemeral": .bool(ephemeral),
            ])
          #expect(EventChecks.isUUID(logged["eventId"]?.stringValue), "session.log returned \(logged)")
        }
      }
      _ = try await host.call("session.tools.set", ["sessionId": .string(first), "tools": [ClientTools.encrypt()]])
      #expect(try await host.call("session.options.update", ["sessionId": .string(first)])["success"] == true)
      #expect(try await host.call("session.getForeground")["sessionId"] == .null)
      #expect(try await host.call("session.setForeground", ["sessionId": .string(first)])["success"] == false)

      #expect(try await host.call("getMessages", ["sessionId": .string(first)])["events"]?.arrayValue?.isEmpty == false)
      #expect(try await host.call("session.getMessages", ["sessionId": .string(first)])["events"]?.arrayValue?.isEmpty == false)
      #expect(try await host.call("listSessions")["sessions"]?.arrayValue?.count == 2)
      #expect(try await host.call("session.list")["sessions"]?.arrayValue?.count == 2)
      #expect(try await host.call("getLastSessionId")["sessionId"]?.stringValue != nil)
      #expect(try await host.call("session.getLastId")["sessionId"]?.stringValue != nil)
      let metadata = try await host.call("getSessionMetadata", ["sessionId": .string(first)])
      #expect(metadata["session"]?["sessionId"] == .string(first))
      #expect(try await host.call("session.getMetadata", ["sessionId": "no-such-session"])["session"] == .null)

      #expect(try await host.call("detach", ["sessionId": .string(first)])["success"] == true)
      _ = try await host.call("resume", ["sessionId": .string(first), "provider": provider])
      #expect(try await host.call("session.detach", ["sessionId": .string(first)])["success"] == true)
      _ = try await host.call("session.resume", ["sessionId": .string(first), "provider": provider])
      #expect(try await host.call("session.destroy", ["sessionId": .string(first)])["success"] == true)
      #expect(try await host.call("deleteSession", ["sessionId": .string(first)])["success"] == true)
      #expect(try await host.call("session.delete", ["sessionId": .string(second)])["success"] == true)

      try host.notify("$/cancelRequest", ["id": 999_999])
      #expect(try await host.call("shutdown") == [:])
      #expect(try await host.call("runtime.shutdown") == [:])

      // The responses to tool and permission requests need a scripted tool call, so
      // toolAnswersMatchSchemas sends them.
      let calledElsewhere: Set = ["session.tools.handlePendingToolCall", "session.permissions.handlePendingPermissionRequest"]
      let called = Set(host.sentMessages.compactMap { $0["method"]?.stringValue })
      for (name, method) in schemas.methods where method.direction == .clientToHost && !calledElsewhere.contains(name) {
        #expect(called.contains(name), "\(name) is not called")
      }
      for alias in schemas.aliases.keys {
        #expect(called.contains(alias), "the alias \(alias) is not called")
      }
      let types = Set(host.events(first).map(\.type))
      for type in ["session.info", "session.warning", "session.error", "session.resume"] {
        #expect(types.contains(type), "no \(type) event arrived")
      }
    }
  }

  @Test func toolAnswersMatchSchemas() async throws {
    try await withFixture { fixture in
      let script: JSONValue = ["replies": [ClientTools.callReply([ClientTools.call("call_1")]), ["text": "Encrypted."]]]
      let (_, host, sessionID) = try await fixture.startToolSession(script: script, params: ["requestPermission": true])

      let send = try await host.send(sessionID, "Encrypt Hi")
      let permission = try await host.waitForEvent(sessionID, "permission.requested")
      #expect(try await host.answerPermission(permission, ["kind": "approve-once"])["success"] == true)
      let toolRequest = try await host.waitForEvent(sessionID, "external_tool.requested")
      #expect(try await host.answerTool(toolRequest, ["result": ClientTools.success("SECRET")])["success"] == true)

      let turn = try await host.waitForTurn(sessionID, send)
      for type in ["permission.completed", "tool.execution_start", "external_tool.completed", "tool.execution_complete"] {
        #expect(turn.index(of: type) != nil, "no \(type) in \(turn.types)")
      }
      let late = try await host.answerTool(toolRequest, ["result": ClientTools.success("SECRET")])
      #expect(late["success"] == false, "a late answer is refused")
    }
  }

  @Test func bearerTokenRequestMatchesSchemas() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: ["replies": [["text": "Tokened."]]])
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(
        provider: ["type": "openai", "baseUrl": .string(mock.baseURL), "hasBearerTokenProvider": true])

      let (messageID, _) = try await host.send(sessionID, "Hi")
      let request = try await host.waitForMessage(describing: "a providerToken.getToken request") {
        $0.method == "providerToken.getToken"
      }
      #expect(request.params["sessionId"] == .string(sessionID))
      #expect(request.params["providerName"] == "default")
      try host.writeFrame(["jsonrpc": "2.0", "id": request.json["id"] ?? .null, "result": ["token": "token-1"]])

      let events = try await host.waitForTurnEnd(sessionID, messageID: messageID)
      #expect(events.contains { $0.type == "assistant.message" }, "turn events: \(events.map(\.type))")
      let chat = try #require(try await mock.waitForRequests(1).first)
      #expect(chat.header("authorization") == "Bearer token-1")
    }
  }

  @Test func retryNoticeMatchesSchemas() async throws {
    try await withFixture { fixture in
      let script: JSONValue = ["replies": [["status": 503], ["text": "Recovered."]]]
      let mock = try await fixture.startMockProvider(script: script)
      let host = try await fixture.startConnectedHost(arguments: ["--max-retries", "1", "--max-retry-delay", "0"])
      let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))

      let turn = try await host.runTurn(sessionID, "Hi")
      let notice = try #require(turn.first("session.info"), "turn events: \(turn.types)")
      #expect(notice.string("infoType") == "retry")
      #expect(notice.data["statusCode"] == 503)
      #expect(turn.first("assistant.message")?.string("content") == "Recovered.")
    }
  }
}

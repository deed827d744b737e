import Foundation
import JSONRPC
import Testing

/// Client tools through the agent loop: the model requests calls, the test returns results as an SDK would,
/// and the next provider request must carry them.
@Suite(.timeLimit(.minutes(1)))
struct ToolTests {
  @Test func toolRoundEventOrder() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply([ClientTools.call("call_1")], ["argumentChunks": 3]),
          ClientTools.answerReply("The encrypted text is HI.", expecting: [("call_1", "HI")]),
        ]
      ]
      let (mock, host, sessionID) = try await fixture.startToolSession(
        script: script, params: ["requestPermission": true])

      let send = try await host.send(sessionID, "Encrypt Hi")
      let permission = try await host.waitForEvent(sessionID, "permission.requested")
      let permissionAnswer = try await host.answerPermission(permission, ["kind": "approve-once"])
      let request = try await host.waitForEvent(sessionID, "external_tool.requested")
      let toolAnswer = try await host.answerTool(request, ["result": ClientTools.success("HI")])
      let turn = try await host.waitForTurn(sessionID, send)

      #expect(
        turn.collapsedTypes == [
          "user.message", "pending_messages.modified", "assistant.turn_start", "assistant.message",
          "assistant.usage", "session.usage_info", "permission.requested", "permission.completed",
          "tool.execution_start", "external_tool.requested", "external_tool.completed", "tool.execution_complete",
          "assistant.turn_end", "assistant.turn_start", "assistant.message_start", "assistant.message_delta",
          "assistant.message", "assistant.usage", "session.usage_info", "assistant.turn_end", "session.idle",
        ])
      EventChecks.expectValidEnvelopes(host.events(sessionID))
      #expect(permissionAnswer["success"] == .bool(true))
      #expect(toolAnswer["success"] == .bool(true))

      let toolMessage = try #require(turn.first("assistant.message"))
      #expect(toolMessage.string("content") == "")
      #expect(
        toolMessage.data["toolRequests"]
          == [["toolCallId": "call_1", "name": "encrypt", "arguments": ["input": "Hi"], "type": "function"]])

      let permissionRequestID = try #require(permission.string("requestId"))
      #expect(
        permission.data["permissionRequest"]
          == [
            "kind": "custom-tool", "toolCallId": "call_1", "toolName": "encrypt",
            "toolDescription": .string(ClientTools.encryptDescription), "args": ["input": "Hi"],
          ])
      let permissionCompleted = try #require(turn.first("permission.completed"))
      #expect(permissionCompleted.string("requestId") == permissionRequestID)
      #expect(permissionCompleted.data["result"] == ["kind": "approved"])

      let toolRequestID = try #require(request.string("requestId"))
      #expect(request.string("sessionId") == sessionID)
      #expect(request.string("toolCallId") == "call_1")
      #expect(request.string("toolName") == "encrypt")
      #expect(request.data["arguments"] == ["input": "Hi"])
      #expect(turn.first("tool.execution_start")?.string("toolCallId") == "call_1")
      #expect(turn.first("tool.execution_start")?.data["arguments"] == ["input": "Hi"])
      #expect(turn.first("external_tool.completed")?.string("requestId") == toolRequestID)
      let completed = try #require(turn.first("tool.execution_complete"))
      #expect(completed.string("toolCallId") == "call_1")
      #expect(completed.data["success"] == .bool(true))
      #expect(completed.data["result"]?["content"] == "HI")

      let turnStarts = turn.all("assistant.turn_start").compactMap { $0.string("turnId") }
      let turnEnds = turn.all("assistant.turn_end").compactMap { $0.string("turnId") }
      #expect(turnStarts.count == 2)
      #expect(turnStarts == turnEnds)
      #expect(Set(turnStarts).count == 2)
      let answer = turn.all("assistant.message").last
      #expect(answer?.string("content") == "The encrypted text is HI.")
      #expect(answer?.string("originatingMessageId") == send.messageID)

      let requests = try await mock.waitForRequests(2)
      #expect(requests.count == 2)
      #expect(requests[0].offeredToolNames == ["encrypt"])
      let assistantCalls = requests[1].body["messages"]?.arrayValue?.first { $0["role"] == "assistant" }?["tool_calls"]
      #expect(assistantCalls?.arrayValue?.first?["id"] == "call_1")
      #expect(assistantCalls?.arrayValue?.first?["function"]?["name"] == "encrypt")
      #expect(requests[1].toolMessages.map(\.toolCallID) == ["call_1"])
      #expect(requests[1].toolMessages.map(\.text) == ["HI"])
      #expect(requests[1].messages.last?.role == "tool")
    }
  }

  @Test func parallelCallsRunConcurrently() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply([ClientTools.call("call_a", input: "one"), ClientTools.call("call_b", input: "two")]),
          ClientTools.answerReply("ONE and TWO.", expecting: [("call_a", "ONE"), ("call_b", "TWO")]),
        ]
      ]
      let (mock, host, sessionID) = try await fixture.startToolSession(script: script)

      let send = try await host.send(sessionID, "Encrypt one and two")
      // Both requests arrive before the test returns either result, so the two calls run at the same time.
      let second = try await host.waitForEvent(sessionID, "external_tool.requested", occurrence: 2)
      let first = try await host.waitForEvent(sessionID, "external_tool.requested", occurrence: 1)
      let requested = [first, second]
      let byCall = Dictionary(uniqueKeysWithValues: requested.compactMap { event in
        event.string("toolCallId").map { ($0, event) }
      })
      let callA = try #require(byCall["call_a"])
      let callB = try #require(byCall["call_b"])
      #expect(host.events(sessionID).filter { $0.type == "external_tool.completed" }.isEmpty)
      #expect(callA.data["arguments"] == ["input": "one"])
      #expect(callB.data["arguments"] == ["input": "two"])

      try await host.answerTool(callB, ["result": ClientTools.success("TWO")])
      try await host.answerTool(callA, ["result": ClientTools.success("ONE")])
      let turn = try await host.waitForTurn(sessionID, send)

      let completions = turn.all("tool.execution_complete")
      #expect(completions.compactMap { $0.string("toolCallId") } == ["call_b", "call_a"])
      #expect(completions.allSatisfy { $0.data["success"] == .bool(true) })
      #expect(turn.all("assistant.turn_start").count == 2)
      #expect(turn.types.last == "session.idle")
      #expect(turn.all("assistant.message").last?.string("content") == "ONE and TWO.")

      let requests = try await mock.waitForRequests(2)
      #expect(requests[1].toolMessages.map(\.toolCallID) == ["call_a", "call_b"])
      #expect(requests[1].toolMessages.map(\.text) == ["ONE", "TWO"])
    }
  }

  @Test func failureResultContinuesLoop() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply([ClientTools.call("call_1")]),
          ClientTools.answerReply("The service is down.", expecting: [("call_1", "Service unavailable")]),
        ]
      ]
      let (mock, host, sessionID) = try await fixture.startToolSession(script: script)

      let send = try await host.send(sessionID, "Encrypt Hi")
      let request = try await host.waitForEvent(sessionID, "external_tool.requested")
      try await host.answerTool(
        request, ["result": ["textResultForLlm": "Service unavailable", "resultType": "failure"]])
      let turn = try await host.waitForTurn(sessionID, send)

      let completed = try #require(turn.first("tool.execution_complete"))
      #expect(completed.data["success"] == .bool(false))
      #expect(completed.data["error"]?["code"] == "failure")
      #expect(completed.data["error"]?["message"] == "Service unavailable")
      #expect(turn.all("session.error").isEmpty, "errors: \(turn.all("session.error").map(\.data))")
      #expect(turn.all("assistant.message").last?.string("content") == "The service is down.")
      #expect(turn.types.last == "session.idle")
      #expect(try await mock.waitForRequests(2).last?.toolMessages.map(\.text) == ["Service unavailable"])
    }
  }

  @Test func clientErrorStaysPrivate() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply([ClientTools.call("call_1")]),
          ["text": "The tool failed.", "expect": ["toolResults": [["toolCallId": "call_1"]]]],
        ]
      ]
      let (mock, host, sessionID) = try await fixture.startToolSession(script: script)

      let send = try await host.send(sessionID, "Encrypt Hi")
      let request = try await host.waitForEvent(sessionID, "external_tool.requested")
      try await host.answerTool(request, ["error": "Melbourne secret"])
      let turn = try await host.waitForTurn(sessionID, send)

      let completed = try #require(turn.first("tool.execution_complete"))
      #expect(completed.data["success"] == .bool(false))
      #expect(completed.data["error"]?["message"]?.stringValue?.isEmpty == false)
      #expect(turn.all("assistant.message").last?.string("content") == "The tool failed.")
      let toolMessages = try await mock.waitForRequests(2)[1].toolMessages
      #expect(toolMessages.map(\.toolCallID) == ["call_1"])
      #expect(toolMessages.allSatisfy { !$0.text.isEmpty })
      #expect(!toolMessages.contains { $0.text.contains("Melbourne") }, "tool messages: \(toolMessages)")
      #expect(!mock.recordText.contains("Melbourne"), "the client's raw error reached the provider")
    }
  }

  @Test func rejectedResultEndsLoop() async throws {
    try await withFixture { fixture in
      let script: JSONValue = ["replies": [ClientTools.callReply([ClientTools.call("call_1")]), ["text": "Unused."]]]
      let (mock, host, sessionID) = try await fixture.startToolSession(script: script)

      let send = try await host.send(sessionID, "Encrypt Hi")
      let request = try await host.waitForEvent(sessionID, "external_tool.requested")
      try await host.answerTool(request, ["result": ["textResultForLlm": "Not allowed here", "resultType": "rejected"]])
      let turn = try await host.waitForTurn(sessionID, send)
      _ = try await host.call("ping")

      let completed = try #require(turn.first("tool.execution_complete"))
      #expect(completed.data["success"] == .bool(false))
      #expect(completed.data["error"]?["code"] == "rejected")
      #expect(turn.all("assistant.turn_start").count == 1)
      #expect(turn.all("session.error").isEmpty)
      #expect(turn.types.suffix(2) == ["assistant.turn_end", "session.idle"])
      #expect(mock.requests.count == 1, "a rejected result must end the loop without another model call")
    }
  }

  @Test func unknownToolNameAnswered() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply([["id": "call_1", "name": "x", "arguments": ["input": "Hi"]]]),
          [
            "text": "Sorry.",
            "expect": ["toolResults": [["toolCallId": "call_1", "contentContains": "Tool 'x' does not exist."]]],
          ],
        ]
      ]
      let (mock, host, sessionID) = try await fixture.startToolSession(
        script: script, params: ["requestPermission": true])

      let turn = try await host.runTurn(sessionID, "Call x")

      #expect(turn.all("permission.requested").isEmpty)
      #expect(turn.all("external_tool.requested").isEmpty)
      let completed = try #require(turn.first("tool.execution_complete"))
      #expect(completed.string("toolCallId") == "call_1")
      #expect(completed.data["success"] == .bool(false))
      #expect(turn.all("assistant.message").last?.string("content") == "Sorry.")
      let toolText = try await mock.waitForRequests(2)[1].toolMessages.first?.text ?? ""
      #expect(toolText.hasPrefix("Tool 'x' does not exist."), "tool message: \(toolText)")
    }
  }

  @Test func invalidArgumentsNeverRun() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply([["id": "call_1", "name": "encrypt", "arguments": "{\"input\": "]], ["argumentChunks": 2]),
          ["text": "Let me fix that.", "expect": ["toolResults": [["toolCallId": "call_1"]]]],
        ]
      ]
      let (mock, host, sessionID) = try await fixture.startToolSession(
        script: script, params: ["requestPermission": true])

      let turn = try await host.runTurn(sessionID, "Encrypt Hi")

      #expect(turn.all("permission.requested").isEmpty)
      #expect(turn.all("external_tool.requested").isEmpty)
      #expect(turn.first("tool.execution_complete")?.data["success"] == .bool(false))
      #expect(turn.all("assistant.message").last?.string("content") == "Let me fix that.")
      let toolText = try await mock.waitForRequests(2)[1].toolMessages.first?.text ?? ""
      #expect(toolText.contains("encrypt"), "tool message: \(toolText)")
      #expect(toolText.contains("not valid JSON"), "tool message: \(toolText)")
    }
  }

  @Test func truncatedCallNeverRuns() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply([ClientTools.call("call_1")], ["argumentChunks": 3, "truncateAfterChunks": 2])
        ]
      ]
      let (mock, host, sessionID) = try await fixture.startToolSession(
        script: script, hostArguments: ["--max-retries", "0"])

      let turn = try await host.runTurn(sessionID, "Encrypt Hi")

      let error = try #require(turn.first("session.error"))
      #expect(error.string("originatingMessageId") == turn.messageID)
      #expect(turn.all("tool.execution_start").isEmpty)
      #expect(turn.all("external_tool.requested").isEmpty)
      #expect(turn.types.last == "session.idle")
      #expect(mock.requests.count == 1)
    }
  }

  @Test func toolFiltersLimitOffer() async throws {
    try await withFixture { fixture in
      let script: JSONValue = ["replies": [["text": "Noted."]], "afterLast": "repeat"]
      let mock = try await fixture.startMockProvider(script: script)
      let host = try await fixture.startConnectedHost()
      let tools = ["alpha", "beta", "gamma"].map { ClientTools.tool($0) }
      let filtered = try await host.createToolSession(
        mock: mock, tools: tools, ["availableTools": ["alpha", "beta"], "excludedTools": ["beta"]])
      let excludedOnly = try await host.createToolSession(mock: mock, tools: tools, ["excludedTools": ["gamma"]])
      let unfiltered = try await host.createToolSession(mock: mock, tools: tools)

      _ = try await host.runTurn(filtered, "Hello")
      _ = try await host.runTurn(excludedOnly, "Hello")
      _ = try await host.runTurn(unfiltered, "Hello")
      let requests = try await mock.waitForRequests(3)

      #expect(requests[0].offeredToolNames == ["alpha"])
      #expect(requests[1].offeredToolNames == ["alpha", "beta"])
      #expect(requests[2].offeredToolNames == ["alpha", "beta", "gamma"])
    }
  }

  @Test func toolTimeoutFailsCall() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply([ClientTools.call("call_1")]),
          ["text": "It timed out.", "expect": ["toolResults": [["toolCallId": "call_1"]]]],
        ]
      ]
      let (mock, host, sessionID) = try await fixture.startToolSession(
        script: script, hostArguments: ["--tool-timeout", "1"])

      let send = try await host.send(sessionID, "Encrypt Hi")
      let request = try await host.waitForEvent(sessionID, "external_tool.requested")
      let turn = try await host.waitForTurn(sessionID, send)
      let late = try await host.answerTool(request, ["result": ClientTools.success("HI")])

      let completed = try #require(turn.first("tool.execution_complete"))
      #expect(completed.data["success"] == .bool(false))
      #expect(completed.data["error"]?["code"] == "timeout")
      #expect(turn.first("external_tool.completed")?.string("requestId") == request.string("requestId"))
      #expect(turn.all("assistant.message").last?.string("content") == "It timed out.")
      #expect(turn.types.last == "session.idle")
      #expect(late["success"] == .bool(false))
      let toolText = try await mock.waitForRequests(2)[1].toolMessages.first?.text ?? ""
      #expect(toolText.contains("within 1 second."), "tool message: \(toolText)")
    }
  }

  @Test func modelCallLimitEndsSend() async throws {
    try await withFixture { fixture in
      let script: JSONValue = ["replies": [ClientTools.callReply([ClientTools.call("call_1")])], "afterLast": "repeat"]
      let (mock, host, sessionID) = try await fixture.startToolSession(
        script: script, hostArguments: ["--max-model-calls", "2"])

      let send = try await host.send(sessionID, "Encrypt forever")
      for round in 1...2 {
        let request = try await host.waitForEvent(sessionID, "external_tool.requested", occurrence: round)
        try await host.answerTool(request, ["result": ClientTools.success("HI")])
      }
      let turn = try await host.waitForTurn(sessionID, send)

      let error = try #require(turn.first("session.error"))
      let message = error.string("message") ?? ""
      #expect(message.contains("2 model calls"), "session.error message: \(message)")
      #expect(message.contains("--max-model-calls"), "session.error message: \(message)")
      #expect(error.string("originatingMessageId") == send.messageID)
      #expect(turn.types.last == "session.idle")
      #expect(turn.all("assistant.turn_start").count == 2)
      #expect(mock.requests.count == 2)
    }
  }

  @Test func sendQueuesBehindToolRound() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply([ClientTools.call("call_1")]),
          ClientTools.answerReply("First done.", expecting: [("call_1", "HI")]),
          ["text": "Second done.", "expect": ["messagesContain": ["Second question"]]],
        ]
      ]
      let (mock, host, sessionID) = try await fixture.startToolSession(script: script)

      let firstSend = try await host.send(sessionID, "Encrypt Hi")
      let request = try await host.waitForEvent(sessionID, "external_tool.requested")
      let secondSend = try await host.send(sessionID, "Second question")
      try await host.answerTool(request, ["result": ClientTools.success("HI")])
      let second = try await host.waitForTurn(sessionID, secondSend)
      let first = try await host.waitForTurn(sessionID, firstSend)

      #expect(first.types.last == "session.idle")
      #expect(first.all("assistant.message").last?.string("content") == "First done.")
      #expect(second.types.first == "user.message")
      #expect(second.types.last == "session.idle")
      #expect(second.all("assistant.message").last?.string("content") == "Second done.")
      let firstIdle = try #require(first.events.last)
      let secondStart = try #require(second.events.first)
      #expect(firstIdle.sequence < secondStart.sequence, "the queued send started before the first ended")
      #expect(host.events(sessionID).filter { $0.type == "session.idle" }.count == 2)
      #expect(try await mock.waitForRequests(3).count == 3)
    }
  }

  /// The ways compatible servers stream two calls, as mock reply fields.
  static let callShapes: [JSONObject] = [
    ["argumentChunks": 4],
    ["argumentChunks": 3, "toolCallIndex": false],
    ["toolCallDelivery": "whole"],
    ["toolCallDelivery": "oneDelta"],
    ["text": "Encrypting both.", "nullToolCalls": true, "argumentChunks": 2],
  ]

  @Test(arguments: callShapes)
  func callShapesAssembleAlike(_ shape: JSONObject) async throws {
    try await withFixture { fixture in
      let calls = [ClientTools.call("call_a", input: "one"), ClientTools.call("call_b", input: "two")]
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply(calls, shape),
          ClientTools.answerReply("ONE and TWO.", expecting: [("call_a", "ONE"), ("call_b", "TWO")]),
        ]
      ]
      let (_, host, sessionID) = try await fixture.startToolSession(script: script)

      let send = try await host.send(sessionID, "Encrypt one and two")
      for occurrence in 1...2 {
        let request = try await host.waitForEvent(sessionID, "external_tool.requested", occurrence: occurrence)
        let input = request.data["arguments"]?["input"]?.stringValue ?? ""
        try await host.answerTool(request, ["result": ClientTools.success(input.uppercased())])
      }
      let turn = try await host.waitForTurn(sessionID, send)

      let toolRequests = turn.first("assistant.message")?.data["toolRequests"]?.arrayValue ?? []
      #expect(toolRequests.compactMap { $0["toolCallId"]?.stringValue } == ["call_a", "call_b"])
      #expect(toolRequests.compactMap { $0["name"]?.stringValue } == ["encrypt", "encrypt"])
      #expect(toolRequests.map { $0["arguments"] } == [["input": "one"], ["input": "two"]])
      #expect(turn.first("assistant.message")?.string("content") == shape["text"]?.stringValue ?? "")
      #expect(turn.all("session.error").isEmpty, "errors: \(turn.all("session.error").map(\.data))")
      #expect(turn.all("assistant.message").last?.string("content") == "ONE and TWO.")
    }
  }
}

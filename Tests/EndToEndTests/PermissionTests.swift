import Foundation
import JSONRPC
import Testing

/// Permission rounds before client tools run: when the host requests permission, and what a rejection does.
@Suite(.timeLimit(.minutes(1)))
struct PermissionTests {
  /// Builds a script of one `encrypt` call, then a final reply that is only played when the request has a tool
  /// message for the call, with the text `content` when it is given.
  static func script(answering content: String? = nil) -> JSONValue {
    let result: JSONValue = content.map { ["toolCallId": "call_1", "content": .string($0)] } ?? ["toolCallId": "call_1"]
    return [
      "replies": [
        ClientTools.callReply([ClientTools.call("call_1")]),
        ["text": "Done.", "expect": ["toolResults": [result], "lastMessageRole": "tool"]],
      ]
    ]
  }

  @Test func rejectSkipsTool() async throws {
    try await withFixture { fixture in
      let (mock, host, sessionID) = try await fixture.startToolSession(
        script: Self.script(), params: ["requestPermission": true])

      let send = try await host.send(sessionID, "Encrypt Hi")
      let permission = try await host.waitForEvent(sessionID, "permission.requested")
      let answer = try await host.answerPermission(permission, ["kind": "reject", "feedback": "too risky"])
      let turn = try await host.waitForTurn(sessionID, send)

      #expect(answer["success"] == .bool(true))
      let completed = try #require(turn.first("permission.completed"))
      #expect(completed.string("requestId") == permission.string("requestId"))
      #expect(completed.data["result"]?["kind"] == "denied-interactively-by-user")
      #expect(turn.all("external_tool.requested").isEmpty)
      let toolCompleted = try #require(turn.first("tool.execution_complete"))
      #expect(toolCompleted.data["success"] == .bool(false))
      #expect(toolCompleted.data["error"]?["message"]?.stringValue?.contains("rejected") == true)
      #expect(turn.all("assistant.message").last?.string("content") == "Done.")
      #expect(turn.types.last == "session.idle")

      let toolText = try await mock.waitForRequests(2)[1].toolMessages.first?.text ?? ""
      #expect(toolText.contains("rejected"), "tool message: \(toolText)")
      #expect(toolText.contains("too risky"), "tool message: \(toolText)")
    }
  }

  @Test func skipPermissionToolNotAsked() async throws {
    try await withFixture { fixture in
      let (_, host, sessionID) = try await fixture.startToolSession(
        script: Self.script(answering: "HI"), tools: [ClientTools.encrypt(skipPermission: true)],
        params: ["requestPermission": true])

      let send = try await host.send(sessionID, "Encrypt Hi")
      let request = try await host.waitForEvent(sessionID, "external_tool.requested")
      try await host.answerTool(request, ["result": ClientTools.success("HI")])
      let turn = try await host.waitForTurn(sessionID, send)

      #expect(turn.all("permission.requested").isEmpty)
      #expect(turn.all("permission.completed").isEmpty)
      #expect(turn.first("tool.execution_complete")?.data["success"] == .bool(true))
      #expect(turn.all("assistant.message").last?.string("content") == "Done.")
    }
  }

  @Test func noPermissionWithoutRequest() async throws {
    try await withFixture { fixture in
      let (_, host, sessionID) = try await fixture.startToolSession(script: Self.script(answering: "HI"))

      let send = try await host.send(sessionID, "Encrypt Hi")
      let request = try await host.waitForEvent(sessionID, "external_tool.requested")
      try await host.answerTool(request, ["result": ClientTools.success("HI")])
      let turn = try await host.waitForTurn(sessionID, send)

      #expect(turn.all("permission.requested").isEmpty)
      #expect(turn.first("tool.execution_complete")?.data["success"] == .bool(true))
      #expect(turn.all("assistant.message").last?.string("content") == "Done.")
    }
  }

  @Test func lateApprovalAnswersFalse() async throws {
    try await withFixture { fixture in
      let (_, host, sessionID) = try await fixture.startToolSession(
        script: Self.script(answering: "HI"), params: ["requestPermission": true])

      let send = try await host.send(sessionID, "Encrypt Hi")
      let permission = try await host.waitForEvent(sessionID, "permission.requested")
      let first = try await host.answerPermission(permission, ["kind": "approve-once"])
      let second = try await host.answerPermission(permission, ["kind": "approve-once"])
      let request = try await host.waitForEvent(sessionID, "external_tool.requested")
      try await host.answerTool(request, ["result": ClientTools.success("HI")])
      let turn = try await host.waitForTurn(sessionID, send)

      #expect(first["success"] == .bool(true))
      #expect(second["success"] == .bool(false))
      #expect(turn.all("permission.completed").count == 1)
      #expect(turn.all("tool.execution_start").count == 1)
    }
  }
}

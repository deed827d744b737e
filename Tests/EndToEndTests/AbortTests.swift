import Foundation
import JSONRPC
import Testing

/// `session.abort` while the model streams and while a client tool or permission request is pending.
@Suite(.timeLimit(.minutes(1)))
struct AbortTests {
  /// The text the model reads for a tool call an abort cut short.
  static let interruptedText = "The execution of this tool, or a previous tool was interrupted."

  /// Parses the `time` of a mock provider record line, an ISO 8601 time with milliseconds.
  private func recordTime(_ line: JSONValue) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return line["time"]?.stringValue.flatMap { formatter.date(from: $0) }
  }

  /// Returns the event types from the first `abort` on, leaving out `assistant.turn_end`, which the protocol
  /// makes optional after an abort.
  private func typesFromAbort(_ turn: Turn) -> [String] {
    guard let start = turn.index(of: "abort") else { return [] }
    return turn.events[start...].map(\.type).filter { $0 != "assistant.turn_end" }
  }

  @Test func abortClosesProviderConnection() async throws {
    try await withFixture { fixture in
      let words = (1...20).map { "word\($0)" }.joined(separator: " ")
      let script: JSONValue = ["replies": [["text": .string(words), "delayMs": 300], ["text": "Still here."]]]
      let mock = try await fixture.startMockProvider(script: script)
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))

      let send = try await host.send(sessionID, "Count slowly.")
      try await host.waitForEvent(sessionID, "assistant.message_delta")
      let abortSent = Date()
      let abort = try await host.call("session.abort", ["sessionId": .string(sessionID)])
      let turn = try await host.waitForTurn(sessionID, send)
      let closes = try await mock.waitForClientClose()

      #expect(abort["success"] == .bool(true))
      let closeTime = try #require(closes.first.flatMap(recordTime), "client_closed lines: \(closes)")
      let delay = closeTime.timeIntervalSince(abortSent)
      #expect(delay < 1.0, "the provider connection closed \(delay) s after the abort was sent")
      // The record file keeps milliseconds, so a close in the same millisecond may read as slightly earlier.
      #expect(delay > -0.01, "the provider connection closed \(-delay) s before the abort was sent")
      #expect(closes.first?["request"] == 1)

      #expect(typesFromAbort(turn).first == "abort")
      #expect(turn.first("abort")?.string("reason") == "user_initiated")
      #expect(turn.types.last == "session.idle")
      #expect(turn.events.last?.data["aborted"] == .bool(true))
      #expect(turn.all("session.error").isEmpty)
      let abortIndex = try #require(turn.index(of: "abort"))
      #expect(!turn.events[abortIndex...].contains { $0.type == "assistant.message_delta" })

      let partial = turn.all("assistant.message_delta").compactMap { $0.string("deltaContent") }.joined()
      #expect(!partial.isEmpty)
      let next = try await host.runTurn(sessionID, "Are you there?")
      #expect(next.all("assistant.message").last?.string("content") == "Still here.")
      let second = try #require(try await mock.waitForRequests(2).last)
      #expect(second.hasMessage(role: "assistant", containing: partial), "messages: \(second.messages)")
      #expect(second.messages.last?.text == "Are you there?")
    }
  }

  @Test func abortWhileToolPending() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply([ClientTools.call("call_1")]),
          // The next send ends with the user's message, so the interrupted result is checked, not the last role.
          [
            "text": "Retrying.",
            "expect": ["toolResults": [["toolCallId": "call_1", "content": .string(Self.interruptedText)]]],
          ],
        ]
      ]
      let (mock, host, sessionID) = try await fixture.startToolSession(script: script)

      let send = try await host.send(sessionID, "Encrypt Hi")
      let request = try await host.waitForEvent(sessionID, "external_tool.requested")
      _ = try await host.call("session.abort", ["sessionId": .string(sessionID)])
      let turn = try await host.waitForTurn(sessionID, send)
      let late = try await host.answerTool(request, ["result": ClientTools.success("HI")])

      #expect(typesFromAbort(turn) == ["abort", "external_tool.completed", "tool.execution_complete", "session.idle"])
      #expect(turn.first("abort")?.string("reason") == "user_initiated")
      #expect(turn.first("external_tool.completed")?.string("requestId") == request.string("requestId"))
      let completed = try #require(turn.first("tool.execution_complete"))
      #expect(completed.string("toolCallId") == "call_1")
      #expect(completed.data["success"] == .bool(false))
      let message = completed.data["error"]?["message"]?.stringValue ?? ""
      #expect(message.contains("interrupted"), "tool.execution_complete error: \(message)")
      #expect(turn.events.last?.data["aborted"] == .bool(true))
      #expect(late["success"] == .bool(false))

      let next = try await host.runTurn(sessionID, "Try again")
      #expect(next.all("session.error").isEmpty, "errors: \(next.all("session.error").map(\.data))")
      #expect(next.all("assistant.message").last?.string("content") == "Retrying.")
      let second = try #require(try await mock.waitForRequests(2).last)
      #expect(second.toolMessages.map(\.toolCallID) == ["call_1"])
      #expect(second.toolMessages.map(\.text) == [Self.interruptedText])
    }
  }

  @Test func abortWhilePermissionPending() async throws {
    try await withFixture { fixture in
      let script: JSONValue = ["replies": [ClientTools.callReply([ClientTools.call("call_1")])]]
      let (_, host, sessionID) = try await fixture.startToolSession(
        script: script, params: ["requestPermission": true])

      let send = try await host.send(sessionID, "Encrypt Hi")
      let permission = try await host.waitForEvent(sessionID, "permission.requested")
      _ = try await host.call("session.abort", ["sessionId": .string(sessionID)])
      let turn = try await host.waitForTurn(sessionID, send)
      let late = try await host.answerPermission(permission, ["kind": "approve-once"])
      _ = try await host.call("ping")

      #expect(typesFromAbort(turn).first == "abort")
      #expect(turn.all("external_tool.requested").isEmpty)
      let completed = try #require(turn.first("tool.execution_complete"))
      #expect(completed.data["success"] == .bool(false))
      #expect(completed.data["error"]?["message"]?.stringValue?.contains("interrupted") == true)
      #expect(turn.types.last == "session.idle")
      #expect(turn.events.last?.data["aborted"] == .bool(true))
      #expect(late["success"] == .bool(false))
      #expect(host.events(sessionID).filter { $0.type == "external_tool.requested" }.isEmpty)
    }
  }
}

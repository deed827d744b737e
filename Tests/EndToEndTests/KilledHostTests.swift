import Foundation
import JSONRPC
import Testing

/// Sessions resumed after their host was killed in the middle of a tool call.
@Suite(.timeLimit(.minutes(1)))
struct KilledHostTests {
  @Test func resumeFailsOpenToolCall() async throws {
    try await withFixture { fixture in
      let interrupted = "The execution of this tool, or a previous tool was interrupted."
      let script: JSONValue = [
        "replies": [
          ClientTools.callReply([ClientTools.call("call_1")]),
          [
            "text": "Let me try again.",
            "expect": ["toolResults": [["toolCallId": "call_1", "contentContains": .string(interrupted)]]],
          ],
        ]
      ]
      let mock = try await fixture.startMockProvider(script: script)
      let first = try await fixture.startConnectedHost()
      let sessionID = try await first.createToolSession(mock: mock, tools: [ClientTools.encrypt()])
      _ = try await first.send(sessionID, "Encrypt Hi")
      try await first.waitForEvent(sessionID, "external_tool.requested")

      first.kill()
      #expect(await first.waitForExit() == .signaled(SIGKILL))

      let second = try await fixture.startConnectedHost()
      let resumed = try await second.call(
        "session.resume",
        ["sessionId": .string(sessionID), "provider": mock.provider(apiKey: "sk-test"), "tools": [ClientTools.encrypt()],
         "streaming": true])
      #expect(resumed["sessionId"]?.stringValue == sessionID)
      let completed = try await second.waitForEvent(sessionID, "tool.execution_complete")
      #expect(completed.string("toolCallId") == "call_1")
      #expect(completed.data["success"] == .bool(false))
      let message = completed.data["error"]?["message"]?.stringValue ?? ""
      #expect(message.contains("interrupted"), "tool.execution_complete error: \(message)")
      let types = second.events(sessionID).map(\.type)
      #expect(types.first == "session.resume", "events after resume: \(types)")

      let turn = try await second.runTurn(sessionID, "Try again")
      #expect(turn.all("session.error").isEmpty, "errors: \(turn.all("session.error").map(\.data))")
      #expect(turn.all("assistant.message").last?.string("content") == "Let me try again.")
      #expect(turn.types.last == "session.idle")
      let request = try #require(try await mock.waitForRequests(2).last)
      #expect(request.toolMessages.map(\.toolCallID) == ["call_1"])
      #expect(request.toolMessages.first?.text.contains(interrupted) == true)
      #expect(request.messages.last?.text == "Try again")
    }
  }
}

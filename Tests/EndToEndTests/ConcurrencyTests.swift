import Foundation
import JSONRPC
import Testing

/// Requests the host must handle while a turn is still streaming.
@Suite(.timeLimit(.minutes(1)))
struct ConcurrencyTests {
  /// A reply of ten chunks sent 200 ms apart: about two seconds of streaming.
  static let slowReply: JSONValue = [
    "text": "one two three four five six seven eight nine ten",
    "delayMs": 200,
  ]

  @Test func pingAnswersDuringTurn() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: ["replies": [Self.slowReply]])
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))

      let (messageID, _) = try await host.send(sessionID, "Count to ten.")
      try await host.waitForEvent(sessionID, "assistant.message_delta")
      let ping = try await host.request("ping", ["message": "busy"])
      let events = try await host.waitForTurnEnd(sessionID, messageID: messageID)

      #expect(ping.result?["message"] == "pong: busy")
      let idle = try #require(events.last)
      #expect(ping.sequence < idle.sequence, "ping was answered only after the turn ended")
    }
  }

  @Test func abortStopsStreamingTurn() async throws {
    try await withFixture { fixture in
      let script: JSONValue = ["replies": [Self.slowReply, ["text": "Still here."]]]
      let mock = try await fixture.startMockProvider(script: script)
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))

      let (messageID, _) = try await host.send(sessionID, "Count to ten.")
      let firstDelta = try await host.waitForEvent(sessionID, "assistant.message_delta")
      let abort = try await host.call("session.abort", ["sessionId": .string(sessionID)])
      let events = try await host.waitForTurnEnd(sessionID, messageID: messageID)
      let types = events.map(\.type)

      #expect(abort["success"] == .bool(true))
      let abortEvent = try #require(events.first { $0.type == "abort" })
      #expect(abortEvent.string("reason") == "user_initiated")
      #expect(types.last == "session.idle")
      #expect(events.last?.data["aborted"] == .bool(true))
      #expect(!types.contains("session.error"), "an aborted turn reported an error: \(types)")
      let abortIndex = try #require(types.firstIndex(of: "abort"))
      #expect(types[abortIndex...].filter { $0 == "session.idle" }.count == 1)
      try await mock.waitForClientClose()

      // The session stays usable, and the next request carries the text streamed before the abort.
      let next = try await host.runTurn(sessionID, "Are you there?")
      #expect(next.first("assistant.message")?.string("content") == "Still here.")
      let second = try #require(try await mock.waitForRequests(2).last)
      let partial = try #require(firstDelta.string("deltaContent"))
      #expect(second.hasMessage(role: "assistant", containing: partial))
      #expect(second.messages.last?.text == "Are you there?")
    }
  }

  @Test func abortWhenIdleSucceeds() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: nil)

      for attempt in 1...2 {
        let abort = try await host.request("session.abort", ["sessionId": .string(sessionID)])
        #expect(abort.result?["success"] == .bool(true), "abort \(attempt) returned \(abort.message)")
      }
      _ = try await host.call("ping")
      #expect(host.events(sessionID).map(\.type) == ["session.start"], "an idle abort must emit no events")
    }
  }

  @Test func secondSendQueuesBehindTurn() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          ["text": "First answer.", "chunks": ["First", " answer", "."], "delayMs": 500],
          ["text": "Second answer."],
        ]
      ]
      let mock = try await fixture.startMockProvider(script: script)
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))

      let (firstID, _) = try await host.send(sessionID, "First question.")
      let (secondID, _) = try await host.send(sessionID, "Second question.")
      #expect(firstID != secondID)
      let second = try await host.waitForTurnEnd(sessionID, messageID: secondID)
      let first = host.turnEvents(sessionID, messageID: firstID)

      #expect(first.first?.string("messageId") == firstID)
      #expect(first.last?.type == "session.idle")
      #expect(first.first { $0.type == "assistant.message" }?.string("originatingMessageId") == firstID)
      #expect(first.first { $0.type == "assistant.message" }?.string("content") == "First answer.")
      #expect(first.filter { $0.type == "pending_messages.modified" }.count >= 2, "queueing the second send must emit pending_messages.modified")

      #expect(second.first?.string("messageId") == secondID)
      #expect(second.last?.type == "session.idle")
      #expect(second.first { $0.type == "assistant.message" }?.string("originatingMessageId") == secondID)
      #expect(second.first { $0.type == "assistant.message" }?.string("content") == "Second answer.")

      let firstIdle = try #require(first.last)
      let secondStart = try #require(second.first)
      #expect(firstIdle.sequence < secondStart.sequence, "the second turn started before the first ended")
      #expect(host.events(sessionID).filter { $0.type == "session.idle" }.count == 2)

      let requests = try await mock.waitForRequests(2)
      #expect(requests.last?.hasMessage(role: "assistant", containing: "First answer.") == true)
      #expect(requests.last?.messages.last?.text == "Second question.")
    }
  }
}

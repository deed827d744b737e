import Foundation
import JSONRPC
import Testing

/// Sessions resumed by a second host process on the same state directory.
@Suite(.timeLimit(.minutes(1)))
struct ResumeTests {
  static let firstPrompt = "Remember the word PINEAPPLE."
  static let firstAnswer = "I will remember PINEAPPLE."

  /// The first reply serves the first turn. The second is only played when the request carries the whole
  /// earlier conversation, else the mock responds with HTTP 400.
  static let script: JSONValue = [
    "replies": [
      ["text": .string(firstAnswer)],
      [
        "text": "The word was PINEAPPLE.",
        "expect": ["messagesContain": [.string(firstPrompt), .string(firstAnswer)]],
      ],
    ]
  ]

  /// Runs one turn in a first host, closes its stdin and checks it exits with status 0; returns the session id.
  private func runFirstHost(_ fixture: Fixture, mock: MockProviderProcess) async throws -> String {
    let host = try await fixture.startConnectedHost()
    let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))
    let turn = try await host.runTurn(sessionID, Self.firstPrompt)
    #expect(turn.first("assistant.message")?.string("content") == Self.firstAnswer)

    host.closeStandardInput()
    let status = await host.waitForExit()
    #expect(status == .exited(0))
    return sessionID
  }

  @Test func resumeContinuesConversation() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: Self.script)
      let sessionID = try await runFirstHost(fixture, mock: mock)

      let host = try await fixture.startConnectedHost()
      let resumed = try await host.call(
        "session.resume",
        ["sessionId": .string(sessionID), "provider": mock.provider(apiKey: "sk-test"), "streaming": true])
      #expect(resumed["sessionId"]?.stringValue == sessionID)
      let resumeEvent = try await host.waitForEvent(sessionID, "session.resume")
      #expect(resumeEvent.data["eventCount"]?.intValue ?? 0 > 0)

      let turn = try await host.runTurn(sessionID, "What was the word?")
      #expect(turn.all("session.error").isEmpty, "second turn failed: \(turn.all("session.error").map(\.data))")
      #expect(turn.first("assistant.message")?.string("content") == "The word was PINEAPPLE.")
      EventChecks.expectValidEnvelopes(host.events(sessionID))

      let requests = try await mock.waitForRequests(2)
      let second = try #require(requests.last)
      #expect(second.hasMessage(role: "user", containing: Self.firstPrompt))
      #expect(second.hasMessage(role: "assistant", containing: Self.firstAnswer))
      #expect(second.messages.last?.text == "What was the word?")

      let history = try await host.call("session.getMessages", ["sessionId": .string(sessionID)])
      let types = (history["events"]?.arrayValue ?? []).map { $0["type"]?.stringValue ?? "" }
      let contents = (history["events"]?.arrayValue ?? []).map { $0["data"]?["content"]?.stringValue }
      let resumeIndex = try #require(types.firstIndex(of: "session.resume"))
      let oldUserIndex = try #require(contents.firstIndex(of: Self.firstPrompt))
      let oldAnswerIndex = try #require(contents.firstIndex(of: Self.firstAnswer))
      let newUserIndex = try #require(contents.firstIndex(of: "What was the word?"))
      #expect(types.first == "session.start")
      #expect(types[oldUserIndex] == "user.message")
      #expect(types[oldAnswerIndex] == "assistant.message")
      #expect(oldUserIndex < oldAnswerIndex)
      #expect(oldAnswerIndex < resumeIndex)
      #expect(resumeIndex < newUserIndex)
      #expect(types.allSatisfy { !EventChecks.ephemeralTypes.contains($0) }, "getMessages returned \(types)")
    }
  }

  @Test func resumeWithoutProviderFailsAtSend() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: Self.script)
      let sessionID = try await runFirstHost(fixture, mock: mock)

      let host = try await fixture.startConnectedHost()
      let resumed = try await host.request("session.resume", ["sessionId": .string(sessionID)])
      #expect(resumed.result?["sessionId"]?.stringValue == sessionID)

      let turn = try await host.runTurn(sessionID, "What was the word?")
      let error = try #require(turn.first("session.error"))
      let message = error.string("message") ?? ""
      #expect(message.contains("provider"), "session.error message: \(message)")
      #expect(message.contains("session.resume"), "session.error message: \(message)")
      #expect(turn.types.last == "session.idle")
      #expect(mock.requests.count == 1, "only the first host's turn should reach the provider")
    }
  }

  @Test func resumeUnknownSessionFails() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()
      let response = try await host.request("session.resume", ["sessionId": "no-such-session"])
      #expect(response.error != nil)
      #expect(response.errorMessage?.contains("Session not found") == true, "error: \(response.message)")
    }
  }
}

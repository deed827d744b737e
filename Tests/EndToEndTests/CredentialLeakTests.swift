import Foundation
import JSONRPC
import Testing

/// The provider's API key must reach the provider and nothing else: not the state directory, not the logs.
@Suite(.timeLimit(.minutes(1)))
struct CredentialLeakTests {
  @Test func apiKeyStaysOutOfStateAndLogs() async throws {
    try await withFixture { fixture in
      let apiKey = "sk-canary-\(UUID().uuidString.lowercased())"
      let script: JSONValue = [
        "replies": [
          ["text": "A first answer.", "chunks": ["A first", " answer."]],
          ["status": 401, "body": ["error": ["message": .string("Incorrect API key provided: \(apiKey)")]]],
        ]
      ]
      let mock = try await fixture.startMockProvider(script: script)
      let host = try await fixture.startConnectedHost(arguments: ["--log-level", "debug"])
      let sessionID = try await host.createSession(provider: mock.provider(apiKey: apiKey))
      _ = try await host.runTurn(sessionID, "First question.")
      let failed = try await host.runTurn(sessionID, "Second question.")
      #expect(failed.first("session.error") != nil)

      host.closeStandardInput()
      #expect(await host.waitForExit() == .exited(0))

      // The key did reach the provider, so searching for it below is meaningful.
      #expect(mock.recordText.contains(apiKey))

      let state = FileSearch.files(under: fixture.home, containing: apiKey)
      #expect(state.searched >= 2, "expected the session's events.jsonl and session.json under \(fixture.home)")
      #expect(state.matches.isEmpty, "the API key was written to \(state.matches)")

      let standardError = host.standardErrorText
      #expect(standardError.contains(" debug "), "--log-level debug wrote no debug line to stderr: \(standardError)")
      #expect(!standardError.contains(apiKey), "stderr contains the API key")
      #expect(!String(decoding: host.process.standardOutput, as: UTF8.self).contains(apiKey), "stdout contains the API key")
    }
  }
}

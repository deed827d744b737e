import Foundation
import JSONRPC
import Testing

/// A canary API key and a canary custom header go to every provider type, and providers echo them back in every
/// kind of failure. Neither may appear in the state directory, in stderr at debug level, or in any event or
/// error message.
@Suite(.timeLimit(.minutes(1)))
struct ProviderCanaryTests {
  /// Builds one failing reply per error path, each echoing `key` whole or `masked`, as providers do.
  private func failingReplies(key: String, masked: String) -> [JSONValue] {
    [
      ["status": 401, "body": ["error": ["message": .string("Incorrect API key provided: \(masked)."), "type": "invalid_request_error"]]],
      [
        "status": 429, "headers": ["retry-after": "0"],
        "body": ["error": ["message": .string("Rate limit reached for key \(key)."), "type": "requests"]],
      ],
      ["status": 500, "body": .string("<html>upstream rejected \(key)</html>")],
      ["text": "Partial answer", "errorAfterChunks": 1, "error": ["message": .string("Key \(key) was revoked.")]],
      ["status": 400, "body": ["error": ["message": .string("Unknown model for \(key)"), "param": .string(key)]]],
      ["text": "Cut off here", "truncateAfterChunks": 1],
      ["text": "Never finishes", "stallAfterChunks": 1],
    ]
  }

  @Test(arguments: ProviderFormat.allCases)
  func canaryStaysInside(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let key = "sk-canary-\(UUID().uuidString.lowercased())"
      let headerSecret = "hdr-canary-\(UUID().uuidString.lowercased())"
      let masked = "\(key.prefix(8))***\(key.suffix(4))"
      let replies: [JSONValue] = [["text": "A first answer."]] + failingReplies(key: key, masked: masked)
      let mock = try await fixture.startMockProvider(script: format.script(replies))
      let host = try await fixture.startConnectedHost(arguments: [
        "--log-level", "debug", "--max-retries", "1", "--max-retry-delay", "1", "--stream-idle-timeout", "1",
      ])
      let provider = format.provider(
        port: mock.port, ["apiKey": .string(key), "headers": ["X-Org-Secret": .string(headerSecret)]])
      let sessionID = try await host.createSession([
        "streaming": true, "model": "mock-model", "provider": provider,
      ])

      let first = try await host.runTurn(sessionID, "Hello")
      var failed: [Turn] = []
      for prompt in ["Auth", "Rate limit then server error", "Mid-stream", "Bad request", "Truncated", "Stalled"] {
        failed.append(try await host.runTurn(sessionID, prompt, timeout: .seconds(10)))
      }
      let errors = failed.compactMap { $0.first("session.error") }
      let errorMessages = errors.compactMap { $0.string("message") }
      host.closeStandardInput()
      let exit = await host.waitForExit()

      #expect(first.first("assistant.message")?.string("content") == "A first answer.")
      #expect(errors.count == failed.count, "every failure ends its turn with session.error: \(failed.map(\.types))")
      #expect(exit == .exited(0))
      // Both secrets reached the provider, so searching for them below is meaningful.
      #expect(mock.recordText.contains(key))
      #expect(mock.recordText.contains(headerSecret))
      #expect(errorMessages.contains { $0.contains("<redacted>") }, "no echoed key was redacted: \(errorMessages)")

      for secret in [key, headerSecret] {
        let state = FileSearch.files(under: fixture.home, containing: secret)
        #expect(state.searched >= 2, "expected the session's files under \(fixture.home)")
        #expect(state.matches.isEmpty, "a secret was written to \(state.matches)")
        #expect(!host.standardErrorText.contains(secret), "stderr contains a secret")
        #expect(!String(decoding: host.process.standardOutput, as: UTF8.self).contains(secret), "stdout contains a secret")
        #expect(!errorMessages.contains { $0.contains(secret) }, "an error message contains a secret")
      }
      #expect(host.standardErrorText.contains(" debug "), "--log-level debug wrote no debug line to stderr")
      #expect(!errorMessages.contains { $0.contains(masked) }, "an error message contains the masked key")
    }
  }
}

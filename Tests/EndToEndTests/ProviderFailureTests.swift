import Foundation
import JSONRPC
import Testing

/// Provider failures as a client sees them: each failed turn ends with `session.error`, then `session.idle`.
@Suite(.timeLimit(.minutes(1)))
struct ProviderFailureTests {
  /// An HTTP error reply, with the category byok-host must report for it.
  struct HTTPFailure: Sendable, CustomTestStringConvertible {
    var status: Int
    var errorType: String
    /// The provider's message; `{key}` stands for the session's API key, which a provider may echo back.
    var providerMessage: String
    /// The part of `providerMessage` that `session.error` must repeat.
    var expectedText: String

    var testDescription: String { "HTTP \(status)" }
  }

  static let httpFailures = [
    HTTPFailure(
      status: 401, errorType: "authentication", providerMessage: "Incorrect API key provided: {key}.",
      expectedText: "Incorrect API key provided"),
    HTTPFailure(
      status: 500, errorType: "server", providerMessage: "The server had an error while processing your request.",
      expectedText: "The server had an error while processing your request."),
  ]

  /// Runs one turn against `script`; returns the turn, the host and the mock.
  private func runFailingTurn(
    _ fixture: Fixture, script: JSONValue, apiKey: String = "sk-test", hostArguments: [String] = [],
    timeout: Duration = HostProcess.defaultTimeout
  ) async throws -> (turn: Turn, host: HostProcess, mock: MockProviderProcess) {
    let mock = try await fixture.startMockProvider(script: script)
    let host = try await fixture.startConnectedHost(arguments: hostArguments)
    let sessionID = try await host.createSession(provider: mock.provider(apiKey: apiKey))
    let turn = try await host.runTurn(sessionID, "Tell me a story.", timeout: timeout)
    return (turn, host, mock)
  }

  @Test(arguments: httpFailures)
  func httpErrorEndsTurn(_ failure: HTTPFailure) async throws {
    try await withFixture { fixture in
      let apiKey = "sk-canary-\(UUID().uuidString.lowercased())"
      let providerMessage = failure.providerMessage.replacingOccurrences(of: "{key}", with: apiKey)
      let script: JSONValue = [
        "replies": [
          [
            "status": .int(Int64(failure.status)),
            "body": ["error": ["message": .string(providerMessage), "type": "invalid_request_error"]],
          ]
        ]
      ]
      // With retries off, the scripted failure is the turn's only provider response.
      let (turn, _, _) = try await runFailingTurn(
        fixture, script: script, apiKey: apiKey, hostArguments: ["--max-retries", "0"])

      let error = try #require(turn.first("session.error"))
      let message = error.string("message") ?? ""
      #expect(error.string("errorType") == failure.errorType)
      #expect(error.data["statusCode"] == .int(Int64(failure.status)))
      #expect(message.contains(failure.expectedText), "session.error message: \(message)")
      #expect(!message.contains(apiKey), "session.error message contains the API key: \(message)")
      #expect(error.string("originatingMessageId") == turn.messageID)
      #expect(turn.types.last == "session.idle")
      #expect(turn.all("assistant.message").isEmpty)
    }
  }

  @Test func stalledStreamTimesOut() async throws {
    try await withFixture { fixture in
      let script: JSONValue = ["replies": [["text": "one two three four", "stallAfterChunks": 2]]]
      let (turn, _, _) = try await runFailingTurn(
        fixture, script: script, hostArguments: ["--stream-idle-timeout", "1"], timeout: .seconds(10))

      let error = try #require(turn.first("session.error"))
      #expect(error.string("errorType") == "timeout")
      #expect(turn.types.last == "session.idle")
      let errorIndex = try #require(turn.types.firstIndex(of: "session.error"))
      #expect(turn.types[errorIndex...].contains("session.idle"))
    }
  }

  @Test func truncatedStreamEndsTurn() async throws {
    try await withFixture { fixture in
      let script: JSONValue = ["replies": [["text": "one two three four", "truncateAfterChunks": 2]]]
      let (turn, _, _) = try await runFailingTurn(fixture, script: script)

      let error = try #require(turn.first("session.error"))
      #expect(error.string("errorType") == "network")
      #expect(error.string("originatingMessageId") == turn.messageID)
      #expect(turn.types.last == "session.idle")
    }
  }

  @Test func midStreamErrorEndsTurn() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "replies": [
          [
            "text": "one two three four",
            "errorAfterChunks": 2,
            "error": ["message": "The model is overloaded.", "type": "server_error"],
          ]
        ]
      ]
      let (turn, _, _) = try await runFailingTurn(fixture, script: script)

      let error = try #require(turn.first("session.error"))
      let message = error.string("message") ?? ""
      #expect(error.string("errorType") == "server")
      #expect(message.contains("The model is overloaded."), "session.error message: \(message)")
      #expect(error.string("originatingMessageId") == turn.messageID)
      #expect(turn.types.last == "session.idle")
    }
  }
}

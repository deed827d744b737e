import Foundation
import JSONRPC
import Testing

/// Whole turns through the built host and the mock provider: the events a client sees and the request
/// the provider receives.
@Suite(.timeLimit(.minutes(1)))
struct TurnTests {
  static let answerChunks = ["Hello", " from", " the", " mock", " provider."]
  static var answer: String { answerChunks.joined() }

  /// A reply streamed in five chunks, 40 ms apart, so the turn is still running when `session.send` returns.
  static let streamedScript: JSONValue = [
    "model": "mock-model",
    "replies": [
      [
        "text": .string(answer),
        "chunks": .array(answerChunks.map(JSONValue.string)),
        "delayMs": 40,
        "usage": ["prompt_tokens": 21, "completion_tokens": 5],
      ]
    ],
  ]

  @Test func streamedTurnEventOrder() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: Self.streamedScript)
      let host = try fixture.startHost()
      let apiKey = "sk-canary-\(UUID().uuidString.lowercased())"

      let connect = try await host.connect()
      #expect(connect["ok"] == .bool(true))
      #expect(connect["protocolVersion"] == .int(3))
      #expect(connect["version"]?.stringValue?.isEmpty == false)

      let sessionID = try await host.createSession([
        "streaming": true,
        "model": "mock-model",
        "provider": mock.provider(apiKey: apiKey),
        "systemMessage": ["mode": "append", "content": "Answer in one sentence."],
      ])
      let turn = try await host.runTurn(sessionID, "Say hello.")
      _ = try await host.call("ping", [:])
      let all = host.events(sessionID)

      #expect(all.first?.type == "session.start")
      #expect(all.last?.type == "session.idle")
      #expect(all.dropFirst().map(\.type) == turn.types)
      #expect(
        EventChecks.collapsedTypes(turn.events) == [
          "user.message", "pending_messages.modified", "assistant.turn_start", "assistant.message_start",
          "assistant.message_delta", "assistant.message", "assistant.usage", "session.usage_info",
          "assistant.turn_end", "session.idle",
        ])
      EventChecks.expectValidEnvelopes(all)

      let idle = try #require(turn.first("session.idle"))
      #expect(turn.sendResponse.sequence < idle.sequence, "session.send must return before the turn ends")

      let userMessage = try #require(turn.first("user.message"))
      #expect(userMessage.string("messageId") == turn.messageID)
      #expect(userMessage.string("content") == "Say hello.")

      let message = try #require(turn.first("assistant.message"))
      let assistantMessageID = try #require(message.string("messageId"))
      #expect(message.string("content") == Self.answer)
      #expect(message.string("originatingMessageId") == turn.messageID)
      #expect(turn.first("assistant.message_start")?.string("messageId") == assistantMessageID)

      let deltas = turn.all("assistant.message_delta")
      #expect(!deltas.isEmpty)
      #expect(deltas.allSatisfy { $0.string("messageId") == assistantMessageID })
      #expect(deltas.compactMap { $0.string("deltaContent") }.joined() == Self.answer)

      let requests = try await mock.waitForRequests(1)
      #expect(requests.count == 1)
      let request = try #require(requests.first)
      #expect(request.method == "POST")
      #expect(request.path == "/v1/chat/completions")
      #expect(request.body["model"] == "mock-model")
      #expect(request.body["stream"] == .bool(true))
      #expect(request.body["stream_options"]?["include_usage"] == .bool(true))
      #expect(request.header("Authorization") == "Bearer \(apiKey)")
      #expect(request.messages.first?.role == "system")
      #expect(request.hasMessage(role: "system", containing: "Answer in one sentence."))
      #expect(request.messages.last?.role == "user")
      #expect(request.messages.last?.text == "Say hello.")
    }
  }

  @Test func nonStreamedTurnHasNoDeltas() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: Self.streamedScript)
      let host = try await fixture.startConnectedHost()

      let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"), streaming: false)
      let turn = try await host.runTurn(sessionID, "Say hello.")

      #expect(turn.all("assistant.message_delta").isEmpty)
      #expect(turn.all("assistant.message_start").isEmpty)
      #expect(
        turn.types == [
          "user.message", "pending_messages.modified", "assistant.turn_start", "assistant.message",
          "assistant.usage", "session.usage_info", "assistant.turn_end", "session.idle",
        ])
      #expect(turn.first("assistant.message")?.string("content") == Self.answer)
      #expect(turn.first("assistant.message")?.string("originatingMessageId") == turn.messageID)
      EventChecks.expectValidEnvelopes(host.events(sessionID))
    }
  }

  @Test func missingModelFailsAtSend() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: Self.streamedScript)
      let host = try await fixture.startConnectedHost()

      let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"), model: nil)
      let turn = try await host.runTurn(sessionID, "Say hello.")

      let error = try #require(turn.first("session.error"))
      let message = error.string("message") ?? ""
      #expect(message.localizedCaseInsensitiveContains("model"), "session.error message: \(message)")
      #expect(error.string("originatingMessageId") == turn.messageID)
      #expect(turn.types.last == "session.idle")
      #expect(turn.all("assistant.message").isEmpty)
      #expect(mock.requests.isEmpty, "no request should reach the provider without a model")
    }
  }
}

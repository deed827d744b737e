import Foundation
import JSONRPC
import Testing

/// Many sessions streaming at the same time in one host.
@Suite(.timeLimit(.minutes(1)))
struct ManySessionsTests {
  static let sessionCount = 50
  static let chunkCount = 20

  /// Returns the chunks of reply `reply`. Every chunk names its reply and its position, so a chunk that lands
  /// in the wrong session, twice or out of order is visible.
  static func chunks(reply: Int) -> [String] {
    (1...chunkCount).map { "r\(reply)c\($0) " }
  }

  @Test func fiftySessionsStreamTogether() async throws {
    try await withFixture { fixture in
      let replies: [JSONValue] = (1...Self.sessionCount).map { reply in
        ["chunks": .array(Self.chunks(reply: reply).map(JSONValue.string)), "delayMs": 150]
      }
      let mock = try await fixture.startMockProvider(script: ["replies": .array(replies)])
      let host = try await fixture.startConnectedHost()
      let provider = mock.provider(apiKey: "sk-test")

      // Every request is written before any response is read, so the sessions really run at the same time,
      // and one wait at a time polls the inbox instead of fifty.
      let sessionIDs = (1...Self.sessionCount).map { _ in UUID().uuidString.lowercased() }
      let created = try await host.pipelined(
        "session.create",
        sessionIDs.map { ["sessionId": .string($0), "provider": provider, "model": "mock-model", "streaming": true] })
      #expect(created.allSatisfy { $0.result != nil }, "session.create failed: \(created.map(\.message))")
      let sent = try await host.pipelined(
        "session.send", sessionIDs.map { ["sessionId": .string($0), "prompt": "Stream your reply."] })
      let ping = try await host.request("ping", ["message": "busy"])
      let messageIDs = sent.map { $0.result?["messageId"]?.stringValue ?? "" }
      // A check scans every message of the host, so it runs less often than the usual 10 ms.
      let allIdle = await Polling.until(within: .seconds(30), every: .milliseconds(200)) {
        host.notifications("session.event").filter { $0.params["event"]?["type"] == "session.idle" }.count
          >= Self.sessionCount
      }
      #expect(allIdle, "not every session reached session.idle within 30 s")

      var texts: [String] = []
      var lastIdle = 0
      for (sessionID, messageID) in zip(sessionIDs, messageIDs) {
        let events = host.turnEvents(sessionID, messageID: messageID)
        let deltas = events.filter { $0.type == "assistant.message_delta" }.compactMap { $0.string("deltaContent") }
        let text = deltas.joined()
        let reply = Int(text.prefix { $0 != "c" }.dropFirst()) ?? 0

        #expect(deltas == Self.chunks(reply: reply), "session \(sessionID) received \(deltas)")
        #expect(events.last?.type == "session.idle", "session \(sessionID) events: \(events.map(\.type))")
        #expect(events.filter { $0.type == "session.idle" }.count == 1)
        #expect(events.first { $0.type == "assistant.message" }?.string("content") == text)
        #expect(events.allSatisfy { $0.type != "session.error" }, "session \(sessionID) failed")
        EventChecks.expectValidEnvelopes(host.events(sessionID))
        texts.append(text)
        lastIdle = max(lastIdle, events.last?.sequence ?? 0)
        // The checks take a while for fifty sessions, so other suites get the cooperative pool in between.
        await Task.yield()
      }

      let expected = (1...Self.sessionCount).map { Self.chunks(reply: $0).joined() }
      #expect(Set(texts) == Set(expected), "every session must get one whole reply, and no reply twice")
      #expect(ping.result?["message"] == "pong: busy")
      #expect(ping.sequence < lastIdle, "ping was answered only after every turn ended")
      #expect(messageIDs.allSatisfy { !$0.isEmpty }, "session.send failed: \(sent.map(\.message))")
      #expect(mock.requests.count == Self.sessionCount)
    }
  }
}

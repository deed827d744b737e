import Foundation
import JSONRPC
import Testing

/// JSON-RPC errors returned by the built host for malformed messages and invalid params.
@Suite(.timeLimit(.minutes(1)))
struct ProtocolErrorTests {
  /// A frame body the host must reject, and the error code and id its response must carry.
  struct MalformedMessage: Sendable, CustomTestStringConvertible {
    var name: String
    var body: String
    var code: Int
    var id: JSONValue

    var testDescription: String { name }
  }

  static let malformedMessages = [
    MalformedMessage(name: "invalid JSON", body: #"{"jsonrpc":"2.0","id":1,"method":"#, code: -32700, id: .null),
    MalformedMessage(name: "missing method", body: #"{"jsonrpc":"2.0","id":"missing-method"}"#, code: -32600, id: "missing-method"),
    MalformedMessage(name: "wrong jsonrpc", body: #"{"jsonrpc":"1.0","id":"old-version","method":"ping"}"#, code: -32600, id: "old-version"),
    MalformedMessage(name: "batch array", body: #"[{"jsonrpc":"2.0","id":"batched","method":"ping"}]"#, code: -32600, id: .null),
  ]

  /// Waits for the next error response that arrives after message number `after` with the id `id`.
  private func waitForError(_ host: HostProcess, id: JSONValue, after: Int, describing: String) async throws
    -> InboundMessage
  {
    try await host.waitForMessage(describing: "an error response to \(describing)") { message in
      message.sequence >= after && message.isResponse && message.json["id"] == id && message.json["error"] != nil
    }
  }

  @Test func malformedMessagesGetErrors() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()

      for malformed in Self.malformedMessages {
        let before = host.messages.count
        try host.writeFrame(body: malformed.body)
        let response = try await waitForError(host, id: malformed.id, after: before, describing: malformed.name)
        #expect(response.json["error"]?["code"]?.intValue == malformed.code, "\(malformed.name): \(response.json)")
        #expect(response.json["error"]?["message"]?.stringValue?.isEmpty == false, "\(malformed.name): \(response.json)")
      }

      let unknown = try await host.request("no.such.method")
      #expect(unknown.errorCode == -32601)
      #expect(unknown.errorMessage == "Unhandled method no.such.method")

      let ping = try await host.call("ping", ["message": "hi"])
      #expect(ping["message"] == "pong: hi")
      #expect(EventChecks.isTimestamp(ping["timestamp"]?.stringValue ?? ""), "ping returned \(ping)")
      #expect(ping["protocolVersion"] == .int(3))
    }
  }

  @Test(arguments: ["a/b", "..", "../escape", "line\nbreak", "bell\u{7}"])
  func invalidSessionIDRejected(_ sessionID: String) async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()

      let response = try await host.request("session.create", ["sessionId": .string(sessionID)])
      #expect(response.errorCode == -32602, "session.create returned \(response.message)")
      #expect(response.errorMessage?.contains("sessionId") == true, "error: \(response.message)")
      let created = (try? FileManager.default.contentsOfDirectory(atPath: fixture.home + "/session-state")) ?? []
      #expect(created.isEmpty, "a session folder was created: \(created)")
    }
  }

  @Test func invalidSendParamsRejected() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: nil)

      let wrongType = try await host.request("session.send", ["sessionId": .string(sessionID), "prompt": 42])
      #expect(wrongType.errorCode == -32602)
      #expect(wrongType.errorMessage?.contains("prompt") == true, "error: \(wrongType.message)")

      let missing = try await host.request("session.send", ["sessionId": .string(sessionID)])
      #expect(missing.errorCode == -32602)
      #expect(missing.errorMessage?.contains("prompt") == true, "error: \(missing.message)")

      let unknownSession = try await host.request("session.send", ["sessionId": "no-such-session", "prompt": "Hi"])
      #expect(unknownSession.error != nil)
      #expect(unknownSession.errorMessage?.contains("Session not found") == true, "error: \(unknownSession.message)")

      #expect(host.events(sessionID).map(\.type) == ["session.start"], "a rejected send must not start a turn")
      let ping = try await host.call("ping", ["message": "hi"])
      #expect(ping["message"] == "pong: hi")
    }
  }
}

import Foundation
import JSONRPC
import Testing

/// Listing, metadata and deletion of persisted sessions.
@Suite(.timeLimit(.minutes(1)))
struct SessionManagementTests {
  static let script: JSONValue = ["replies": [["text": "Noted."]], "afterLast": "repeat"]

  @Test func listShowsSessions() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: Self.script)
      let host = try await fixture.startConnectedHost()
      let workingDirectory = fixture.directory
      let first = try await host.createSession([
        "provider": mock.provider(apiKey: "sk-test"), "model": "mock-model",
        "workingDirectory": .string(workingDirectory),
      ])
      let second = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))
      // A turn on the first session after the second was created makes the first the last modified.
      _ = try await host.runTurn(first, "Remember this.")

      let created = host.notifications("session.lifecycle").filter { $0.params["type"] == "session.created" }
      #expect(Set(created.compactMap { $0.params["sessionId"]?.stringValue }) == [first, second])

      let list = try await host.call("session.list")
      let sessions = list["sessions"]?.arrayValue ?? []
      let listed = Dictionary(
        sessions.compactMap { entry in entry["sessionId"]?.stringValue.map { ($0, entry) } },
        uniquingKeysWith: { first, _ in first })
      #expect(Set(listed.keys) == [first, second])
      for (id, entry) in listed {
        #expect(EventChecks.isTimestamp(entry["startTime"]?.stringValue ?? ""), "\(id) startTime: \(entry)")
        #expect(EventChecks.isTimestamp(entry["modifiedTime"]?.stringValue ?? ""), "\(id) modifiedTime: \(entry)")
        #expect(entry["isRemote"] == .bool(false), "\(id): \(entry)")
        #expect(entry["context"]?["cwd"]?.stringValue?.isEmpty == false, "\(id): \(entry)")
      }
      #expect(listed[first]?["context"]?["cwd"]?.stringValue == workingDirectory)

      let last = try await host.call("session.getLastId")
      #expect(last["sessionId"]?.stringValue == first)

      let metadata = try await host.call("session.getMetadata", ["sessionId": .string(first)])
      #expect(metadata["session"]?["sessionId"]?.stringValue == first)
      #expect(metadata["session"]?["isRemote"] == .bool(false))
      #expect(EventChecks.isTimestamp(metadata["session"]?["startTime"]?.stringValue ?? ""))

      let unknown = try await host.call("session.getMetadata", ["sessionId": .string(UUID().uuidString.lowercased())])
      #expect(unknown["session"] == .null)
    }
  }

  @Test func deleteRemovesSession() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: Self.script)
      let host = try await fixture.startConnectedHost()
      let remaining = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))
      let deleted = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))
      _ = try await host.runTurn(deleted, "Remember this.")
      let folder = fixture.home + "/session-state/" + deleted
      #expect(FileManager.default.fileExists(atPath: folder + "/events.jsonl"))
      #expect(FileManager.default.fileExists(atPath: folder + "/session.json"))

      let result = try await host.call("session.delete", ["sessionId": .string(deleted)])
      #expect(result["success"] == .bool(true))
      let notification = try await host.waitForMessage(describing: "session.lifecycle session.deleted") {
        $0.method == "session.lifecycle" && $0.params["type"] == "session.deleted"
      }
      #expect(notification.params["sessionId"]?.stringValue == deleted)
      #expect(!FileManager.default.fileExists(atPath: folder))

      let resume = try await host.request(
        "session.resume", ["sessionId": .string(deleted), "provider": mock.provider(apiKey: "sk-test")])
      #expect(resume.error != nil, "resume of a deleted session returned \(resume.message)")

      let list = try await host.call("session.list")
      let ids = (list["sessions"]?.arrayValue ?? []).compactMap { $0["sessionId"]?.stringValue }
      #expect(ids == [remaining])

      let unknown = try await host.call("session.delete", ["sessionId": .string(UUID().uuidString.lowercased())])
      #expect(unknown["success"] == .bool(false))
      #expect(unknown["error"]?.stringValue?.isEmpty == false, "delete of an unknown id returned \(unknown)")
    }
  }

  @Test func detachUnloadsButKeepsSession() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: nil)

      let detach = try await host.call("session.detach", ["sessionId": .string(sessionID)])
      #expect(detach["success"] == .bool(true))
      let messages = try await host.request("session.getMessages", ["sessionId": .string(sessionID)])
      #expect(messages.errorMessage?.contains("Session not found") == true, "getMessages returned \(messages.message)")
      #expect(FileManager.default.fileExists(atPath: fixture.home + "/session-state/" + sessionID + "/events.jsonl"))

      let resumed = try await host.request("session.resume", ["sessionId": .string(sessionID)])
      #expect(resumed.result?["sessionId"]?.stringValue == sessionID, "resume returned \(resumed.message)")
    }
  }
}

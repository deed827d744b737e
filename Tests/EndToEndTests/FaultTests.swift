import Foundation
import JSONRPC
import Testing

/// Crashes, competing hosts, an unwritable state directory and hostile input, against the real binary.
@Suite struct FaultTests {
  private func eventsPath(_ fixture: Fixture, _ sessionID: String) -> String {
    fixture.home + "/session-state/\(sessionID)/events.jsonl"
  }

  @Test func killedHostResumesWithTornLine() async throws {
    try await withFixture { fixture in
      let script: JSONValue = [
        "afterLast": "repeat",
        "replies": [
          ["text": "First answer is complete."],
          ["text": "a b c d e f g h i j k l m n o p", "delayMs": 200],
          ["text": "Resumed answer."],
        ],
      ]
      let mock = try await fixture.startMockProvider(script: script)
      let first = try await fixture.startConnectedHost()
      let sessionID = try await first.createSession(provider: mock.provider())
      _ = try await first.runTurn(sessionID, "Question one")
      _ = try await first.send(sessionID, "Question two")
      _ = try await first.waitForEvent(sessionID, "assistant.message_delta")
      first.kill()
      #expect(await first.waitForExit() != .exited(0))

      // A crash in the middle of a write leaves a partial last line.
      let handle = try #require(FileHandle(forWritingAtPath: eventsPath(fixture, sessionID)))
      handle.seekToEndOfFile()
      handle.write(Data(#"{"id":"torn","type":"assistant.mess"#.utf8))
      try handle.close()

      let second = try await fixture.startConnectedHost()
      let resumed = try await second.request(
        "session.resume", ["sessionId": .string(sessionID), "provider": mock.provider()])
      #expect(resumed.error == nil, "resume failed: \(String(describing: resumed.errorMessage))")
      let history = try await second.call("session.getMessages", ["sessionId": .string(sessionID)])
      let types = (history["events"]?.arrayValue ?? []).compactMap { $0["type"]?.stringValue }
      #expect(types.first == "session.start")
      #expect(types.filter { $0 == "user.message" }.count == 2)
      #expect(types.last == "session.resume")
      #expect(second.standardErrorText.contains("torn"))

      let turn = try await second.runTurn(sessionID, "Question three")
      #expect(turn.types.last == "session.idle")
      let request = try #require(try await mock.waitForRequests(3).last)
      #expect(request.hasMessage(role: "assistant", containing: "First answer is complete."))
      #expect(request.hasMessage(role: "user", containing: "Question two"))
    }
  }

  @Test func secondHostCannotTakeLoadedSession() async throws {
    try await withFixture { fixture in
      let first = try await fixture.startConnectedHost()
      let second = try await fixture.startConnectedHost()
      let sessionID = try await first.createSession(provider: nil, model: nil)

      let refused = try await second.request("session.resume", ["sessionId": .string(sessionID)])
      #expect(refused.errorMessage?.contains("in use by another byok-host process") == true)
      let deleteWhileHeld = try await second.call("session.delete", ["sessionId": .string(sessionID)])
      #expect(deleteWhileHeld["success"] == false)
      #expect(FileManager.default.fileExists(atPath: eventsPath(fixture, sessionID)))

      _ = try await first.call("session.detach", ["sessionId": .string(sessionID)])
      let taken = try await second.request("session.resume", ["sessionId": .string(sessionID)])
      #expect(taken.error == nil)
      let lines = try String(contentsOfFile: eventsPath(fixture, sessionID), encoding: .utf8)
        .split(separator: "\n")
      #expect(lines.allSatisfy { (try? JSONParser.parse(String($0))) != nil })
    }
  }

  @Test func fullStateDirectoryEndsTurnWithError() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: ["replies": [["text": "Still answered."]]])
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: mock.provider())
      // Writes to /dev/full fail with ENOSPC, as on a full disk.
      let path = eventsPath(fixture, sessionID)
      try FileManager.default.removeItem(atPath: path)
      try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/full")

      let turn = try await host.runTurn(sessionID, "Hello")
      let error = try #require(turn.first("session.error"))
      #expect(error.string("errorType") == "persistence")
      #expect(error.string("message")?.contains("could not be saved") == true)
      #expect(turn.types.last == "session.idle")
      #expect(turn.all("session.error").count == 1)
    }
  }

  @Test func unwritableStateDirectoryFailsCreate() async throws {
    try await withFixture { fixture in
      // A regular file where the state folder should be: mkdir fails even for root.
      try Data().write(to: URL(fileURLWithPath: fixture.directory + "/not-a-folder"))
      let host = try await fixture.startConnectedHost(home: fixture.directory + "/not-a-folder")
      let response = try await host.request("session.create", ["model": "m"])
      #expect(response.errorCode == -32603)
      #expect(response.errorMessage?.contains("state directory") == true)
      let ping = try await host.call("ping", ["message": "alive"])
      #expect(ping["message"] == "pong: alive")
    }
  }

  @Test func fiftyMegabyteBodyIsServed() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()
      let padding = String(repeating: "x", count: 50 * 1024 * 1024)
      let response = try await host.request("ping", ["message": .string(padding)], timeout: .seconds(60))
      #expect(response.result?["message"]?.stringValue?.count == padding.count + "pong: ".count)
    }
  }

  @Test func invalidUTF8IsParseError() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()
      let body: [UInt8] = Array(#"{"jsonrpc":"2.0","id":7,"method":"ping","params":{"message":""#.utf8) + [0xFF, 0xFE]
        + Array(#""}}"#.utf8)
      try host.writeRaw(Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body)
      let rejected = try await host.waitForMessage(describing: "a parse error", where: { $0.json["error"]?["code"] == -32700 })
      #expect(rejected.json["id"] == .null)
      #expect(try await host.call("ping", ["message": "ok"])["message"] == "pong: ok")
    }
  }

  @Test func deeplyNestedJSONRejected() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()
      let nested = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
      try host.writeFrame(body: #"{"jsonrpc":"2.0","id":9,"method":"ping","params":{"message":"#.appending(nested) + "}}")
      let rejected = try await host.waitForMessage(describing: "a parse error", where: { $0.json["error"]?["code"] == -32700 })
      #expect(rejected.json["error"]?["message"]?.stringValue?.contains("nested deeper") == true)
      #expect(try await host.call("ping", ["message": "ok"])["message"] == "pong: ok")
    }
  }

  @Test func tenMegabytePromptReachesProvider() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: ["replies": [["text": "Read it all."]]])
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: mock.provider())
      let prompt = String(repeating: "word ", count: 2 * 1024 * 1024)
      let turn = try await host.runTurn(sessionID, prompt, timeout: .seconds(60))
      #expect(turn.types.last == "session.idle")
      #expect(turn.first("session.error") == nil)
      let request = try #require(try await mock.waitForRequests(1).first)
      #expect(request.messages.last?.text.count == prompt.count)
    }
  }

  @Test func headerWithoutBodyThenEOF() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()
      try host.writeRaw(Array("Content-Length: 500\r\n\r\n{\"jsonrpc\"".utf8))
      host.closeStandardInput()
      #expect(await host.waitForExit() == .exited(0))
    }
  }
}

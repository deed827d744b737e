import Foundation
import JSONRPC
import Testing

/// How the host starts, stops and reports command-line mistakes.
@Suite(.timeLimit(.minutes(1)))
struct LifecycleTests {
  @Test func stdinEOFExitsCleanly() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()
      host.closeStandardInput()
      #expect(await host.waitForExit() == .exited(0))
    }
  }

  @Test func sigtermStopsIdleHost() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()

      host.terminate()
      let status = await host.waitForExit()
      #expect(
        status == .exited(0),
        "after SIGTERM: \(status?.description ?? "still running after 5 s"); stderr: \(host.standardErrorText)")
    }
  }

  /// The two ways an editor stops its host.
  enum StopMethod: String, CaseIterable, Sendable {
    case sigterm = "SIGTERM"
    case endOfInput = "stdin EOF"
  }

  /// A reply of thirty chunks 300 ms apart: it would take 9 s, so only stopping the host can end the turn
  /// within the 5 s bound.
  static let longReplyScript: JSONValue = [
    "replies": [["text": .string((1...30).map { "word\($0)" }.joined(separator: " ")), "delayMs": 300]]
  ]

  @Test(arguments: StopMethod.allCases)
  func stopEndsRunningTurn(_ method: StopMethod) async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: Self.longReplyScript)
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))
      let (messageID, _) = try await host.send(sessionID, "Count slowly.")
      try await host.waitForEvent(sessionID, "assistant.message_delta")

      switch method {
      case .sigterm: host.terminate()
      case .endOfInput: host.closeStandardInput()
      }
      let status = await host.waitForExit()
      #expect(
        status == .exited(0),
        "after \(method.rawValue): \(status?.description ?? "still running after 5 s"); stderr: \(host.standardErrorText)")
      _ = await host.process.waitForOutputEnd(timeout: HostProcess.defaultTimeout)
      let events = host.turnEvents(sessionID, messageID: messageID)
      #expect(events.last?.type == "session.idle", "turn events: \(events.map(\.type))")
      #expect(host.events(sessionID).last?.type == "session.idle")
    }
  }

  @Test func shutdownEndsRunningTurn() async throws {
    try await withFixture { fixture in
      let mock = try await fixture.startMockProvider(script: Self.longReplyScript)
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))
      let (messageID, _) = try await host.send(sessionID, "Count slowly.")
      try await host.waitForEvent(sessionID, "assistant.message_delta")

      let shutdown = try await host.request("runtime.shutdown")
      #expect(shutdown.result != nil, "runtime.shutdown returned \(shutdown.message)")
      let events = host.turnEvents(sessionID, messageID: messageID)
      let idle = try #require(events.last, "the turn emitted no events")
      #expect(idle.type == "session.idle", "runtime.shutdown returned before the turn ended: \(events.map(\.type))")
      #expect(idle.sequence < shutdown.sequence)

      host.closeStandardInput()
      #expect(await host.waitForExit() == .exited(0))
    }
  }

  @Test func eofInsideFrameExitsCleanly() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()
      try host.writeRaw(Array("Content-Length: 50\r\n\r\n{\"jsonrpc\":".utf8))
      host.closeStandardInput()
      #expect(await host.waitForExit() == .exited(0))
    }
  }

  @Test func unknownFlagExitsWithUsage() async throws {
    try await withFixture { fixture in
      let run = try await fixture.runCommand(["--hmoe", fixture.home])
      #expect(run.status == .exited(64))
      #expect(run.standardError.contains("Error:"), "stderr: \(run.standardError)")
      #expect(run.standardError.contains("did you mean '--home'"), "stderr: \(run.standardError)")
      #expect(run.standardOutput.isEmpty, "stdout: \(run.standardOutput)")
    }
  }

  @Test func helpAndVersionExitZero() async throws {
    try await withFixture { fixture in
      let help = try await fixture.runCommand(["--help"])
      #expect(help.status == .exited(0))
      #expect(help.standardOutput.contains("Usage"), "stdout: \(help.standardOutput)")

      let version = try await fixture.runCommand(["--version"])
      #expect(version.status == .exited(0))
      #expect(version.standardOutput.hasPrefix("byok-host "), "stdout: \(version.standardOutput)")
    }
  }
}

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

  @Test func sigtermEndsRunningTurn() async throws {
    try await withFixture { fixture in
      // Thirty chunks 300 ms apart: the reply would take 9 s, so only SIGTERM can end the turn in time.
      let words = (1...30).map { "word\($0)" }.joined(separator: " ")
      let script: JSONValue = ["replies": [["text": .string(words), "delayMs": 300]]]
      let mock = try await fixture.startMockProvider(script: script)
      let host = try await fixture.startConnectedHost()
      let sessionID = try await host.createSession(provider: mock.provider(apiKey: "sk-test"))
      let (messageID, _) = try await host.send(sessionID, "Count slowly.")
      try await host.waitForEvent(sessionID, "assistant.message_delta")

      host.terminate()
      let status = await host.waitForExit()
      #expect(
        status == .exited(0),
        "after SIGTERM: \(status?.description ?? "still running after 5 s"); stderr: \(host.standardErrorText)")
      _ = await host.process.waitForOutputEnd(timeout: HostProcess.defaultTimeout)
      let events = host.turnEvents(sessionID, messageID: messageID)
      #expect(events.last?.type == "session.idle", "turn events: \(events.map(\.type))")
      #expect(host.events(sessionID).last?.type == "session.idle")
    }
  }

  @Test func shutdownThenEOFExitsCleanly() async throws {
    try await withFixture { fixture in
      let host = try await fixture.startConnectedHost()
      _ = try await host.createSession(provider: nil)

      let shutdown = try await host.call("runtime.shutdown")
      #expect(shutdown.objectValue != nil, "runtime.shutdown returned \(shutdown)")
      let create = try await host.request("session.create", [:])
      #expect(create.error != nil, "session.create after runtime.shutdown returned \(create.message)")

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

import Foundation
import JSONRPC
import Synchronization
import Testing

/// The processes and the temporary directory of one test. `withFixture` tears it down whether the test
/// passes, fails or throws: it stops every process by its pid, checks that each host's stdout held only
/// valid frames, checks every message each host exchanged against `protocol/schemas/`, and removes the
/// directory.
final class Fixture: Sendable {
  /// A fresh directory under the system's temporary directory, removed at teardown.
  let directory: String
  private let hosts = Mutex<[HostProcess]>([])
  private let mockProviders = Mutex<[MockProviderProcess]>([])

  init() throws {
    var template = Array((NSTemporaryDirectory() + "/byok-e2e-XXXXXX").utf8CString)
    guard let created = mkdtemp(&template) else {
      throw HarnessError("Could not create a temporary directory: \(String(cString: strerror(errno)))")
    }
    directory = String(cString: created)
  }

  /// The state directory hosts use unless a test passes another.
  var home: String { directory + "/home" }

  /// Starts a host serving stdio with `--home home`.
  func startHost(home: String? = nil, arguments: [String] = []) throws -> HostProcess {
    let host = try HostProcess(home: home ?? self.home, arguments: arguments)
    hosts.withLock { $0.append(host) }
    return host
  }

  /// Starts a host and sends `connect`, the first request of every client.
  func startConnectedHost(home: String? = nil, arguments: [String] = []) async throws -> HostProcess {
    let host = try startHost(home: home, arguments: arguments)
    try await host.connect()
    return host
  }

  /// Starts a mock provider serving `script`, with its files in a folder of its own outside `home`.
  func startMockProvider(script: JSONValue) async throws -> MockProviderProcess {
    let count = mockProviders.withLock { $0.count }
    let folder = directory + "/mock-provider-\(count + 1)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let mock = try await MockProviderProcess.start(script: script, directory: folder)
    mockProviders.withLock { $0.append(mock) }
    return mock
  }

  /// Runs `byok-host` with `arguments` to completion, with stdin closed; the process is killed after `timeout`.
  func runCommand(_ arguments: [String], timeout: Duration = HostProcess.defaultTimeout) async throws
    -> (status: ExitStatus?, standardOutput: String, standardError: String)
  {
    let process = try ChildProcess(executable: try HostBinary.requirePath(), arguments: arguments, name: "byok-host")
    process.closeStandardInput()
    var status = await process.waitForExit(timeout: timeout)
    if status == nil {
      status = await process.terminate()
    }
    _ = await process.waitForOutputEnd(timeout: timeout)
    return (status, String(decoding: process.standardOutput, as: UTF8.self), process.standardErrorText)
  }

  /// Stops every process, checks each host's stdout framing and removes the directory.
  func tearDown(sourceLocation: SourceLocation) async {
    for host in hosts.withLock({ $0 }) {
      host.closeStandardInput()
      if await host.waitForExit() == nil {
        await host.process.terminate()
      }
      _ = await host.process.waitForOutputEnd(timeout: HostProcess.defaultTimeout)
      let problems = host.standardOutputProblems
      #expect(
        problems.isEmpty,
        "stdout of byok-host pid \(host.process.pid) has bytes outside valid frames: \(problems)",
        sourceLocation: sourceLocation)
      expectMessagesMatchSchemas(host, sourceLocation: sourceLocation)
    }
    for mock in mockProviders.withLock({ $0 }) {
      await mock.stop()
    }
    try? FileManager.default.removeItem(atPath: directory)
  }

  /// Records a failure for each message `host` sent or received that has no schema or violates it.
  private func expectMessagesMatchSchemas(_ host: HostProcess, sourceLocation: SourceLocation) {
    let schemas: ProtocolSchemas
    switch ProtocolSchemas.shared {
    case .success(let loaded): schemas = loaded
    case .failure(let error):
      Issue.record("The protocol schemas could not be loaded: \(error)", sourceLocation: sourceLocation)
      return
    }
    let checker = ProtocolConformance(schemas: schemas)
    let violations = checker.violations(sent: host.sentMessages, received: host.messages.map(\.json))
    let firstViolations = violations.prefix(10).joined(separator: "\n")
    let more = violations.count > 10 ? "\n… and \(violations.count - 10) more" : ""
    #expect(
      violations.isEmpty,
      "byok-host pid \(host.process.pid) exchanged messages that break protocol/schemas/:\n\(firstViolations)\(more)",
      sourceLocation: sourceLocation)
  }
}

/// Runs `body` with a new fixture and tears the fixture down afterwards, also when `body` throws.
func withFixture(
  sourceLocation: SourceLocation = #_sourceLocation,
  _ body: (Fixture) async throws -> Void
) async throws {
  let fixture = try Fixture()
  do {
    try await body(fixture)
  } catch {
    await fixture.tearDown(sourceLocation: sourceLocation)
    throw error
  }
  await fixture.tearDown(sourceLocation: sourceLocation)
}

import Foundation
import JSONRPC

/// A running `byok-host mock-provider` on a free loopback port, serving a script and recording every request.
final class MockProviderProcess: Sendable {
  let process: ChildProcess
  let port: Int
  let recordPath: String

  private init(process: ChildProcess, port: Int, recordPath: String) {
    self.process = process
    self.port = port
    self.recordPath = recordPath
  }

  /// Writes `script` to `directory/script.json` and starts the mock provider with it; returns once it
  /// printed the port it listens on.
  static func start(script: JSONValue, directory: String) async throws -> MockProviderProcess {
    let scriptPath = directory + "/script.json"
    let recordPath = directory + "/record.jsonl"
    guard FileManager.default.createFile(atPath: scriptPath, contents: Data(script.serializedBytes())) else {
      throw HarnessError("Could not write the mock provider script to \(scriptPath)")
    }
    let process = try ChildProcess(
      executable: try HostBinary.requirePath(),
      arguments: ["mock-provider", "--script", scriptPath, "--port", "0", "--record", recordPath],
      name: "mock-provider")
    let port = await Polling.value(within: .seconds(5)) { () -> Int? in
      let output = String(decoding: process.standardOutput, as: UTF8.self)
      guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("listening on port ") }) else {
        return nil
      }
      return Int(line.dropFirst("listening on port ".count))
    }
    guard let port else {
      await process.terminate()
      throw HarnessError(
        "The mock provider did not print 'listening on port N' within 5 s; "
          + "\(process.exitStatus?.description ?? "still running"); stderr: \(process.standardErrorText)")
    }
    return MockProviderProcess(process: process, port: port, recordPath: recordPath)
  }

  /// The OpenAI-compatible base URL a session's provider points at.
  var baseURL: String { "http://127.0.0.1:\(port)/v1" }

  /// Returns a `provider` object for `session.create` or `session.resume` that targets this mock.
  func provider(apiKey: String? = nil) -> JSONValue {
    var provider: JSONValue = ["type": "openai", "baseUrl": .string(baseURL)]
    if let apiKey, case .object(var object) = provider {
      object["apiKey"] = .string(apiKey)
      provider = .object(object)
    }
    return provider
  }

  // MARK: - Record file

  /// Every line of the record file, parsed; lines still being written are left out.
  var recordLines: [JSONValue] {
    guard let data = FileManager.default.contents(atPath: recordPath) else { return [] }
    return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONParser.parse($0) }
  }

  /// The text of the record file, which contains the request headers as received.
  var recordText: String {
    FileManager.default.contents(atPath: recordPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
  }

  /// The requests recorded so far, in arrival order.
  var requests: [RecordedChatRequest] {
    recordLines.filter { $0["event"] == nil }.map(RecordedChatRequest.init)
  }

  /// The `client_closed` lines: connections the client closed while a response was still being sent.
  var clientCloses: [JSONValue] {
    recordLines.filter { $0["event"] == "client_closed" }
  }

  /// Waits until at least `count` requests are recorded; returns them all.
  @discardableResult
  func waitForRequests(_ count: Int, timeout: Duration = HostProcess.defaultTimeout) async throws
    -> [RecordedChatRequest]
  {
    if let requests = await Polling.value(within: timeout, { requests.count >= count ? requests : nil }) {
      return requests
    }
    throw HarnessError("The mock provider recorded \(requests.count) requests within \(timeout), expected \(count)")
  }

  /// Waits until a client close is recorded; returns the close lines.
  @discardableResult
  func waitForClientClose(timeout: Duration = HostProcess.defaultTimeout) async throws -> [JSONValue] {
    if let closes = await Polling.value(within: timeout, { clientCloses.isEmpty ? nil : clientCloses }) {
      return closes
    }
    throw HarnessError("The mock provider recorded no client close within \(timeout); record: \(recordText)")
  }

  /// Stops the mock provider with SIGTERM, then SIGKILL.
  func stop() async {
    await process.terminate()
  }
}

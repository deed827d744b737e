import Foundation
import JSONRPC
import MockProvider

/// Builders shared by the server tests.
enum Fixtures {
  /// Parses `json` as a script and starts a server on a free loopback port.
  static func startServer(_ json: String, recordURL: URL? = nil) throws -> MockProviderServer {
    let script = try MockScript.parse(bytes: Array(json.utf8), source: "test script")
    let server = MockProviderServer(script: script, recordURL: recordURL)
    _ = try server.start()
    return server
  }

  /// Builds a Chat Completions request body with a developer message and one user message.
  static func chatBody(
    _ message: String = "Say hello", stream: Bool, includeUsage: Bool = false
  ) -> JSONValue {
    var body = JSONObject()
    body["model"] = "gpt-test"
    body["messages"] = [["role": "developer", "content": "Be brief."], ["role": "user", "content": .string(message)]]
    body["stream"] = .bool(stream)
    if includeUsage {
      body["stream_options"] = ["include_usage": true]
    }
    return .object(body)
  }

  /// Returns a fresh path under the temporary directory. The caller removes the file.
  static func temporaryFile(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("mock-provider-\(UUID().uuidString)-\(name)")
  }
}

extension MockProviderServer {
  /// The bound port of a started server.
  var boundPort: Int {
    port ?? 0
  }
}

import Foundation
@testable import MockProvider
import Testing

@Suite struct MockProviderCommandTests {
  @Test func optionsParseAllValues() throws {
    let options = try MockProviderOptions.parse([
      "--script", "s.json", "--port=8080", "--host", "::1", "--record", "r.jsonl", "--log-level", "info",
    ])

    #expect(options.scriptPath == "s.json")
    #expect(options.port == 8080)
    #expect(options.host == "::1")
    #expect(options.recordPath == "r.jsonl")
    #expect(options.logLevel == .some(.info))
    #expect(!options.showsHelp)
  }

  @Test func optionsDefaults() throws {
    let options = try MockProviderOptions.parse([])

    #expect(options.scriptPath == nil)
    #expect(options.port == 0)
    #expect(options.host == "127.0.0.1")
    #expect(options.recordPath == nil)
  }

  @Test func optionsHelpFlag() throws {
    #expect(try MockProviderOptions.parse(["--help"]).showsHelp)
    #expect(try MockProviderOptions.parse(["-h"]).showsHelp)
  }

  @Test(arguments: [
    (["--scrpt", "x"], "unknown option '--scrpt'. Did you mean '--script'?"),
    (["--bogus"], "unknown option '--bogus'"),
    (["extra"], "unexpected argument 'extra'"),
    (["--port"], "missing value for '--port'"),
    (["--port", "70000"], "invalid --port value '70000'; expected a number from 0 to 65535"),
    (["--log-level", "loud"], "invalid --log-level value 'loud'; expected none, error, warning, info or debug"),
  ])
  func optionsUsageErrors(arguments: [String], message: String) {
    #expect(throws: MockProviderOptions.UsageError(message: message)) {
      try MockProviderOptions.parse(arguments)
    }
  }

  @Test func runUsageErrorExits64() {
    #expect(MockProviderCommand.run(arguments: ["--port", "x"]) == 64)
  }

  @Test func runMissingScriptExits66() {
    let path = Fixtures.temporaryFile("absent.json").path

    #expect(MockProviderCommand.run(arguments: ["--script", path]) == 66)
  }

  @Test func runInvalidScriptExits65() throws {
    let url = Fixtures.temporaryFile("bad.json")
    defer { try? FileManager.default.removeItem(at: url) }
    try Data(#"{"replies": [{"txt": "typo"}]}"#.utf8).write(to: url)

    #expect(MockProviderCommand.run(arguments: ["--script", url.path]) == 65)
  }

  @Test func runInvalidHostExits69() {
    #expect(MockProviderCommand.run(arguments: ["--host", "300.1.1.1"]) == 69)
  }

  @Test func runPortInUseExits69() throws {
    let server = try Fixtures.startServer(#"{"replies": [{"text": "a"}]}"#)
    defer { server.stop() }

    #expect(MockProviderCommand.run(arguments: ["--port", String(server.boundPort)]) == 69)
  }
}

import BYOKLogging
import Foundation
import Glibc

/// The `byok-host mock-provider` subcommand: serves a script on a local port until SIGINT or SIGTERM.
public enum MockProviderCommand {
  /// Process exit codes, from BSD `sysexits.h`.
  enum ExitCode {
    static let success: Int32 = 0
    static let usage: Int32 = 64
    static let invalidScript: Int32 = 65
    static let unreadableScript: Int32 = 66
    static let cannotListen: Int32 = 69
    static let cannotCreateRecordFile: Int32 = 73
  }

  static let usageLine =
    "Usage: byok-host mock-provider [--script FILE] [--port N] [--host H] [--record FILE] [--log-level LEVEL]"

  static let helpText = """
    \(usageLine)

    Serves scripted model responses over HTTP on a local port, in the wire format of each request's path:
    OpenAI Chat Completions (also Azure and Ollama shapes), OpenAI Responses and Anthropic Messages. Tests
    and editor plugins use it to run deterministic turns with no API key and no network. Prints
    "listening on port N" on stdout once it accepts connections, then runs until it receives SIGINT or
    SIGTERM. Closing stdin does not stop it.

    Options:
      --script FILE      The JSON script of replies; the format is in protocol/mock-provider.md.
                         Default: a built-in script that streams one friendly reply for every turn.
      --port N           The TCP port to listen on; 0 picks a free one. Default: 0.
      --host H           The IP address to listen on. Default: 127.0.0.1.
      --record FILE      Appends one JSON line per request and per connection a client closes mid-response.
                         The lines hold the request headers as received, so they contain the client's API key.
      --log-level LEVEL  Log detail on stderr: none, error, warning, info or debug.
      -h, --help         Shows this help.

    Exit status: 0 after SIGINT or SIGTERM, 64 for a usage error, 65 for an invalid script, 66 for an
    unreadable script, 69 when the port cannot be bound, 73 when the record file cannot be opened.

    """

  /// Runs the subcommand with the words after `mock-provider` and returns the process exit status.
  public static func run(arguments: [String]) -> Int32 {
    let options: MockProviderOptions
    do {
      options = try MockProviderOptions.parse(arguments)
    } catch {
      writeError("Error: \(error.message)\n\(usageLine)\nSee 'byok-host mock-provider --help'.\n")
      return ExitCode.usage
    }
    if options.showsHelp {
      write(helpText, to: STDOUT_FILENO)
      return ExitCode.success
    }
    if let level = options.logLevel {
      LogConfiguration.shared.setLevel(level)
    }

    let script: MockScript
    switch loadScript(options.scriptPath) {
    case .success(let loaded):
      script = loaded
    case .failure(let error):
      writeError("Error: invalid mock provider script: \(error)\n")
      return error.kind == .unreadableFile ? ExitCode.unreadableScript : ExitCode.invalidScript
    }

    return serve(script, options: options)
  }

  static func loadScript(_ path: String?) -> Result<MockScript, MockScriptError> {
    guard let path else { return .success(.default) }
    return Result { () throws(MockScriptError) in try MockScript.load(path: path) }
  }

  /// Serves until SIGINT or SIGTERM. The signal handlers are installed only once the port is bound, so a
  /// failed start leaves the process's signal dispositions untouched.
  private static func serve(_ script: MockScript, options: MockProviderOptions) -> Int32 {
    let logger = Logger(subsystem: "mock-provider")
    let server = MockProviderServer(
      script: script, host: options.host, port: options.port,
      recordURL: options.recordPath.map { URL(fileURLWithPath: $0) })
    let port: Int
    do {
      port = try server.start()
    } catch {
      writeError("Error: \(error)\n")
      if case .recordFileFailed = error { return ExitCode.cannotCreateRecordFile }
      return ExitCode.cannotListen
    }

    signal(SIGPIPE, SIG_IGN)
    guard let stopSignals = StopSignals() else {
      writeError("Error: cannot install the SIGINT and SIGTERM handlers: \(errnoDescription(errno))\n")
      server.stop()
      return ExitCode.cannotListen
    }
    defer { stopSignals.restore() }

    write("listening on port \(port)\n", to: STDOUT_FILENO)
    let signalNumber = stopSignals.wait()
    logger.info("Mock provider received a stop signal", ["signal": signalNumber, "port": port])
    server.stop()
    return ExitCode.success
  }

  private static func writeError(_ text: String) {
    write(text, to: STDERR_FILENO)
  }

  /// Writes `text` with `write(2)`, so it is flushed before the call returns.
  private static func write(_ text: String, to descriptor: Int32) {
    _ = writeAll(Array(text.utf8), to: descriptor)
  }
}

#if canImport(Glibc)
  import Glibc
#endif
import AgentCore
import BYOKLogging
import Dispatch
import Foundation
import HTTPStreaming
import HostServer
import JSONRPC
import MockProvider
import Providers
import Synchronization

/// The entry point: parses the command line and runs the host, the one-shot chat or the mock provider.
@main
enum ByokHost {
  static func main() async {
    // Writing to a closed pipe must fail with EPIPE instead of killing the process.
    signal(SIGPIPE, SIG_IGN)
    let arguments = Array(CommandLine.arguments.dropFirst())
    let command: Command
    do {
      command = try CommandLineParser.parse(arguments)
    } catch {
      StandardStreams.writeError("Error: \(error.message)\n\(error.usage)\nSee 'byok-host --help' for more.")
      exit(64)
    }
    switch command {
    case .help(let text):
      print(text)
      exit(0)
    case .version:
      print("byok-host \(HelpText.version)")
      exit(0)
    case .mockProvider(let arguments):
      exit(MockProviderCommand.run(arguments: arguments))
    case .serve(let options):
      exit(await serve(options))
    case .chat(let chat, let options):
      exit(await ChatCommand.run(chat, options: options))
    }
  }

  /// Configures logging from the options; returns `false` after printing why when the log file can't open.
  static func configureLogging(_ options: ServeOptions) -> Bool {
    LogConfiguration.shared.setLevel(options.logLevel)
    guard let path = options.logFile else { return true }
    let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      StandardStreams.writeError(
        "Error: could not open the log file \(path): \(String(cString: strerror(errno))). Check the path and its folder.")
      return false
    }
    LogConfiguration.shared.setSink(FileDescriptorLogSink(fileDescriptor: descriptor))
    return true
  }

  static func makeEnvironment(_ options: ServeOptions) -> (SessionEnvironment, httpClient: any HTTPClient) {
    let home = StateDirectory.resolve(flag: options.home)
    let httpClient = CurlHTTPClient()
    let environment = SessionEnvironment(
      store: SessionStore(home: home),
      providerFactory: ProviderFactory(
        httpClient: httpClient,
        idleTimeout: .seconds(options.streamIdleTimeout),
        retryPolicy: RetryPolicy(maximumRetries: options.maxRetries, maximumDelay: .seconds(options.maxRetryDelay))),
      hostVersion: HelpText.version,
      limits: SessionLimits(
        maxModelCallsPerSend: options.maxModelCalls, clientRequestTimeout: .seconds(options.toolTimeout)))
    return (environment, httpClient)
  }

  /// Serves on TCP when `--port` is given, or when `--stdio` is absent and stdin is `/dev/null` (how the
  /// Copilot SDKs start a TCP runtime); otherwise on stdin and stdout.
  static func serve(_ options: ServeOptions) async -> Int32 {
    if options.port != nil || (!options.stdio && StandardStreams.standardInputIsNullDevice()) {
      return await TCPServer.run(options)
    }
    return await serveStandardStreams(options)
  }

  /// Builds the method handler shared by every connection of this process.
  static func makeServer(_ options: ServeOptions, connectionToken: String?) -> (HostServer, SessionEnvironment) {
    let (environment, httpClient) = makeEnvironment(options)
    let server = HostServer(
      options: HostOptions(
        version: HelpText.version,
        defaultWorkingDirectory: FileManager.default.currentDirectoryPath,
        connectionToken: connectionToken,
        defaultProvider: DefaultProvider.resolve(options)),
      environment: environment,
      catalog: ModelCatalog(httpClient: httpClient))
    return (server, environment)
  }

  /// Serves JSON-RPC on stdin and the duplicated stdout until stdin closes or SIGTERM arrives.
  static func serveStandardStreams(_ options: ServeOptions) async -> Int32 {
    let signals = TerminationSignals.install()
    let protocolOutput = StandardStreams.takeStandardOutput()
    guard configureLogging(options) else { return 66 }
    let logger = Logger(subsystem: "host")
    let (server, environment) = makeServer(options, connectionToken: options.connectionToken)
    let connection = Connection(name: "stdio", input: STDIN_FILENO, output: protocolOutput)
    logger.debug("Host started", ["version": HelpText.version, "home": environment.store.home, "pid": getpid()])
    connection.start(handler: server)

    let reason = await firstOf(
      { await connection.waitUntilInputClosed(); return "stdin closed" },
      { await TerminationSignals.wait(signals) })
    logger.debug("Host stopping", ["reason": reason])
    await server.shutdown()
    connection.close()
    logger.debug("Host stopped")
    return 0
  }

  /// Runs both operations and returns the result of whichever finishes first; the other keeps running
  /// unobserved, which is fine for the waits used here.
  static func firstOf(
    _ first: @escaping @Sendable () async -> String,
    _ second: @escaping @Sendable () async -> String
  ) async -> String {
    let (results, sink) = AsyncStream.makeStream(of: String.self)
    Task { sink.yield(await first()) }
    Task { sink.yield(await second()) }
    for await result in results {
      return result
    }
    return "stopped"
  }
}

/// SIGTERM and SIGINT, observed through dispatch sources so the host can shut down cleanly.
enum TerminationSignals {
  /// Starts watching SIGTERM and SIGINT at once, so a signal sent right after start-up is not lost;
  /// `wait(_:)` then returns at the first one.
  static func install() -> AsyncStream<Int32> {
    let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
    for number in [SIGTERM, SIGINT] {
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { continuation.yield(number) }
      source.resume()
      // The source lives as long as the process: a signal may arrive at any time until exit.
      _ = Unmanaged.passRetained(source as AnyObject)
    }
    return signals
  }

  /// Returns the name of the first signal that `install()` saw.
  static func wait(_ signals: AsyncStream<Int32>) async -> String {
    for await number in signals {
      return number == SIGTERM ? "SIGTERM" : "SIGINT"
    }
    return "stopped"
  }
}

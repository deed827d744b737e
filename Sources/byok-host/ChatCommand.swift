#if canImport(Glibc)
  import Glibc
#endif
import AgentCore
import BYOKLogging
import Foundation
import JSONRPC
import MockProvider
import Synchronization

/// `byok-host chat`: one turn through the same session machinery as the host, printed as it streams.
enum ChatCommand {
  /// The environment variable read for the key when `--api-key-env` is not given.
  static let defaultKeyVariable: [ProviderConfiguration.Kind: String] = [
    .openai: "OPENAI_API_KEY", .azure: "AZURE_OPENAI_API_KEY", .anthropic: "ANTHROPIC_API_KEY",
  ]

  static func run(_ chat: ChatOptions, options: ServeOptions) async -> Int32 {
    guard ByokHost.configureLogging(options) else { return 66 }
    var mockServer: MockProviderServer?
    defer { mockServer?.stop() }

    var provider: ProviderConfiguration
    var model = chat.model
    if chat.useMock {
      let server = MockProviderServer(script: MockScript.default)
      do {
        let port = try server.start()
        mockServer = server
        provider = ProviderConfiguration(baseURL: "http://127.0.0.1:\(port)/v1")
        model = model ?? MockScript.default.model
      } catch {
        StandardStreams.writeError("Error: could not start the built-in mock provider: \(error)")
        return 69
      }
    } else {
      let kind = ProviderConfiguration.Kind(rawValue: chat.providerType) ?? .openai
      provider = ProviderConfiguration(kind: kind, baseURL: chat.baseURL!, azureAPIVersion: chat.azureAPIVersion)
      let variable = chat.apiKeyEnvironmentVariable ?? Self.defaultKeyVariable[kind]!
      if let key = ProcessInfo.processInfo.environment[variable], !key.isEmpty {
        provider.apiKey = Secret(key)
      }
    }

    let (environment, _) = ByokHost.makeEnvironment(options)
    let configuration = SessionConfiguration(
      model: model,
      provider: provider,
      systemMessageMode: .append,
      systemMessageContent: chat.systemMessage,
      streaming: true,
      workingDirectory: FileManager.default.currentDirectoryPath,
      clientName: "byok-host-chat")
    let printer = ChatPrinter()
    let session: Session
    do {
      session = try await Session.create(
        id: SessionEvent.makeID(), configuration: configuration, environment: environment,
        listener: { _, event in printer.handle(event) })
    } catch {
      StandardStreams.writeError("Error: \(error)")
      return 73
    }
    _ = await session.send(PendingSend(messageID: SessionEvent.makeID(), prompt: chat.prompt))
    let succeeded = await printer.waitUntilIdle()
    return succeeded ? 0 : 1
  }
}

/// Prints streamed text to stdout and errors to stderr, and reports when the turn is over.
final class ChatPrinter: Sendable {
  private struct State {
    var printedDelta = false
    var failed = false
    var waiter: CheckedContinuation<Bool, Never>?
    var finished: Bool?
  }

  private let state = Mutex(State())

  func handle(_ event: SessionEvent) {
    switch event.type {
    case EventType.messageDelta:
      state.withLock { $0.printedDelta = true }
      StandardStreams.writeOutput(event.data["deltaContent"]?.stringValue ?? "")
    case EventType.assistantMessage:
      let alreadyPrinted = state.withLock { $0.printedDelta }
      if !alreadyPrinted { StandardStreams.writeOutput(event.data["content"]?.stringValue ?? "") }
      StandardStreams.writeOutput("\n")
    case EventType.sessionError:
      state.withLock { $0.failed = true }
      StandardStreams.writeError("Error: \(event.data["message"]?.stringValue ?? "the turn failed")")
    case EventType.sessionIdle:
      let (waiter, succeeded) = state.withLock { state -> (CheckedContinuation<Bool, Never>?, Bool) in
        let succeeded = !state.failed && event.data["aborted"]?.boolValue != true
        state.finished = succeeded
        defer { state.waiter = nil }
        return (state.waiter, succeeded)
      }
      waiter?.resume(returning: succeeded)
    default:
      break
    }
  }

  func waitUntilIdle() async -> Bool {
    await withCheckedContinuation { continuation in
      let finished = state.withLock { state -> Bool? in
        if state.finished == nil { state.waiter = continuation }
        return state.finished
      }
      if let finished { continuation.resume(returning: finished) }
    }
  }
}

import BYOKLogging
import Dispatch
import Foundation
import Glibc
import JSONRPC
import Synchronization

/// A local HTTP/1.1 server that responds to model requests from a `MockScript`, so turns run deterministically
/// with no key and no network.
///
/// Routes: `POST …/chat/completions`, `POST …/responses` and `POST …/v1/messages` play the next scripted reply in
/// the OpenAI Chat Completions, OpenAI Responses or Anthropic Messages format. `GET …/models` lists the script's
/// model, and anything else gets 404 with an OpenAI error body. Each connection gets its own thread and keep-alive
/// is supported. Every request is kept in `requests` and, with a record file, appended to it as a JSON line that
/// includes the request headers, credentials among them.
public final class MockProviderServer: Sendable {
  /// The maximum number of connections open at once. Further clients get 503 and are closed.
  public static let maximumConnections = 1000
  /// How long `stop()` waits for the server's threads to finish, in seconds.
  static let stopTimeoutSeconds = 5

  public let script: MockScript
  public let host: String
  public let recordURL: URL?
  private let requestedPort: Int

  let log = RequestLog()
  let logger = Logger(subsystem: "mock-provider")
  private let state = Mutex(State())
  /// Entered for the accept thread and for each connection thread, so `stop()` can wait for them.
  private let threads = DispatchGroup()

  private struct State {
    enum Phase { case idle, running, stopped }

    var phase = Phase.idle
    var listener: Int32 = -1
    /// Written to by `stop()` to wake the accept loop: (read end, write end).
    var wakePipe: (Int32, Int32) = (-1, -1)
    var port: Int?
    /// Open connection sockets by connection number. A thread removes its own entry before closing its socket.
    var connections: [Int: Int32] = [:]
    var connectionCount = 0
    var nextReplyIndex = 0
  }

  /// Creates a stopped server. With `port` 0 it picks a free port when it starts.
  public init(script: MockScript, host: String = "127.0.0.1", port: Int = 0, recordURL: URL? = nil) {
    self.script = script
    self.host = host
    self.requestedPort = port
    self.recordURL = recordURL
  }

  /// The bound port, or `nil` before `start()`.
  public var port: Int? {
    state.withLock { $0.port }
  }

  /// The base URL a client configures, such as `http://127.0.0.1:PORT/v1`, or `nil` before `start()`.
  public var baseURL: String? {
    guard let port else { return nil }
    let hostPart = host.contains(":") ? "[\(host)]" : host
    return "http://\(hostPart):\(port)/v1"
  }

  /// The requests received so far, in arrival order.
  public var requests: [RecordedRequest] {
    log.recordedRequests
  }

  /// The connections clients closed while a response was still being sent, in order.
  public var clientCloses: [ClientCloseEvent] {
    log.recordedClientCloses
  }

  /// Blocks the calling thread until `count` requests have arrived or `timeout` passes, and returns whether they did.
  public func waitForRequests(_ count: Int, timeout: Duration) -> Bool {
    log.waitForRequests(count, timeout: timeout)
  }

  /// Blocks the calling thread until `count` client closes are recorded or `timeout` passes, and returns whether
  /// they were.
  public func waitForClientCloses(_ count: Int, timeout: Duration) -> Bool {
    log.waitForClientCloses(count, timeout: timeout)
  }

  /// Waits without blocking a thread until `count` requests have arrived or `timeout` passes, and returns
  /// whether they did. Use this in async code: the blocking variant would hold one of the few threads of
  /// Swift's cooperative pool for the whole wait.
  public func waitForRequests(_ count: Int, timeout: Duration) async -> Bool {
    await waitAsync(timeout: timeout) { log.recordedRequests.count >= count }
  }

  /// Waits without blocking a thread until `count` client closes are recorded or `timeout` passes, and returns
  /// whether they were.
  public func waitForClientCloses(_ count: Int, timeout: Duration) async -> Bool {
    await waitAsync(timeout: timeout) { log.recordedClientCloses.count >= count }
  }

  /// Checks `isReached` every 10 ms with `Task.sleep` until it is true or `timeout` passes. A cancelled task
  /// stops waiting and returns the current state.
  private func waitAsync(timeout: Duration, until isReached: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while !isReached() {
      guard clock.now < deadline else { return false }
      do {
        try await Task.sleep(for: .milliseconds(10))
      } catch {
        return isReached()
      }
    }
    return true
  }

  // MARK: - Lifecycle

  /// Binds the socket, opens the record file, starts accepting connections and returns the bound port.
  public func start() throws(MockProviderServerError) -> Int {
    try state.withLock { state throws(MockProviderServerError) in
      guard state.phase == .idle else { throw .alreadyStarted }
      state.phase = .stopped
    }
    if let recordURL {
      try log.openRecordFile(path: recordURL.path)
    }
    let listener: TCPListener
    do {
      listener = try TCPListener.listen(host: host, port: requestedPort)
    } catch {
      log.closeRecordFile()
      throw error.isInvalidHost
        ? .invalidHost(host: host, reason: error.reason)
        : .listenFailed(host: host, port: requestedPort, reason: error.reason)
    }
    var pipeEnds: [Int32] = [-1, -1]
    guard pipe(&pipeEnds) == 0 else {
      let reason = errnoDescription(errno)
      close(listener.fileDescriptor)
      log.closeRecordFile()
      throw .listenFailed(host: host, port: requestedPort, reason: "cannot create a wake-up pipe: \(reason)")
    }

    let wakePipe = (pipeEnds[0], pipeEnds[1])
    _ = fcntl(wakePipe.0, F_SETFD, FD_CLOEXEC)
    _ = fcntl(wakePipe.1, F_SETFD, FD_CLOEXEC)

    state.withLock { state in
      state.phase = .running
      state.listener = listener.fileDescriptor
      state.wakePipe = wakePipe
      state.port = listener.port
    }
    threads.enter()
    let acceptThread = Thread { [self] in
      acceptConnections(listener: listener.fileDescriptor, wakeUp: wakePipe.0)
      threads.leave()
    }
    acceptThread.name = "mock-provider accept"
    acceptThread.start()
    logger.info("Mock provider listening", ["host": host, "port": listener.port])
    return listener.port
  }

  /// Stops accepting and shuts down every open connection, which ends stalls and keep-alive waits. Then waits
  /// up to five seconds for the server's threads. Calling it again does nothing.
  ///
  /// - Important: A running server's threads keep it alive, so call this even when dropping the last reference.
  public func stop() {
    let wakeWriter: Int32? = state.withLock { state in
      guard state.phase == .running else {
        state.phase = .stopped
        return nil
      }
      state.phase = .stopped
      return state.wakePipe.1
    }
    guard let wakeWriter else { return }

    var byte: UInt8 = 1
    _ = write(wakeWriter, &byte, 1)
    state.withLock { state in
      for descriptor in state.connections.values {
        shutdown(descriptor, Int32(SHUT_RDWR))
      }
    }
    if threads.wait(timeout: .now() + .seconds(Self.stopTimeoutSeconds)) == .timedOut {
      let open = state.withLock { $0.connections.count }
      logger.error("Mock provider threads did not finish in time; leaving their sockets open", ["connections": open])
      return
    }

    state.withLock { state in
      close(state.listener)
      close(state.wakePipe.0)
      close(state.wakePipe.1)
      state.listener = -1
      state.wakePipe = (-1, -1)
    }
    log.closeRecordFile()
    logger.info("Mock provider stopped", ["port": port.map(String.init) ?? "none"])
  }

  /// Whether `stop()` has begun, so a closed socket is the server's doing rather than the client's.
  var isStopping: Bool {
    state.withLock { $0.phase != .running }
  }

  /// Takes the next scripted reply, or `nil` once the script is used up and `afterLast` is `error`.
  func takeReply() -> (index: Int, reply: MockReply)? {
    state.withLock { state in
      let index = state.nextReplyIndex
      state.nextReplyIndex += 1
      if index < script.replies.count {
        return (index, script.replies[index])
      }
      switch script.afterLast {
      case .repeatLast: return (script.replies.count - 1, script.replies[script.replies.count - 1])
      case .error: return nil
      }
    }
  }

  // MARK: - Accepting

  private func acceptConnections(listener: Int32, wakeUp: Int32) {
    while true {
      var descriptors = [
        pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
        pollfd(fd: wakeUp, events: Int16(POLLIN), revents: 0),
      ]
      let ready = poll(&descriptors, 2, -1)
      if ready < 0 {
        if errno == EINTR { continue }
        logger.error("Mock provider stopped accepting: poll failed", ["error": errnoDescription(errno)])
        return
      }
      if descriptors[1].revents != 0 { return }
      guard descriptors[0].revents & Int16(POLLIN) != 0 else { continue }

      let descriptor = accept(listener, nil, nil)
      guard descriptor >= 0 else {
        let code = errno
        if code == EMFILE || code == ENFILE {
          logger.error("Failed to accept a connection; retrying in 10 ms", ["error": errnoDescription(code)])
          usleep(10_000)
        }
        continue
      }
      _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
      register(Socket(fileDescriptor: descriptor))
    }
  }

  /// Starts a thread for the connection, or sends 503 and closes it when `maximumConnections` are already open.
  private func register(_ socket: Socket) {
    enum Admission { case accepted(Int), full, stopping }
    let admission: Admission = state.withLock { state in
      guard state.phase == .running else { return .stopping }
      guard state.connections.count < Self.maximumConnections else { return .full }
      state.connectionCount += 1
      state.connections[state.connectionCount] = socket.fileDescriptor
      return .accepted(state.connectionCount)
    }

    switch admission {
    case .stopping:
      close(socket.fileDescriptor)
    case .full:
      logger.warning("Rejected a connection: too many open", ["limit": Self.maximumConnections])
      let body = OpenAIChatFormat.errorBody(
        message: "The mock provider already has \(Self.maximumConnections) open connections; close some and retry.",
        type: "server_error")
      _ = sendJSON(socket, status: 503, body: body, keepOpen: false)
      close(socket.fileDescriptor)
    case .accepted(let connection):
      socket.disableNagle()
      threads.enter()
      let thread = Thread { [self] in
        serve(socket, connection: connection)
        state.withLock { state in
          state.connections[connection] = nil
          close(socket.fileDescriptor)
        }
        threads.leave()
      }
      thread.name = "mock-provider connection \(connection)"
      thread.stackSize = 512 * 1024
      thread.start()
    }
  }
}

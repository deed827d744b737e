#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import BYOKLogging
import Foundation
import Synchronization

/// Handles the requests and notifications that arrive on a `Connection`.
public protocol MessageHandler: Sendable {
  /// Returns the result of one request. A thrown `ResponseError` becomes the JSON-RPC error, a
  /// `CancellationError` becomes -32800 and any other error -32603.
  func handle(request method: String, params: JSONValue, id: RequestID, connection: Connection) async throws
    -> JSONValue

  func handle(notification method: String, params: JSONValue, connection: Connection) async

  /// Whether a request may take long because it waits for a turn or for the client. Such requests run on
  /// their own task instead of in arrival order, so they never hold up the requests behind them.
  func isLongRunning(method: String) -> Bool
}

/// A JSON-RPC 2.0 peer over a pair of file descriptors with `Content-Length` framing.
///
/// One thread reads and splits frames; requests are handled in arrival order (so `session.create`
/// followed at once by `session.send` works), except long-running ones, which run concurrently. Every
/// request gets exactly one reply: its result, its error, -32800 when `$/cancelRequest` cancelled it, or
/// -32800 when the connection shut down first. Requests to the peer use integer ids.
public final class Connection: Sendable {
  private struct State {
    /// Requests received and not yet answered, with the task running each one when it has started.
    var inFlight: [RequestID: Task<Void, Never>?] = [:]
    var outgoing: [Int64: CheckedContinuation<JSONValue, any Error>] = [:]
    var nextOutgoingID: Int64 = 1
    var isClosed = false
    /// Work to run once the reply to a request is queued, so that it follows the reply on the wire.
    var afterReply: [RequestID: @Sendable () async -> Void] = [:]
  }

  public let name: String
  private let inputDescriptor: Int32
  private let output: FrameOutput
  private let state = Mutex(State())
  private let messages: AsyncStream<[Message]>
  private let messageSink: AsyncStream<[Message]>.Continuation
  private let closedSignal = Mutex<[CheckedContinuation<Void, Never>]>([])
  private let isFinished = Mutex(false)
  private let maximumBodyLength: Int
  private let logger = Logger(subsystem: "jsonrpc")

  /// Creates a connection reading from `input` and writing to `output`; call `start(handler:)` to begin.
  public init(
    name: String,
    input: Int32,
    output outputDescriptor: Int32,
    maximumBodyLength: Int = FrameReader.defaultMaximumBodyLength
  ) {
    self.name = name
    self.inputDescriptor = input
    self.maximumBodyLength = maximumBodyLength
    self.output = FrameOutput(fileDescriptor: outputDescriptor)
    (messages, messageSink) = AsyncStream.makeStream(of: [Message].self)
  }

  /// Bytes written by the host and not yet taken by the peer's side of the pipe.
  public var queuedOutputByteCount: Int { output.queuedByteCount }

  /// Waits while more than `limit` bytes are queued for the peer, so a producer slows to the speed at which
  /// the peer reads; returns at once when the output is closed.
  public func waitUntilOutputBelow(_ limit: Int) async {
    while output.queuedByteCount > limit && !output.isClosed {
      try? await Task.sleep(for: .milliseconds(5))
      if Task.isCancelled { return }
    }
  }

  /// Starts reading; returns at once. `waitUntilInputClosed()` resumes when the peer closes its side.
  public func start(handler: any MessageHandler) {
    let thread = Thread { [self] in readLoop() }
    thread.name = "byok-host frame reader \(name)"
    thread.start()
    Task { await dispatchLoop(handler: handler) }
  }

  /// Waits until the input reached end of file (or failed) and every message read was dispatched.
  public func waitUntilInputClosed() async {
    await withCheckedContinuation { continuation in
      let done = isFinished.withLock { finished -> Bool in
        if finished { return true }
        closedSignal.withLock { $0.append(continuation) }
        return false
      }
      if done { continuation.resume() }
    }
  }

  // MARK: - Sending

  public func sendNotification(_ method: String, params: JSONValue) {
    output.send(Message.notification(method: method, params: params).jsonValue)
  }

  /// Sends a request to the peer and waits for its response; throws `ResponseError` for an error reply,
  /// and `CancellationError` when the calling task is cancelled (the peer is sent `$/cancelRequest`).
  public func sendRequest(_ method: String, params: JSONValue) async throws -> JSONValue {
    let id = state.withLock { state -> Int64? in
      guard !state.isClosed else { return nil }
      defer { state.nextOutgoingID += 1 }
      return state.nextOutgoingID
    }
    guard let id else {
      throw ResponseError(code: .internalError, message: "Connection closed before \(method) could be sent")
    }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        let registered = state.withLock { state -> Bool in
          guard !state.isClosed else { return false }
          state.outgoing[id] = continuation
          return true
        }
        guard registered else {
          continuation.resume(throwing: ResponseError(code: .internalError, message: "Connection closed"))
          return
        }
        output.send(Message.request(id: .number(id), method: method, params: params).jsonValue)
      }
    } onCancel: {
      let continuation = state.withLock { $0.outgoing.removeValue(forKey: id) }
      if let continuation {
        sendNotification("$/cancelRequest", params: ["id": .int(id)])
        continuation.resume(throwing: CancellationError())
      }
    }
  }

  /// Replies -32800 to every request still in flight, fails the host's own pending requests, writes what
  /// is queued and closes the output.
  public func close(flushTimeout: Duration = .seconds(5)) {
    let (unanswered, outgoing) = state.withLock { state -> ([RequestID: Task<Void, Never>?], [CheckedContinuation<JSONValue, any Error>]) in
      state.isClosed = true
      let unanswered = state.inFlight
      state.inFlight.removeAll()
      let outgoing = Array(state.outgoing.values)
      state.outgoing.removeAll()
      state.afterReply.removeAll()
      return (unanswered, outgoing)
    }
    for (id, task) in unanswered {
      task?.cancel()
      output.send(Message.response(id: id, result: .failure(.cancelled)).jsonValue)
    }
    for continuation in outgoing {
      continuation.resume(throwing: ResponseError(code: .internalError, message: "Connection closed"))
    }
    output.finish(timeout: flushTimeout)
  }

  /// Runs `action` right after the reply to request `id` is queued (or when the request ends without
  /// one), so notifications it sends follow the reply. For a request handled in arrival order, the next
  /// message is dispatched only after `action` returns.
  public func afterReply(to id: RequestID, _ action: @escaping @Sendable () async -> Void) {
    state.withLock { state in
      state.afterReply[id] = action
    }
  }

  /// The number of requests received and not yet answered.
  public var unansweredRequestCount: Int { state.withLock { $0.inFlight.count } }

  // MARK: - Reading

  private func readLoop() {
    var reader = FrameReader(maximumBodyLength: maximumBodyLength)
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(inputDescriptor, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 { break }
      var batch: [Message] = []
      for item in reader.feed(buffer[0..<count]) {
        switch item {
        case .body(let body):
          do {
            batch.append(try Message.decode(body))
          } catch {
            logger.warning("Rejected a message", ["connection": name, "error": error.error.message])
            rejectUndecodable(error)
          }
        case .error(let frameError):
          logger.warning("Rejected a frame", ["connection": name, "error": frameError.description])
          let code: ErrorCode = {
            if case .bodyTooLarge = frameError { return .invalidRequest }
            return .parseError
          }()
          output.send(Message.errorWithNullID(ResponseError(code: code, message: frameError.description)))
        }
      }
      if !batch.isEmpty { messageSink.yield(batch) }
    }
    if reader.bufferedByteCount > 0 {
      logger.warning("Input closed in the middle of a frame", ["connection": name, "discardedBytes": reader.bufferedByteCount])
    }
    messageSink.finish()
  }

  private func dispatchLoop(handler: any MessageHandler) async {
    for await batch in messages {
      for message in batch {
        await dispatch(message, handler: handler)
      }
    }
    let waiters = isFinished.withLock { finished -> [CheckedContinuation<Void, Never>] in
      finished = true
      return closedSignal.withLock { waiters in
        defer { waiters.removeAll() }
        return waiters
      }
    }
    for waiter in waiters { waiter.resume() }
  }

  private func dispatch(_ message: Message, handler: any MessageHandler) async {
    switch message {
    case .request(let id, let method, let params):
      let accepted = state.withLock { state -> Bool in
        guard !state.isClosed, state.inFlight[id] == nil else { return false }
        state.inFlight[id] = .some(nil)
        return true
      }
      guard accepted else {
        let closed = state.withLock { $0.isClosed }
        let error =
          closed
          ? ResponseError(code: .shuttingDown, message: "The host is shutting down; \(method) was not run")
          : ResponseError(code: .invalidRequest, message: "Invalid request: id \(id) is already in use by a running request")
        output.send(Message.response(id: id, result: .failure(error)).jsonValue)
        return
      }
      if handler.isLongRunning(method: method) {
        let task = Task { await run(id: id, method: method, params: params, handler: handler) }
        state.withLock { state in
          if state.inFlight[id] != nil { state.inFlight[id] = .some(task) }
        }
      } else {
        await run(id: id, method: method, params: params, handler: handler)
      }

    case .notification(let method, let params):
      if method == "$/cancelRequest" {
        cancelIncoming(params["id"].flatMap(RequestID.init))
        return
      }
      await handler.handle(notification: method, params: params, connection: self)

    case .response(let id, let result):
      guard case .number(let number) = id,
        let continuation = state.withLock({ $0.outgoing.removeValue(forKey: number) })
      else {
        logger.debug("Dropped a response for an unknown request", ["connection": name, "id": id])
        return
      }
      switch result {
      case .success(let value): continuation.resume(returning: value)
      case .failure(let error): continuation.resume(throwing: error)
      }
    }
  }

  private func run(id: RequestID, method: String, params: JSONValue, handler: any MessageHandler) async {
    let result: Result<JSONValue, ResponseError>
    do {
      result = .success(try await handler.handle(request: method, params: params, id: id, connection: self))
    } catch let error as ResponseError {
      result = .failure(error)
    } catch is CancellationError {
      result = .failure(.cancelled)
    } catch {
      logger.error("Request failed with an unexpected error", ["connection": name, "method": method, "id": id, "error": error])
      result = .failure(.internalError("Internal error while handling \(method): \(error)"))
    }
    await reply(to: id, with: result)
  }

  /// Sends the reply unless the request was already answered (cancelled, or shut down), then runs the
  /// request's after-reply action.
  private func reply(to id: RequestID, with result: Result<JSONValue, ResponseError>) async {
    let (pending, action) = state.withLock { state in
      (state.inFlight.removeValue(forKey: id) != nil, state.afterReply.removeValue(forKey: id))
    }
    if pending {
      output.send(Message.response(id: id, result: result).jsonValue)
    }
    await action?()
  }

  /// Answers a message that could not be decoded, with its id when it was readable and `null` otherwise.
  private func rejectUndecodable(_ failure: MessageDecodingError) {
    if let id = failure.id {
      output.send(Message.response(id: id, result: .failure(failure.error)).jsonValue)
    } else {
      output.send(Message.errorWithNullID(failure.error))
    }
  }

  private func cancelIncoming(_ id: RequestID?) {
    guard let id else { return }
    let (entry, action) = state.withLock { state in
      (state.inFlight.removeValue(forKey: id), state.afterReply.removeValue(forKey: id))
    }
    guard let entry else { return }
    entry?.cancel()
    output.send(Message.response(id: id, result: .failure(.cancelled)).jsonValue)
    if let action { Task { await action() } }
  }
}

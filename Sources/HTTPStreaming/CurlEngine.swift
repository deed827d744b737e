import BYOKLogging
import CCurl
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The thread-safe front of one libcurl multi handle: queues work for the libcurl thread and wakes it.
///
/// The multi handle and its thread are created on the first submitted transfer. The thread exits once the
/// owning client is released and no transfer or command is left.
final class CurlEngine: Sendable {
  /// Work handed to the libcurl thread, which alone touches easy handles and the multi handle.
  enum Command {
    case add(CurlTransfer)
    case cancel(transferID: UInt64)
    case resume(transferID: UInt64)
  }

  /// Settings fixed for the engine's lifetime.
  struct Configuration: Sendable {
    var maximumConnectionsPerHost: Int
    var maximumBufferedBytes: Int
    /// CURLOPT_CAINFO, from `SSL_CERT_FILE`.
    var certificateFile: String?
    /// CURLOPT_CAPATH, from `SSL_CERT_DIR`.
    var certificateDirectory: String?
    /// The proxy for `http://` URLs from `HTTP_PROXY`, which libcurl itself reads only in lower case.
    var httpProxy: String?
    /// CURLOPT_NOPROXY, from `NO_PROXY` or `no_proxy`, so it also applies to `httpProxy`.
    var noProxy: String?
  }

  private enum Phase {
    case notStarted
    case running(CurlMultiHandle)
    case stopped
    case failed(HTTPClientError)
  }

  private struct State {
    var phase = Phase.notStarted
    var commands: [Command] = []
    var isClientReleased = false
    var nextTransferID: UInt64 = 1
  }

  /// The result of `curl_global_init`, which runs once per process before the first multi handle.
  private static let globalInitResult: CURLcode = byok_global_init()

  let configuration: Configuration
  let logger: Logger
  private let state = Mutex(State())

  init(configuration: Configuration, logger: Logger) {
    self.configuration = configuration
    self.logger = logger
  }

  func makeTransferID() -> UInt64 {
    state.withLock { state in
      defer { state.nextTransferID += 1 }
      return state.nextTransferID
    }
  }

  /// Hands `transfer` to the libcurl thread, starting that thread first if needed.
  func submit(_ transfer: CurlTransfer) {
    let failure = state.withLock { state -> HTTPClientError? in
      if case .notStarted = state.phase {
        state.phase = startThread()
      }
      switch state.phase {
      case .running(let multi):
        state.commands.append(.add(transfer))
        curl_multi_wakeup(multi.pointer)
        return nil
      case .failed(let error):
        return error
      case .notStarted, .stopped:
        return .transport(code: -1, message: "the libcurl thread has already stopped")
      }
    }
    if let failure {
      transfer.channel.finish(throwing: failure)
    }
  }

  func cancel(transferID: UInt64) {
    enqueue(.cancel(transferID: transferID))
  }

  func resume(transferID: UInt64) {
    enqueue(.resume(transferID: transferID))
  }

  /// Lets the libcurl thread exit once its transfers end; called when the owning client is deinitialized.
  func releaseClient() {
    state.withLock { state in
      state.isClientReleased = true
      if case .running(let multi) = state.phase {
        curl_multi_wakeup(multi.pointer)
      }
    }
  }

  /// Returns the queued commands, or nil when the libcurl thread should clean up and exit.
  ///
  /// - Important: Called only by the libcurl thread. Returning nil marks the engine stopped, after which no
  ///   caller touches the multi handle.
  func takeCommands(hasTransfers: Bool) -> [Command]? {
    state.withLock { state in
      if state.commands.isEmpty && !hasTransfers && state.isClientReleased {
        state.phase = .stopped
        return nil
      }
      let commands = state.commands
      state.commands = []
      return commands
    }
  }

  private func enqueue(_ command: Command) {
    state.withLock { state in
      guard case .running(let multi) = state.phase else { return }
      state.commands.append(command)
      curl_multi_wakeup(multi.pointer)
    }
  }

  /// Creates the multi handle and the thread that drives it, returning the resulting phase.
  private func startThread() -> Phase {
    let initResult = CurlEngine.globalInitResult
    guard initResult == CURLE_OK else {
      let message = String(cString: curl_easy_strerror(initResult))
      logger.error("libcurl global initialization failed", ["curl.code": initResult.rawValue, "curl.message": message])
      return .failed(.transport(code: Int(initResult.rawValue), message: "curl_global_init failed: \(message)"))
    }
    guard let multiPointer = curl_multi_init() else {
      logger.error("libcurl multi handle could not be created")
      return .failed(.transport(code: -1, message: "curl_multi_init failed"))
    }
    let multi = CurlMultiHandle(pointer: multiPointer)
    _ = byok_multi_setopt_long(multiPointer, CURLMOPT_MAX_HOST_CONNECTIONS, configuration.maximumConnectionsPerHost)
    let loop = CurlMultiLoop(engine: self, multi: multi)
    guard startDetachedThread(running: loop) else {
      curl_multi_cleanup(multiPointer)
      logger.error("libcurl thread could not be started", ["errno": errno])
      return .failed(.transport(code: -1, message: "the libcurl thread could not be started"))
    }
    logger.debug("libcurl thread started")
    return .running(multi)
  }

  /// Starts a detached POSIX thread that runs `loop` and releases it when `run()` returns.
  private func startDetachedThread(running loop: CurlMultiLoop) -> Bool {
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))

    let context = Unmanaged.passRetained(loop).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(
      &thread, &attributes,
      { context in
        let loop = Unmanaged<CurlMultiLoop>.fromOpaque(context!).takeRetainedValue()
        loop.run()
        return nil
      }, context)
    guard result == 0 else {
      Unmanaged<CurlMultiLoop>.fromOpaque(context).release()
      return false
    }
    return true
  }
}

/// A libcurl multi handle pointer that may be passed between threads.
///
/// `curl_multi_wakeup` is the only call made on it outside the libcurl thread, and libcurl documents that call
/// as safe from any thread.
struct CurlMultiHandle: @unchecked Sendable {
  let pointer: UnsafeMutableRawPointer
}

import BYOKLogging
import CCurl

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The body of the libcurl thread: drives every transfer of one multi handle and waits in `curl_multi_poll`.
///
/// Between events the thread sleeps until a socket is ready, a command arrives through `curl_multi_wakeup`,
/// libcurl's own next timer, or the nearest idle deadline, so a waiting stream costs no CPU.
final class CurlMultiLoop {
  /// The poll timeout while no transfer is active; commands wake the thread earlier.
  private static let idlePollMilliseconds: Int32 = 60_000

  private let engine: CurlEngine
  private let multi: CurlMultiHandle
  private var transfers: [UInt64: CurlTransfer] = [:]
  private var logger: Logger { engine.logger }

  init(engine: CurlEngine, multi: CurlMultiHandle) {
    self.engine = engine
    self.multi = multi
  }

  /// Drives the transfers until the engine reports that its client is released and no work is left.
  func run() {
    #if canImport(Glibc)
      byok_set_current_thread_name("byok-http")
    #endif
    while let commands = engine.takeCommands(hasTransfers: !transfers.isEmpty) {
      for command in commands {
        apply(command)
      }

      var runningCount: Int32 = 0
      let performResult = curl_multi_perform(multi.pointer, &runningCount)
      if performResult != CURLM_OK {
        logger.error("curl_multi_perform failed", ["curl.code": performResult.rawValue])
      }
      completeFinishedTransfers()

      let timeout = expireIdleTransfers(now: .now)
      let pollResult = curl_multi_poll(multi.pointer, nil, 0, timeout, nil)
      if pollResult != CURLM_OK {
        // Sleeping keeps a persistent failure from spinning the loop and flooding the log.
        logger.error("curl_multi_poll failed", ["curl.code": pollResult.rawValue])
        usleep(100_000)
      }
    }
    curl_multi_cleanup(multi.pointer)
    logger.debug("libcurl thread stopped")
  }

  // MARK: - Commands

  private func apply(_ command: CurlEngine.Command) {
    switch command {
    case .add(let transfer):
      add(transfer)
    case .cancel(let transferID):
      guard let transfer = transfers[transferID] else { return }
      remove(transfer)
      logger.debug("HTTP request cancelled", ["http.id": transferID])
    case .resume(let transferID):
      guard let transfer = transfers[transferID], transfer.isPaused, let easy = transfer.easy else { return }
      transfer.isPaused = false
      transfer.lastActivity = .now
      // libcurl may call the write callback from inside curl_easy_pause, which may pause the transfer again.
      _ = byok_easy_unpause(easy)
    }
  }

  private func add(_ transfer: CurlTransfer) {
    let easy: UnsafeMutableRawPointer
    do {
      easy = try transfer.makeEasyHandle(configuration: engine.configuration)
    } catch {
      transfer.releaseEasyHandle()
      transfer.channel.finish(throwing: error)
      logger.error("HTTP request could not be configured", ["http.id": transfer.id, "error": error])
      return
    }
    let addResult = curl_multi_add_handle(multi.pointer, easy)
    guard addResult == CURLM_OK else {
      transfer.releaseEasyHandle()
      let message = String(cString: curl_multi_strerror(addResult))
      transfer.channel.finish(throwing: .transport(code: Int(addResult.rawValue), message: message))
      logger.error("HTTP request could not be started", ["http.id": transfer.id, "curl.message": message])
      return
    }
    transfer.lastActivity = .now
    transfers[transfer.id] = transfer
    logger.debug(
      "HTTP request started",
      ["http.id": transfer.id, "http.request": transfer.request.description])
  }

  /// Detaches `transfer` from libcurl, which closes its connection if the response was not complete.
  private func remove(_ transfer: CurlTransfer) {
    transfers[transfer.id] = nil
    if let easy = transfer.easy {
      curl_multi_remove_handle(multi.pointer, easy)
    }
    transfer.releaseEasyHandle()
  }

  // MARK: - Completion and idle timeout

  private func completeFinishedTransfers() {
    var remaining: Int32 = 0
    while let message = curl_multi_info_read(multi.pointer, &remaining) {
      guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
      var context: UnsafeMutableRawPointer?
      _ = byok_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &context)
      guard let context else { continue }
      let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
      let code = message.pointee.data.result
      let status = transfer.responseStatus()
      let error = transfer.complete(with: code)
      remove(transfer)
      logger.debug(
        "HTTP request finished",
        [
          "http.id": transfer.id, "http.status": status, "http.bodyBytes": transfer.receivedBodyBytes,
          "http.milliseconds": Int((ContinuousClock.now - transfer.startTime) / .milliseconds(1)),
          "error": error?.description ?? "none",
        ])
    }
  }

  /// Fails transfers idle past their timeout and returns the milliseconds until the nearest remaining deadline.
  ///
  /// A paused transfer has no deadline, because its silence is the consumer's doing; resuming restarts its clock.
  private func expireIdleTransfers(now: ContinuousClock.Instant) -> Int32 {
    var nearestDeadline: ContinuousClock.Instant?
    var expired: [CurlTransfer] = []
    for transfer in transfers.values where !transfer.isPaused {
      var deadline = transfer.lastActivity + transfer.request.idleTimeout
      if deadline <= now {
        guard transfer.hasUploadedSinceLastCheck() else {
          expired.append(transfer)
          continue
        }
        transfer.lastActivity = now
        deadline = now + transfer.request.idleTimeout
      }
      nearestDeadline = min(nearestDeadline ?? deadline, deadline)
    }
    for transfer in expired {
      transfer.channel.finish(throwing: .timedOut(idle: transfer.request.idleTimeout))
      remove(transfer)
      logger.debug(
        "HTTP request timed out", ["http.id": transfer.id, "http.idleTimeout": transfer.request.idleTimeout])
    }
    guard let nearestDeadline else {
      return CurlMultiLoop.idlePollMilliseconds
    }
    return CurlMultiLoop.milliseconds(roundingUp: nearestDeadline - now)
  }

  /// Converts `duration` to whole milliseconds, rounding up so the thread never wakes just before a deadline.
  private static func milliseconds(roundingUp duration: Duration) -> Int32 {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0, attoseconds >= 0 else { return 0 }
    let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
    let total = seconds * 1000 + (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond
    return Int32(clamping: min(total, Int64(idlePollMilliseconds)))
  }
}

import BYOKLogging
import Foundation
import Glibc
import JSONRPC

/// The requests and client closes a server has seen, kept in memory and appended to the record file.
///
/// All stored state is guarded by `condition`, which also wakes the threads waiting for a count.
final class RequestLog: @unchecked Sendable {
  private let condition = NSCondition()
  private var requests: [RecordedRequest] = []
  private var clientCloses: [ClientCloseEvent] = []
  /// The record file, or -1 without one.
  private var recordFile: Int32 = -1
  private var hasReportedWriteFailure = false
  private let logger = Logger(subsystem: "mock-provider")

  /// Opens `path` for appending, creating it readable by its owner only because it may hold credentials.
  func openRecordFile(path: String) throws(MockProviderServerError) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw .recordFileFailed(path: path, reason: errnoDescription(errno))
    }
    condition.withLock { recordFile = descriptor }
  }

  func closeRecordFile() {
    condition.withLock {
      if recordFile >= 0 {
        close(recordFile)
        recordFile = -1
      }
    }
  }

  /// Stores a request and gives it the next sequence number.
  func append(
    request: HTTPRequest, connection: Int, body: JSONValue?
  ) -> RecordedRequest {
    condition.withLock {
      let recorded = RecordedRequest(
        sequence: requests.count + 1, connection: connection, method: request.method, path: request.target,
        headers: request.headers, body: body, rawBody: request.body)
      requests.append(recorded)
      writeLine(recorded.recordLine)
      condition.broadcast()
      return recorded
    }
  }

  func appendClientClose(connection: Int, request: Int) {
    let time = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    condition.withLock {
      let event = ClientCloseEvent(connection: connection, request: request, time: time)
      clientCloses.append(event)
      writeLine(event.recordLine)
      condition.broadcast()
    }
  }

  var recordedRequests: [RecordedRequest] {
    condition.withLock { requests }
  }

  var recordedClientCloses: [ClientCloseEvent] {
    condition.withLock { clientCloses }
  }

  /// Blocks until at least `count` requests have arrived or `timeout` passes, and returns whether they arrived.
  func waitForRequests(_ count: Int, timeout: Duration) -> Bool {
    wait(timeout: timeout) { requests.count >= count }
  }

  /// Blocks until at least `count` client closes are recorded or `timeout` passes, and returns whether they were.
  func waitForClientCloses(_ count: Int, timeout: Duration) -> Bool {
    wait(timeout: timeout) { clientCloses.count >= count }
  }

  private func wait(timeout: Duration, until isReached: () -> Bool) -> Bool {
    let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
    let deadline = Date().addingTimeInterval(seconds)
    condition.lock()
    defer { condition.unlock() }
    while !isReached() {
      guard condition.wait(until: deadline) else { return isReached() }
    }
    return true
  }

  /// Must be called with `condition` locked.
  private func writeLine(_ value: JSONValue) {
    guard recordFile >= 0 else { return }
    var bytes = value.serializedBytes()
    bytes.append(0x0A)
    if !writeAll(bytes, to: recordFile), !hasReportedWriteFailure {
      hasReportedWriteFailure = true
      logger.error("Failed to write to the record file; later lines may be lost", ["error": errnoDescription(errno)])
    }
  }
}

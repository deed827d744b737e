#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Dispatch
import Foundation
import Synchronization

/// The single owner of an output file descriptor: frames queued from any thread are written whole and in
/// queue order by one dedicated writer thread.
///
/// Producers never block on a slow reader; `queuedByteCount` lets callers apply their own limits. When
/// the peer is gone (`EPIPE` or another write error) the output marks itself closed, drops the queue and
/// calls `onClosed` once.
public final class FrameOutput: Sendable {
  private struct State {
    var queue: [[UInt8]] = []
    var queuedBytes = 0
    var isClosed = false
    var isFinishing = false
  }

  /// 256 KiB: frames are joined into writes of about this size at most.
  static let maximumBatchBytes = 256 * 1024

  private let fileDescriptor: Int32
  private let state = Mutex(State())
  private let available = DispatchSemaphore(value: 0)
  private let drained = DispatchSemaphore(value: 0)
  private let onClosed: @Sendable () -> Void

  public init(fileDescriptor: Int32, onClosed: @escaping @Sendable () -> Void = {}) {
    self.fileDescriptor = fileDescriptor
    self.onClosed = onClosed
    let thread = Thread { [self] in runWriter() }
    thread.name = "byok-host frame writer"
    thread.start()
  }

  /// Bytes queued and not yet written.
  public var queuedByteCount: Int { state.withLock { $0.queuedBytes } }

  public var isClosed: Bool { state.withLock { $0.isClosed } }

  /// Queues one message as a whole frame; returns `false` when the output is already closed.
  @discardableResult
  public func send(_ message: JSONValue) -> Bool {
    enqueue(FrameWriter.frame(message))
  }

  /// Queues raw bytes (a whole frame, or a line in TCP start-up) to be written in one piece.
  @discardableResult
  public func enqueue(_ bytes: [UInt8]) -> Bool {
    let accepted = state.withLock { state -> Bool in
      guard !state.isClosed, !state.isFinishing else { return false }
      state.queue.append(bytes)
      state.queuedBytes += bytes.count
      return true
    }
    if accepted { available.signal() }
    return accepted
  }

  /// Writes everything queued so far, then stops the writer; waits at most `timeout`.
  public func finish(timeout: Duration = .seconds(5)) {
    let alreadyClosed = state.withLock { state -> Bool in
      if state.isClosed || state.isFinishing { return true }
      state.isFinishing = true
      return false
    }
    guard !alreadyClosed else { return }
    available.signal()
    let milliseconds = Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
    _ = drained.wait(timeout: .now() + .milliseconds(milliseconds))
  }

  private func runWriter() {
    while true {
      available.wait()
      let next = state.withLock { state -> (frames: [[UInt8]], finishing: Bool) in
        let frames = state.queue
        state.queue.removeAll()
        return (frames, state.isFinishing)
      }
      // Frames queued together go out in as few writes as possible: one write(2) per frame cost a fifth
      // of the host's CPU when relaying deltas at full speed.
      var batch: [UInt8] = []
      for (position, frame) in next.frames.enumerated() {
        batch.append(contentsOf: frame)
        let isLast = position == next.frames.count - 1
        guard isLast || batch.count >= FrameOutput.maximumBatchBytes else { continue }
        let ok = writeAll(batch)
        state.withLock { $0.queuedBytes -= batch.count }
        batch.removeAll(keepingCapacity: true)
        if !ok {
          close()
          drained.signal()
          return
        }
      }
      if next.finishing, state.withLock({ $0.queue.isEmpty }) {
        state.withLock { $0.isClosed = true }
        drained.signal()
        return
      }
    }
  }

  private func close() {
    let wasOpen = state.withLock { state -> Bool in
      guard !state.isClosed else { return false }
      state.isClosed = true
      state.queue.removeAll()
      state.queuedBytes = 0
      return true
    }
    if wasOpen { onClosed() }
  }

  /// Writes the whole buffer, retrying partial writes and `EINTR`; returns `false` on any other error.
  private func writeAll(_ bytes: [UInt8]) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { buffer in
        write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
      }
      if written < 0 {
        if errno == EINTR || errno == EAGAIN { continue }
        return false
      }
      offset += written
    }
    return true
  }
}

import Foundation
import Synchronization

/// Writes a large input to a child's stdin from a thread of its own, so that a full pipe blocks that
/// thread and never a test task.
final class BackgroundWriter: Sendable {
  private let outcome = Mutex<Result<Void, HarnessError>?>(nil)

  /// Starts writing `chunk` to the stdin of `process`, `count` times.
  init(process: ChildProcess, chunk: [UInt8], count: Int) {
    let thread = Thread { [self] in
      let result: Result<Void, HarnessError>
      do {
        for _ in 0..<count {
          try process.write(chunk)
        }
        result = .success(())
      } catch let error as HarnessError {
        result = .failure(error)
      } catch {
        result = .failure(HarnessError("\(error)"))
      }
      outcome.withLock { $0 = result }
    }
    thread.name = "\(process.name) stdin writer"
    thread.start()
  }

  /// Waits until every chunk is written; throws when a write failed or `timeout` passed first.
  func wait(timeout: Duration) async throws {
    guard let result = await Polling.value(within: timeout, { outcome.withLock { $0 } }) else {
      throw HarnessError("Writing to stdin did not finish within \(timeout); is the child still reading?")
    }
    try result.get()
  }
}

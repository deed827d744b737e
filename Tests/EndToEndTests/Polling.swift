import Dispatch

/// Bounded polling for conditions that other threads make true.
enum Polling {
  /// How often a condition is checked while waiting.
  static let interval = Duration.milliseconds(10)

  /// Checks `condition` every `interval` until it returns a value or `timeout` passes; returns that value, or
  /// `nil` on timeout.
  static func value<T>(
    within timeout: Duration, every interval: Duration = Polling.interval, _ condition: () -> T?
  ) async -> T? {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
      if let value = condition() { return value }
      if clock.now >= deadline { return nil }
      await sleep(interval)
    }
  }

  /// Sleeps for `duration` even when the task is cancelled. A cancelled `Task.sleep` returns at once, which
  /// would turn the wait into a busy loop, and the teardown of a timed-out test must still wait for exits.
  private static func sleep(_ duration: Duration) async {
    let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    await withCheckedContinuation { continuation in
      DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) {
        continuation.resume()
      }
    }
  }

  /// Checks `condition` every `interval` until it is true or `timeout` passes; returns whether it became true.
  static func until(
    within timeout: Duration, every interval: Duration = Polling.interval, _ condition: () -> Bool
  ) async -> Bool {
    await value(within: timeout, every: interval) { condition() ? true : nil } ?? false
  }
}

import Foundation

/// A one-way gate that server threads block on until a test opens it, with a bounded wait.
final class TestGate: @unchecked Sendable {
  // `isOpen` is read and written only while `condition` is locked.
  private let condition = NSCondition()
  private var isOpen = false

  func open() {
    condition.lock()
    isOpen = true
    condition.broadcast()
    condition.unlock()
  }

  /// Blocks the calling thread until the gate opens; returns false when `timeout` passes first.
  func wait(timeout: Duration) -> Bool {
    let deadline = Date(timeIntervalSinceNow: timeout / .seconds(1))
    condition.lock()
    defer { condition.unlock() }
    while !isOpen {
      guard condition.wait(until: deadline) else { return isOpen }
    }
    return true
  }
}

/// Returns the first `count` elements of `stream`, or fewer when `timeout` passes first.
func collect<Element: Sendable>(
  _ count: Int, from stream: AsyncStream<Element>, within timeout: Duration
) async -> [Element] {
  await withTaskGroup(of: [Element]?.self) { group in
    group.addTask {
      var elements: [Element] = []
      for await element in stream {
        elements.append(element)
        if elements.count == count { break }
      }
      return elements
    }
    group.addTask {
      try? await Task.sleep(for: timeout)
      return nil
    }
    let first = await group.next() ?? nil
    group.cancelAll()
    return first ?? []
  }
}

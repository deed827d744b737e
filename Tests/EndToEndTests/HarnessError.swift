/// A failure of the test harness itself: a process that did not start, a wait that timed out, a pipe
/// that broke. Its message names what was expected and what was seen instead.
struct HarnessError: Error, CustomStringConvertible {
  var message: String

  init(_ message: String) {
    self.message = message
  }

  var description: String { message }
}

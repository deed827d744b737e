#if canImport(Glibc)
  import Glibc
#endif
import JSONRPC
import Synchronization

/// A running `byok-host --stdio` process, driven as an editor would drive it: JSON-RPC requests on its
/// stdin, responses and `session.event` notifications read from its stdout.
final class HostProcess: Sendable {
  /// The bound on every wait unless a test passes its own.
  static let defaultTimeout = Duration.seconds(5)

  let process: ChildProcess
  /// The state directory passed with `--home`.
  let home: String
  private let inbox: MessageInbox
  private let nextRequestID = Atomic<Int64>(1)
  /// Every write to stdin, in order, kept so teardown can check the client's messages against the schemas.
  private let writes = Mutex<[[UInt8]]>([])

  /// Starts `byok-host --stdio --home HOME` followed by `arguments`.
  init(home: String, arguments: [String] = []) throws {
    let inbox = MessageInbox()
    self.inbox = inbox
    self.home = home
    process = try ChildProcess(
      executable: try HostBinary.requirePath(),
      arguments: ["--stdio", "--home", home] + arguments,
      name: "byok-host",
      onStandardOutput: { inbox.receive($0) })
  }

  // MARK: - Requests

  /// Sends a request and returns its response, whether a result or an error.
  func request(_ method: String, _ params: JSONValue = [:], timeout: Duration = defaultTimeout) async throws
    -> RPCResponse
  {
    let id = JSONValue.int(nextRequestID.wrappingAdd(1, ordering: .relaxed).oldValue)
    try writeFrame(["jsonrpc": "2.0", "id": id, "method": .string(method), "params": params])
    return try await waitForResponse(id: id, timeout: timeout, describing: method)
  }

  /// Sends a request and returns its result; throws when the response is an error.
  @discardableResult
  func call(_ method: String, _ params: JSONValue = [:], timeout: Duration = defaultTimeout) async throws
    -> JSONValue
  {
    let response = try await request(method, params, timeout: timeout)
    guard let result = response.result else {
      throw HarnessError("\(method) failed: \(response.error ?? .null)")
    }
    return result
  }

  /// Waits for the response whose `id` is `id`; `describing` names the request in the timeout message.
  func waitForResponse(id: JSONValue, timeout: Duration = defaultTimeout, describing: String) async throws
    -> RPCResponse
  {
    if let response = await Polling.value(within: timeout, { inbox.response(id: id) }) {
      return response
    }
    throw HarnessError("No response to \(describing) (id \(id)) within \(timeout). \(diagnostics)")
  }

  /// Sends a notification, which gets no response.
  func notify(_ method: String, _ params: JSONValue = [:]) throws {
    try writeFrame(["jsonrpc": "2.0", "method": .string(method), "params": params])
  }

  /// Writes `message` as one correctly framed message.
  func writeFrame(_ message: JSONValue) throws {
    try writeRecorded(FrameWriter.frame(message))
  }

  /// Writes `body` exactly as given, behind a correct `Content-Length` header.
  func writeFrame(body: String) throws {
    try writeRecorded(FrameWriter.frame(body: Array(body.utf8)))
  }

  /// Writes bytes to stdin as they are, for framing the host must cope with.
  func writeRaw(_ bytes: [UInt8]) throws {
    try writeRecorded(bytes)
  }

  private func writeRecorded(_ bytes: [UInt8]) throws {
    try process.write(bytes)
    writes.withLock { $0.append(bytes) }
  }

  /// Every message written to stdin that parses as JSON, split into frames the way the host splits them.
  ///
  /// NOTE: the body of a frame larger than the host accepts is not recorded, because tests write it with a
  /// `BackgroundWriter` straight to the child process. So after such a frame's header the split restarts at
  /// the next recorded write instead of skipping the declared length.
  var sentMessages: [JSONValue] {
    var reader = FrameReader()
    var messages: [JSONValue] = []
    for bytes in writes.withLock({ $0 }) {
      var skipsUnrecordedBody = false
      for item in reader.feed(bytes) {
        switch item {
        case .body(let body):
          if let message = try? JSONParser.parse(body) { messages.append(message) }
        case .error(.bodyTooLarge):
          skipsUnrecordedBody = true
        case .error:
          break
        }
      }
      if skipsUnrecordedBody { reader = FrameReader() }
    }
    return messages
  }

  // MARK: - Messages and events

  /// Every message received so far, in arrival order.
  var messages: [InboundMessage] { inbox.messages }

  /// Returns the events received so far for `sessionID`, in arrival order.
  func events(_ sessionID: String) -> [ObservedEvent] {
    inbox.events(sessionID: sessionID)
  }

  /// Returns the notifications received so far with method `method`.
  func notifications(_ method: String) -> [InboundMessage] {
    inbox.messages.filter { $0.method == method }
  }

  /// Waits until `occurrence` events of `type` have arrived for `sessionID`; returns the last of them.
  @discardableResult
  func waitForEvent(
    _ sessionID: String, _ type: String, occurrence: Int = 1, timeout: Duration = defaultTimeout
  ) async throws -> ObservedEvent {
    let found = await Polling.value(within: timeout) { () -> ObservedEvent? in
      let matching = events(sessionID).filter { $0.type == type }
      return matching.count >= occurrence ? matching[occurrence - 1] : nil
    }
    if let found { return found }
    let seen = events(sessionID).map(\.type).joined(separator: ", ")
    throw HarnessError(
      "Event \(type) number \(occurrence) did not arrive for session \(sessionID) within \(timeout). "
        + "Events so far: [\(seen)]. \(diagnostics)")
  }

  /// Waits for the first message that satisfies `predicate`; `describing` names it in the timeout message.
  func waitForMessage(
    describing: String, timeout: Duration = defaultTimeout, where predicate: (InboundMessage) -> Bool
  ) async throws -> InboundMessage {
    if let message = await Polling.value(within: timeout, { inbox.messages.first(where: predicate) }) {
      return message
    }
    throw HarnessError("No \(describing) arrived within \(timeout). \(diagnostics)")
  }

  // MARK: - Process control

  func closeStandardInput() {
    process.closeStandardInput()
  }

  /// Sends SIGTERM.
  func terminate() {
    process.send(signal: SIGTERM)
  }

  /// Sends SIGKILL.
  func kill() {
    process.send(signal: SIGKILL)
  }

  /// Waits for the process to exit; returns its status, or `nil` when it still runs after `timeout`.
  func waitForExit(timeout: Duration = defaultTimeout) async -> ExitStatus? {
    await process.waitForExit(timeout: timeout)
  }

  var standardErrorText: String { process.standardErrorText }

  /// Every problem found in the bytes written to stdout so far; empty when each byte is part of a valid frame.
  var standardOutputProblems: [String] {
    inbox.problems + FrameValidator.problems(in: process.standardOutput)
  }

  /// The end of stderr and the message count, for timeout messages.
  private var diagnostics: String {
    let errorText = standardErrorText
    let tail = errorText.count > 2000 ? "…" + errorText.suffix(2000) : Substring(errorText)
    return "Messages received: \(inbox.messages.count); exit: \(process.exitStatus?.description ?? "still running"); "
      + "stderr: \(tail.isEmpty ? "(empty)" : String(tail))"
  }
}

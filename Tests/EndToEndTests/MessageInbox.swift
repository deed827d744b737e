import JSONRPC
import Synchronization

/// Splits a host's stdout into frames as it arrives and keeps every message in arrival order.
final class MessageInbox: Sendable {
  private struct State {
    var reader = FrameReader()
    var messages: [InboundMessage] = []
    /// Frames the live reader could not split or parse; the strict check at teardown reports them too.
    var problems: [String] = []
  }

  private let state = Mutex(State())

  /// Feeds bytes read from stdout; called on the reader thread.
  func receive(_ bytes: [UInt8]) {
    state.withLock { state in
      for item in state.reader.feed(bytes) {
        switch item {
        case .body(let body):
          guard let json = try? JSONParser.parse(body) else {
            state.problems.append("a frame body is not JSON: \(String(decoding: body.prefix(200), as: UTF8.self))")
            continue
          }
          state.messages.append(InboundMessage(sequence: state.messages.count, json: json))
        case .error(let error):
          state.problems.append("a frame could not be split: \(error)")
        }
      }
    }
  }

  var messages: [InboundMessage] {
    state.withLock { $0.messages }
  }

  var problems: [String] {
    state.withLock { $0.problems }
  }

  /// Returns the response whose `id` equals `id`, if it has arrived.
  func response(id: JSONValue) -> RPCResponse? {
    state.withLock { state in
      state.messages.first { $0.isResponse && $0.json["id"] == id }
        .map { RPCResponse(sequence: $0.sequence, message: $0.json) }
    }
  }

  /// Returns the `session.event` notifications for `sessionID`, in arrival order.
  func events(sessionID: String) -> [ObservedEvent] {
    state.withLock { state in
      state.messages.compactMap { message -> ObservedEvent? in
        guard message.method == "session.event", message.params["sessionId"]?.stringValue == sessionID,
          let envelope = message.params["event"]
        else { return nil }
        return ObservedEvent(sequence: message.sequence, sessionID: sessionID, envelope: envelope)
      }
    }
  }
}

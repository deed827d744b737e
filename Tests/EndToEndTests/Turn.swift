/// One `session.send` and the events it produced, from its `user.message` to its `session.idle`.
struct Turn: Sendable {
  var messageID: String
  var sendResponse: RPCResponse
  var events: [ObservedEvent]

  var types: [String] { events.map(\.type) }

  /// Returns the first event of `type` in this turn.
  func first(_ type: String) -> ObservedEvent? {
    events.first { $0.type == type }
  }

  /// Returns every event of `type` in this turn.
  func all(_ type: String) -> [ObservedEvent] {
    events.filter { $0.type == type }
  }
}

import JSONRPC

/// One `session.event` notification as the client received it: the session it names and the envelope.
struct ObservedEvent: Sendable {
  /// The position of the notification among every message received from the host.
  var sequence: Int
  var sessionID: String
  var envelope: JSONValue

  var id: String? { envelope["id"]?.stringValue }
  var type: String { envelope["type"]?.stringValue ?? "" }
  var data: JSONValue { envelope["data"] ?? .null }

  /// Returns the member `key` of `data` when it is a string.
  func string(_ key: String) -> String? { data[key]?.stringValue }
}

import JSONRPC

/// A JSON-RPC message the host wrote to stdout, numbered in the order the client received it.
struct InboundMessage: Sendable {
  /// The 0-based position among every message received from the same host.
  var sequence: Int
  var json: JSONValue

  var method: String? { json["method"]?.stringValue }
  var params: JSONValue { json["params"] ?? .null }
  var isResponse: Bool { json["method"] == nil && (json["result"] != nil || json["error"] != nil) }
}

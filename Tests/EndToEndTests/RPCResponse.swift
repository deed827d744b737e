import JSONRPC

/// The host's response to one request: its result or its error object.
struct RPCResponse: Sendable {
  /// The position of the response among every message received from the host.
  var sequence: Int
  var message: JSONValue

  var result: JSONValue? { message["result"] }
  var error: JSONValue? { message["error"] }
  var errorCode: Int? { error?["code"]?.intValue }
  var errorMessage: String? { error?["message"]?.stringValue }
}

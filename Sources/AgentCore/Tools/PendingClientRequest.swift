import JSONRPC

/// A tool or permission request sent to the client as an event and waiting for its answer.
struct PendingClientRequest {
  enum Kind {
    case tool
    case permission
  }

  var kind: Kind
  var toolCallID: String
  var continuation: CheckedContinuation<JSONObject, any Error>
}

/// A tool call of the current answer, tracked so an abort can close it out in order.
struct ActiveToolCall {
  var toolCallID: String
  var toolName: String
  /// The `external_tool.requested` id once the client was asked to run the tool.
  var externalRequestID: String?
}

/// The reason a client request ended without a reply.
enum ClientRequestFailure: Error {
  case timedOut(Duration)
}

/// The result of one tool call, as the model will see it.
struct ToolOutcome: Sendable {
  var text: String
  var images: [ImageContent] = []
  /// True when the loop must end after this round (`rejected`, or a terminal tool that succeeded).
  var endsLoop = false
}

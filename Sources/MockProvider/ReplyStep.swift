/// One counted chunk of a streamed reply, before any wire format gives it a shape.
///
/// Interruptions and delays count these steps, so `stallAfterChunks: 2` stops at the same point of the reply
/// on every route, even though a step becomes one Chat Completions chunk but several Responses or Anthropic
/// events.
enum ReplyStep: Equatable {
  case reasoning(String)
  case text(String)
  /// The tool-call pieces of one chunk: one piece, or every call whole with `oneDelta` delivery.
  case toolCalls([ToolCallPiece])
}

/// A part of one tool call in a stream: the start of the call, or a piece of its argument text.
struct ToolCallPiece: Equatable {
  /// The call's 0-based position in the reply.
  var position: Int
  var call: MockToolCall
  /// Whether this piece starts the call and so carries its id and name.
  var opensCall: Bool
  /// The argument text this piece adds: empty on the start of a call in `fragments` delivery, all of it in
  /// `whole` and `oneDelta` delivery.
  var arguments: String
}

extension MockTextReply {
  /// The reply's chunks in stream order: reasoning, then text, then tool calls. Their count is
  /// `streamedChunkCount`.
  var steps: [ReplyStep] {
    reasoningChunks.map(ReplyStep.reasoning) + chunks.map(ReplyStep.text)
      + toolCallStreaming.pieces(of: toolCalls).map(ReplyStep.toolCalls)
  }
}

extension MockToolCallStreaming {
  /// Splits `calls` into the pieces of successive chunks, as `delivery` sets.
  func pieces(of calls: [MockToolCall]) -> [[ToolCallPiece]] {
    switch delivery {
    case .fragments:
      var chunks: [[ToolCallPiece]] = []
      for (position, call) in calls.enumerated() {
        chunks.append([ToolCallPiece(position: position, call: call, opensCall: true, arguments: "")])
        for piece in argumentPieces(call.arguments) {
          chunks.append([ToolCallPiece(position: position, call: call, opensCall: false, arguments: piece)])
        }
      }
      return chunks
    case .whole:
      return calls.enumerated().map { position, call in
        [ToolCallPiece(position: position, call: call, opensCall: true, arguments: call.arguments)]
      }
    case .oneDelta:
      guard !calls.isEmpty else { return [] }
      return [
        calls.enumerated().map { position, call in
          ToolCallPiece(position: position, call: call, opensCall: true, arguments: call.arguments)
        }
      ]
    }
  }
}

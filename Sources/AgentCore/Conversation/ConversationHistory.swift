import JSONRPC

/// Rebuilds the model conversation from a session's persisted events.
///
/// Tool results come from `tool.execution_complete`: the model read `result.content` on success and
/// `error.message` otherwise. They are put back in the order of the calls in the assistant message, and
/// a call that has no result (the host stopped while it ran) reads as interrupted.
public enum ConversationHistory {
  public static func rebuild(from events: [SessionEvent]) -> [ConversationMessage] {
    var messages: [ConversationMessage] = []
    var openCalls: [ToolCall] = []
    var results: [String: String] = [:]

    func closeToolRound() {
      for call in openCalls {
        let text = results[call.id] ?? "The execution of this tool, or a previous tool was interrupted."
        messages.append(ConversationMessage(role: .tool, text: text, toolCallID: call.id))
      }
      openCalls = []
      results = [:]
    }

    for event in events {
      switch event.type {
      case EventType.userMessage:
        closeToolRound()
        messages.append(ConversationMessage(role: .user, text: event.data["content"]?.stringValue ?? ""))
      case EventType.assistantMessage:
        closeToolRound()
        let calls = (event.data["toolRequests"]?.arrayValue ?? []).compactMap { request -> ToolCall? in
          guard let id = request["toolCallId"]?.stringValue, let name = request["name"]?.stringValue else {
            return nil
          }
          return ToolCall(id: id, name: name, arguments: request["arguments"]?.serializedString() ?? "{}")
        }
        let reasoningItems =
          event.data["reasoningOpaque"]?.stringValue.flatMap { try? JSONParser.parse($0) }?.arrayValue ?? []
        messages.append(
          ConversationMessage(
            role: .assistant, text: event.data["content"]?.stringValue ?? "", toolCalls: calls,
            reasoningItems: reasoningItems))
        openCalls = calls
      case "tool.execution_complete":
        guard let callID = event.data["toolCallId"]?.stringValue else { continue }
        let text = event.data["result"]?["content"]?.stringValue ?? event.data["error"]?["message"]?.stringValue ?? ""
        results[callID] = text
      default:
        continue
      }
    }
    closeToolRound()
    return messages
  }

  /// The tool calls of the last assistant message that have no `tool.execution_complete`, which a host
  /// that stopped mid-round left open.
  public static func unfinishedToolCalls(in events: [SessionEvent]) -> [String] {
    var open: [String] = []
    for event in events {
      switch event.type {
      case EventType.assistantMessage:
        open = (event.data["toolRequests"]?.arrayValue ?? []).compactMap { $0["toolCallId"]?.stringValue }
      case "tool.execution_complete":
        if let callID = event.data["toolCallId"]?.stringValue { open.removeAll { $0 == callID } }
      default:
        continue
      }
    }
    return open
  }
}

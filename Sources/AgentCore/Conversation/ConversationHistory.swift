import JSONRPC

/// Rebuilds the model conversation from a session's persisted events.
public enum ConversationHistory {
  public static func rebuild(from events: [SessionEvent]) -> [ConversationMessage] {
    var messages: [ConversationMessage] = []
    for event in events {
      switch event.type {
      case EventType.userMessage:
        messages.append(ConversationMessage(role: .user, text: event.data["content"]?.stringValue ?? ""))
      case EventType.assistantMessage:
        let calls = (event.data["toolRequests"]?.arrayValue ?? []).compactMap { request -> ToolCall? in
          guard let id = request["toolCallId"]?.stringValue, let name = request["name"]?.stringValue else {
            return nil
          }
          return ToolCall(id: id, name: name, arguments: request["arguments"]?.serializedString() ?? "{}")
        }
        messages.append(
          ConversationMessage(role: .assistant, text: event.data["content"]?.stringValue ?? "", toolCalls: calls))
      default:
        continue
      }
    }
    return messages
  }
}

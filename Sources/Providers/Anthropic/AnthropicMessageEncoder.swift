import AgentCore
import JSONRPC

/// Converts the neutral conversation into the Messages API's `messages`: alternating user and assistant turns
/// made of content blocks.
///
/// - Tool results become `tool_result` blocks of a user turn, so one batch of results shares one message, and
///   they come before any text in that turn, as the API requires.
/// - Consecutive turns with the same role are merged, because the API expects user and assistant to alternate.
/// - Whitespace-only text is never sent, because the API rejects such text blocks with HTTP 400; a message
///   left with no blocks is skipped.
enum AnthropicMessageEncoder {
  static func messages(_ conversation: [ConversationMessage]) -> [JSONValue] {
    var turns: [(role: String, blocks: [JSONValue])] = []
    for message in conversation {
      let role = message.role == .assistant ? "assistant" : "user"
      let blocks = contentBlocks(message)
      guard !blocks.isEmpty else { continue }
      if let last = turns.last, last.role == role {
        turns[turns.count - 1].blocks += blocks
      } else {
        turns.append((role, blocks))
      }
    }

    return turns.map { turn in
      let toolResults = turn.blocks.filter { $0["type"] == "tool_result" }
      let others = turn.blocks.filter { $0["type"] != "tool_result" }
      return ["role": .string(turn.role), "content": .array(toolResults + others)]
    }
  }

  static func contentBlocks(_ message: ConversationMessage) -> [JSONValue] {
    switch message.role {
    case .user:
      return userBlocks(text: message.text, images: message.images)
    case .assistant:
      return assistantBlocks(message)
    case .tool:
      var block: JSONObject = ["type": "tool_result", "tool_use_id": .string(message.toolCallID ?? "")]
      if !message.images.isEmpty {
        block["content"] = .array(userBlocks(text: message.text, images: message.images))
      } else if !isBlank(message.text) {
        block["content"] = .string(message.text)
      }
      // An empty result has no `content`: the field is optional in the API's `tool_result` schema
      // (anthropic-sdk-python `ToolResultBlockParam`), while empty text is rejected.
      return [.object(block)]
    }
  }

  /// Builds image blocks followed by the text block, the order Anthropic recommends for prompts with images.
  static func userBlocks(text: String, images: [ImageContent]) -> [JSONValue] {
    var blocks: [JSONValue] = images.map { image in
      [
        "type": "image",
        "source": ["type": "base64", "media_type": .string(image.mimeType), "data": .string(image.base64Data)],
      ]
    }
    if !isBlank(text) {
      blocks.append(["type": "text", "text": .string(text)])
    }
    return blocks
  }

  /// Builds an assistant turn: the reasoning items exactly as received, then the text, then one `tool_use`
  /// block per call.
  ///
  /// Only `thinking` and `redacted_thinking` items are sent: the API requires them back unchanged (signature
  /// included) before the `tool_use` blocks when thinking is on, and rejects reasoning items of other providers.
  /// Arguments that are not a JSON object are sent as `{}`, because `input` must be an object.
  static func assistantBlocks(_ message: ConversationMessage) -> [JSONValue] {
    var blocks = message.reasoningItems.filter { item in
      item["type"] == "thinking" || item["type"] == "redacted_thinking"
    }
    if !isBlank(message.text) {
      blocks.append(["type": "text", "text": .string(message.text)])
    }
    for call in message.toolCalls {
      let input = (try? JSONParser.parse(call.arguments))?.objectValue ?? JSONObject()
      blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": .object(input)])
    }
    return blocks
  }

  private static func isBlank(_ text: String) -> Bool {
    text.allSatisfy(\.isWhitespace)
  }
}

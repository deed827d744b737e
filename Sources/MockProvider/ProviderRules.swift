import JSONRPC

/// Rules the real APIs enforce on a conversation's history, checked when a reply's `expect.providerRules` is
/// true. Each violation reads like the provider's own HTTP 400 message for it.
enum ProviderRules {
  /// Returns one message per broken rule of the request's wire format, in body order.
  static func violations(in request: APIRequest) -> [String] {
    switch request.format {
    case .chatCompletions: return chatViolations(request.body)
    case .responses: return responsesViolations(request.body)
    case .anthropicMessages: return anthropicViolations(request.body)
    }
  }

  // MARK: - Chat Completions

  /// Checks that every `tool_calls[].id` has a `role: tool` message before the next other message, that every
  /// tool message is for a call of the assistant message before it, and that `tool_choice` comes with `tools`.
  private static func chatViolations(_ body: JSONValue) -> [String] {
    var violations: [String] = []
    let messages = body["messages"]?.arrayValue ?? []
    var openCalls: [String] = []
    var answerable: Set<String> = []

    func closeRound() {
      if !openCalls.isEmpty {
        violations.append(
          "an assistant message with 'tool_calls' must be followed by tool messages responding to each "
            + "'tool_call_id'. The following tool_call_ids did not have response messages: "
            + openCalls.joined(separator: ", "))
      }
      openCalls = []
      answerable = []
    }

    for (index, message) in messages.enumerated() {
      if message["role"] == "tool" {
        let id = message["tool_call_id"]?.stringValue ?? ""
        guard answerable.contains(id) else {
          violations.append(
            "messages[\(index)] with role 'tool' must be a response to a preceding message with 'tool_calls' "
              + "(tool_call_id \(quote(id)))")
          continue
        }
        openCalls.removeAll { $0 == id }
        continue
      }
      closeRound()
      if message["role"] == "assistant" {
        openCalls = (message["tool_calls"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
        answerable = Set(openCalls)
      }
    }
    closeRound()

    if body["tool_choice"] != nil, (body["tools"]?.arrayValue ?? []).isEmpty {
      violations.append("'tool_choice' is only allowed when 'tools' are specified")
    }
    return violations
  }

  // MARK: - Responses

  /// Checks the input as the whole history, unless the request has `previous_response_id`: every
  /// `function_call_output` needs an earlier `function_call` with its `call_id`, and every `function_call` needs
  /// an output. With `store: false` a `reasoning` item needs its `encrypted_content`.
  private static func responsesViolations(_ body: JSONValue) -> [String] {
    guard body["previous_response_id"] == nil, let items = body["input"]?.arrayValue else { return [] }
    var violations: [String] = []
    var calls: [String] = []
    var answered: Set<String> = []
    for item in items {
      switch item["type"]?.stringValue {
      case "function_call":
        calls.append(item["call_id"]?.stringValue ?? "")
      case "function_call_output":
        let id = item["call_id"]?.stringValue ?? ""
        if calls.contains(id) {
          answered.insert(id)
        } else {
          violations.append("No tool call found for function call output with call_id \(id).")
        }
      case "reasoning" where body["store"] == .bool(false) && item["encrypted_content"]?.stringValue == nil:
        let id = item["id"]?.stringValue ?? "(none)"
        violations.append(
          "Item with id '\(id)' not found. Items are not persisted when `store` is set to false. Try again with "
            + "`store` set to true, or remove this item from your input.")
      default:
        break
      }
    }
    for id in calls where !answered.contains(id) {
      violations.append("No tool output found for function call \(id).")
    }
    return violations
  }

  // MARK: - Anthropic

  /// Checks that roles are `user` or `assistant`, that text blocks are not empty, and that each `tool_use` has a
  /// `tool_result` at the start of the next user message. With thinking enabled it also checks that the
  /// thinking budget fits and that a final assistant turn with tool calls starts with its signed thinking block.
  private static func anthropicViolations(_ body: JSONValue) -> [String] {
    var violations: [String] = []
    let messages = body["messages"]?.arrayValue ?? []
    for (index, message) in messages.enumerated() {
      let role = message["role"]?.stringValue ?? ""
      guard role == "user" || role == "assistant" else {
        violations.append("messages.\(index).role: Input should be 'user' or 'assistant'")
        continue
      }
      violations += emptyTextViolations(message, index: index)

      let blocks = message["content"]?.arrayValue ?? []
      let results = blocks.filter { $0["type"] == "tool_result" }
      if let firstOther = blocks.firstIndex(where: { $0["type"] != "tool_result" }),
        blocks[firstOther...].contains(where: { $0["type"] == "tool_result" })
      {
        violations.append("messages.\(index).content: `tool_result` blocks must come before any other block")
      }

      let previousCalls =
        index > 0 && messages[index - 1]["role"] == "assistant" ? toolUseIDs(messages[index - 1]) : []
      let resultIDs = results.compactMap { $0["tool_use_id"]?.stringValue }
      for id in resultIDs where !previousCalls.contains(id) {
        violations.append(
          "messages.\(index).content: unexpected `tool_use_id` found in `tool_result` blocks: \(id). Each "
            + "`tool_result` block must have a corresponding `tool_use` block in the previous message.")
      }

      let calls = toolUseIDs(message)
      guard role == "assistant", !calls.isEmpty, index + 1 < messages.count else { continue }
      let answered = Set(toolResultIDs(messages[index + 1]))
      let unanswered = calls.filter { !answered.contains($0) }
      if !unanswered.isEmpty {
        violations.append(
          "messages.\(index): `tool_use` ids were found without `tool_result` blocks immediately after: "
            + unanswered.joined(separator: ", ")
            + ". Each `tool_use` block must have a corresponding `tool_result` block in the next message.")
      }
    }
    violations += thinkingViolations(body, messages: messages)
    return violations
  }

  private static func emptyTextViolations(_ message: JSONValue, index: Int) -> [String] {
    if let text = message["content"]?.stringValue {
      return text.allSatisfy(\.isWhitespace) ? ["messages.\(index): text content blocks must be non-empty"] : []
    }
    var violations: [String] = []
    for (blockIndex, block) in (message["content"]?.arrayValue ?? []).enumerated() where block["type"] == "text" {
      if (block["text"]?.stringValue ?? "").allSatisfy(\.isWhitespace) {
        violations.append("messages.\(index).content.\(blockIndex): text content blocks must be non-empty")
      }
    }
    return violations
  }

  private static func thinkingViolations(_ body: JSONValue, messages: [JSONValue]) -> [String] {
    guard body["thinking"]?["type"] == "enabled" else { return [] }
    var violations: [String] = []
    let budget = body["thinking"]?["budget_tokens"]?.intValue ?? 0
    if budget < 1024 {
      violations.append("thinking.budget_tokens: Input should be greater than or equal to 1024")
    }
    if let maxTokens = body["max_tokens"]?.intValue, maxTokens <= budget {
      violations.append("`max_tokens` must be greater than `thinking.budget_tokens`")
    }

    guard let index = messages.lastIndex(where: { $0["role"] == "assistant" }), !toolUseIDs(messages[index]).isEmpty
    else { return violations }
    let first = messages[index]["content"]?.arrayValue?.first
    switch first?["type"]?.stringValue {
    case "thinking":
      if (first?["signature"]?.stringValue ?? "").isEmpty {
        violations.append("messages.\(index).content.0.signature: Field required")
      }
    case "redacted_thinking":
      break
    case let type:
      violations.append(
        "messages.\(index).content.0.type: Expected `thinking` or `redacted_thinking`, but found `\(type ?? "none")`. "
          + "When `thinking` is enabled, a final `assistant` message must start with a thinking block.")
    }
    return violations
  }

  private static func toolUseIDs(_ message: JSONValue) -> [String] {
    (message["content"]?.arrayValue ?? []).filter { $0["type"] == "tool_use" }.compactMap { $0["id"]?.stringValue }
  }

  private static func toolResultIDs(_ message: JSONValue) -> [String] {
    (message["content"]?.arrayValue ?? []).filter { $0["type"] == "tool_result" }
      .compactMap { $0["tool_use_id"]?.stringValue }
  }
}

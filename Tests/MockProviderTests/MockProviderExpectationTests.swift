import JSONRPC
import MockProvider
import Testing

/// `expect` checks on headers, body fields, path and query, and the API rules of each format.
@Suite struct MockProviderExpectationTests {
  /// Posts `body` to `path` on a server whose one reply has `expect`, and returns the error message, or `nil`
  /// when the reply was played.
  private func unmet(
    _ expect: String, path: String = WireRequests.chatPath, body: JSONValue = Fixtures.chatBody(stream: true),
    headers: [String: String] = [:]
  ) throws -> String? {
    let response = try WireRequests.post(
      #"{"replies": [{"text": "ok", "expect": \#(expect)}]}"#, path: path, body: body, headers: headers)
    guard response.status != 200 else { return nil }
    let error = response.json?["error"]
    return error?["message"]?.stringValue ?? "HTTP \(response.status): \(response.text)"
  }

  @Test func headerChecksPass() throws {
    let message = try unmet(
      #"{"headers": {"present": ["api-key"], "absent": ["authorization"], "equals": {"X-Team": "blue"}}}"#,
      headers: ["api-key": "k", "x-team": "blue"])

    #expect(message == nil)
  }

  @Test func headerChecksFail() throws {
    let message = try #require(
      try unmet(
        #"{"headers": {"present": ["api-key"], "absent": ["authorization"], "equals": {"x-team": "blue"}}}"#,
        headers: ["Authorization": "Bearer sk-secret-value", "x-team": "red"]))

    #expect(message.contains(#"a header "api-key", but the request has none"#), "\(message)")
    #expect(message.contains(#"no header "authorization", but the request has one"#), "\(message)")
    #expect(message.contains(#"the header "x-team" to be "blue", but it is "red""#), "\(message)")
  }

  @Test func credentialValueIsNotEchoed() throws {
    let message = try #require(
      try unmet(#"{"headers": {"equals": {"authorization": "Bearer good"}}}"#, headers: ["Authorization": "Bearer sk-leak"]))

    #expect(message.contains("a different value"), "\(message)")
    #expect(!message.contains("sk-leak"), "\(message)")
  }

  @Test func bodyFieldChecksPass() throws {
    let message = try unmet(
      #"""
      {"bodyFields": {"present": ["messages[-1].content", "stream"], "absent": ["max_tokens", "messages[5]"],
                      "equals": {"model": "gpt-test", "messages[0].role": "developer", "stream": true}}}
      """#)

    #expect(message == nil)
  }

  @Test func bodyFieldChecksFail() throws {
    let message = try #require(
      try unmet(
        #"""
        {"bodyFields": {"present": ["reasoning_effort"], "absent": ["model"], "equals": {"messages[-1].role": "tool"}}}
        """#))

    #expect(message.contains(#"the body field "reasoning_effort", but it is missing"#), "\(message)")
    #expect(message.contains(#"no body field "model", but it is "gpt-test""#), "\(message)")
    #expect(message.contains(#"the body field "messages[-1].role" to be "tool", but it is "user""#), "\(message)")
  }

  @Test func pathAndQueryChecks() throws {
    let azurePath = "/openai/deployments/d1/chat/completions?api-version=2024-10-21"
    let met = try unmet(
      #"{"path": "/openai/deployments/d1/chat/completions", "query": "api-version=2024-10-21"}"#, path: azurePath)
    let message = try #require(try unmet(#"{"path": "/openai/v1/chat/completions", "query": ""}"#, path: azurePath))

    #expect(met == nil)
    #expect(message.contains(#"the path "/openai/v1/chat/completions", but it is "/openai/deployments/d1/chat/completions""#))
    #expect(message.contains(#"the query "", but it is "api-version=2024-10-21""#), "\(message)")
  }

  @Test func chatRulesNeedToolAnswers() throws {
    var body = Fixtures.chatBody(stream: true).objectValue ?? JSONObject()
    body["messages"] = [
      ["role": "user", "content": "Encrypt"],
      ["role": "assistant", "content": nil, "tool_calls": [
        ["id": "call_1", "type": "function", "function": ["name": "encrypt", "arguments": "{}"]],
        ["id": "call_2", "type": "function", "function": ["name": "encrypt", "arguments": "{}"]],
      ]],
      ["role": "tool", "tool_call_id": "call_1", "content": "A"],
      ["role": "tool", "tool_call_id": "call_9", "content": "B"],
    ]
    body["tool_choice"] = "auto"
    let message = try #require(try unmet(#"{"providerRules": true}"#, body: .object(body)))

    #expect(message.contains("The following tool_call_ids did not have response messages: call_2"), "\(message)")
    #expect(message.contains("messages[3] with role 'tool' must be a response"), "\(message)")
    #expect(message.contains("'tool_choice' is only allowed when 'tools' are specified"), "\(message)")
  }

  @Test func responsesRulesPairCalls() throws {
    let body = WireRequests.responsesBody(extraInput: [
      ["type": "reasoning", "id": "rs_1", "summary": []],
      ["type": "function_call", "call_id": "call_1", "name": "encrypt", "arguments": "{}"],
      ["type": "function_call_output", "call_id": "fc_1", "output": "A"],
    ])
    let message = try #require(try unmet(#"{"providerRules": true}"#, path: WireRequests.responsesPath, body: body))

    #expect(message.contains("Item with id 'rs_1' not found."), "\(message)")
    #expect(message.contains("No tool call found for function call output with call_id fc_1."), "\(message)")
    #expect(message.contains("No tool output found for function call call_1."), "\(message)")
  }

  @Test func anthropicRulesPairToolUse() throws {
    let body = WireRequests.anthropicBody([
      ["role": "user", "content": "Encrypt"],
      ["role": "assistant", "content": [
        ["type": "text", "text": ""],
        ["type": "tool_use", "id": "toolu_1", "name": "encrypt", "input": [:]],
        ["type": "tool_use", "id": "toolu_2", "name": "encrypt", "input": [:]],
      ]],
      ["role": "user", "content": [
        ["type": "text", "text": "Here:"],
        ["type": "tool_result", "tool_use_id": "toolu_1", "content": "A"],
      ]],
    ])
    let message = try #require(try unmet(#"{"providerRules": true}"#, path: WireRequests.messagesPath, body: body))

    #expect(message.contains("messages.1.content.0: text content blocks must be non-empty"), "\(message)")
    #expect(message.contains("`tool_use` ids were found without `tool_result` blocks immediately after: toolu_2"))
    #expect(message.contains("messages.2.content: `tool_result` blocks must come before any other block"))
  }

  @Test func anthropicRulesNeedThinkingFirst() throws {
    var body = WireRequests.anthropicBody([
      ["role": "user", "content": "Encrypt"],
      ["role": "assistant", "content": [["type": "tool_use", "id": "toolu_1", "name": "encrypt", "input": [:]]]],
      ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_1", "content": "A"]]],
    ]).objectValue ?? JSONObject()
    body["thinking"] = ["type": "enabled", "budget_tokens": 2048]
    let message = try #require(
      try unmet(#"{"providerRules": true}"#, path: WireRequests.messagesPath, body: .object(body)))

    #expect(message.contains("Expected `thinking` or `redacted_thinking`, but found `tool_use`"), "\(message)")
    #expect(message.contains("`max_tokens` must be greater than `thinking.budget_tokens`"), "\(message)")
  }

  @Test func wellFormedHistoryPasses() throws {
    let body = WireRequests.anthropicBody([
      ["role": "user", "content": "Encrypt"],
      ["role": "assistant", "content": [
        ["type": "thinking", "thinking": "Use the tool.", "signature": "sig"],
        ["type": "tool_use", "id": "toolu_1", "name": "encrypt", "input": [:]],
      ]],
      ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_1", "content": "A"]]],
    ])

    #expect(try unmet(#"{"providerRules": true}"#, path: WireRequests.messagesPath, body: body) == nil)
  }
}

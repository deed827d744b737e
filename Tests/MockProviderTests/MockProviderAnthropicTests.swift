import JSONRPC
import MockProvider
import Testing

/// Replies on `POST …/v1/messages`, rendered as the Anthropic Messages API streams them.
@Suite struct MockProviderAnthropicTests {
  private let path = WireRequests.messagesPath

  /// Returns the `delta` of each `content_block_delta` for block `index`.
  private func deltas(_ response: StreamedResponse, index: Int) -> [JSONValue] {
    response.payloads(named: "content_block_delta").filter { $0["index"]?.intValue == index }.compactMap {
      $0["delta"]
    }
  }

  @Test func usageIsCumulative() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"text": "Hello there friend", "usage": {"prompt_tokens": 12, "completion_tokens": 7}}]}"#,
      path: path, body: WireRequests.anthropicBody())
    let start = try #require(response.payloads(named: "message_start").first)
    let delta = try #require(response.payloads(named: "message_delta").first)

    #expect(response.head.header("request-id") == "req_mock_1")
    #expect(response.events.allSatisfy { $0.name == $0.type })
    #expect(start["message"]?["usage"]?["input_tokens"] == 12)
    #expect(start["message"]?["usage"]?["output_tokens"] == 1)
    #expect(delta["usage"] == ["output_tokens": 7])
    #expect(delta["delta"] == ["stop_reason": "end_turn", "stop_sequence": nil])
    #expect(deltas(response, index: 0).compactMap { $0["text"]?.stringValue }.joined() == "Hello there friend")
    #expect(response.names.last == "message_stop")
    #expect(response.names.filter { $0 == "ping" }.count == 1)
  }

  @Test func toolUseStreamsPartialJSON() throws {
    let response = try WireRequests.stream(
      #"""
      {"replies": [{"toolCalls": [{"id": "toolu_01P", "name": "get_weather", "arguments": {"city": "Paris"}},
                                  {"id": "toolu_01Q", "name": "get_weather", "arguments": {"city": "Rome"}}],
                    "argumentChunks": 2}]}
      """#,
      path: path, body: WireRequests.anthropicBody())
    let starts = response.payloads(named: "content_block_start")
    let second = deltas(response, index: 1).compactMap { $0["partial_json"]?.stringValue }

    #expect(starts.compactMap { $0["index"]?.intValue } == [0, 1])
    #expect(
      starts.first?["content_block"]
        == ["type": "tool_use", "id": "toolu_01P", "name": "get_weather", "input": [:]])
    #expect(second.first == "")
    #expect(second.joined() == #"{"city":"Rome"}"#)
    #expect(deltas(response, index: 1).allSatisfy { $0["type"] == "input_json_delta" })
    #expect(response.payloads(named: "content_block_stop").count == 2)
    #expect(response.payloads(named: "message_delta").first?["delta"]?["stop_reason"] == "tool_use")
  }

  @Test func thinkingBlockIsSigned() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"reasoning": "The user wants a greeting.", "reasoningSignature": "EqQB-sig", "text": "Hi!"}]}"#,
      path: path, body: WireRequests.anthropicBody())
    let thinking = deltas(response, index: 0)
    let blockNames = response.events.filter { $0.json?["index"]?.intValue == 0 }.map(\.name)

    #expect(response.payloads(named: "content_block_start").first?["content_block"]?["type"] == "thinking")
    #expect(thinking.compactMap { $0["thinking"]?.stringValue }.joined() == "The user wants a greeting.")
    #expect(thinking.last == ["type": "signature_delta", "signature": "EqQB-sig"])
    #expect(blockNames.suffix(2) == ["content_block_delta", "content_block_stop"])
    #expect(deltas(response, index: 1).first?["text"] == "Hi!")
  }

  @Test func emptyInputStreamsNoJSON() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"toolCalls": [{"id": "toolu_1", "name": "now"}], "toolCallDelivery": "whole"}]}"#, path: path,
      body: WireRequests.anthropicBody())
    let fragments = deltas(response, index: 0).compactMap { $0["partial_json"]?.stringValue }

    #expect(!fragments.isEmpty)
    #expect(fragments.allSatisfy { $0.isEmpty })
  }

  @Test func maxTokensLeavesToolUseOpen() throws {
    let response = try WireRequests.stream(
      #"""
      {"replies": [{"chunks": ["Let me "], "toolCalls": [{"id": "toolu_1", "name": "encrypt",
                    "arguments": "{\"input\": \"Hel"}], "finishReason": "length"}]}
      """#,
      path: path, body: WireRequests.anthropicBody())
    let stops = response.payloads(named: "content_block_stop").compactMap { $0["index"]?.intValue }

    #expect(stops == [0])
    #expect(response.payloads(named: "message_delta").first?["delta"]?["stop_reason"] == "max_tokens")
    #expect(response.names.last == "message_stop")
  }

  @Test func midStreamErrorIsOverloaded() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"text": "The answer is", "errorAfterChunks": 2}]}"#, path: path,
      body: WireRequests.anthropicBody())
    let error = try #require(response.payloads(named: "error").first)

    #expect(response.isComplete)
    #expect(response.names.last == "error")
    #expect(error == ["type": "error", "error": ["type": "overloaded_error", "message": "Overloaded"]])
    #expect(!response.names.contains("message_stop"))
  }

  @Test func scriptedErrorKeepsItsType() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"text": "a b", "errorAfterChunks": 0, "error": {"type": "api_error", "message": "Boom"}}]}"#,
      path: path, body: WireRequests.anthropicBody())

    #expect(response.names == ["message_start", "error"])
    #expect(response.payloads(named: "error").first?["error"] == ["type": "api_error", "message": "Boom"])
  }

  @Test func versionHeaderIsRequired() throws {
    let response = try WireRequests.post(#"{"replies": [{"text": "x"}]}"#, path: path, body: WireRequests.anthropicBody())
    let server = try Fixtures.startServer(#"{"replies": [{"text": "x"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    let missing = try client.post(path, json: WireRequests.anthropicBody())

    #expect(response.status == 200)
    #expect(missing.status == 400)
    #expect(missing.json?["type"] == "error")
    #expect(missing.json?["error"]?["type"] == "invalid_request_error")
    #expect(missing.json?["error"]?["message"] == "anthropic-version: header is required")
  }

  @Test func maxTokensIsRequired() throws {
    let response = try WireRequests.post(
      #"{"replies": [{"text": "x"}]}"#, path: path,
      body: ["model": "claude-test", "messages": [["role": "user", "content": "Hi"]], "stream": true])

    #expect(response.status == 400)
    #expect(response.json?["error"]?["message"]?.stringValue?.hasPrefix("max_tokens: Field required") == true)
  }

  @Test(arguments: [(429, "rate_limit_error"), (529, "overloaded_error"), (401, "authentication_error")])
  func errorReplyUsesEnvelope(status: Int, type: String) throws {
    let response = try WireRequests.post(
      #"{"replies": [{"status": \#(status), "headers": {"retry-after": "1"}}]}"#, path: path,
      body: WireRequests.anthropicBody())

    #expect(response.status == status)
    #expect(response.head.header("retry-after") == "1")
    #expect(response.json?["type"] == "error")
    #expect(response.json?["error"]?["type"] == .string(type))
    #expect(response.json?["request_id"] == "req_mock_1")
  }

  @Test func wholeMessageWithoutStreaming() throws {
    let response = try WireRequests.post(
      #"""
      {"replies": [{"reasoning": "Hmm.", "reasoningSignature": "sig", "text": "Checking.",
                    "toolCalls": [{"id": "toolu_1", "name": "encrypt", "arguments": {"input": "Hi"}}]}]}
      """#,
      path: path, body: WireRequests.anthropicBody(stream: false))
    let content = response.json?["content"]?.arrayValue ?? []

    #expect(response.status == 200)
    #expect(response.json?["type"] == "message")
    #expect(response.json?["stop_reason"] == "tool_use")
    #expect(content.first == ["type": "thinking", "thinking": "Hmm.", "signature": "sig"])
    #expect(content.dropFirst().first == ["type": "text", "text": "Checking."])
    #expect(content.last == ["type": "tool_use", "id": "toolu_1", "name": "encrypt", "input": ["input": "Hi"]])
  }

  @Test func overloadWithoutStreamingIs529() throws {
    let response = try WireRequests.post(
      #"{"replies": [{"text": "a", "errorAfterChunks": 0}]}"#, path: path,
      body: WireRequests.anthropicBody(stream: false))

    #expect(response.status == 529)
    #expect(response.json?["error"]?["type"] == "overloaded_error")
  }

  @Test func modelListHasAnthropicShape() throws {
    let server = try Fixtures.startServer(#"{"model": "claude-test", "replies": [{"text": "x"}]}"#)
    defer { server.stop() }
    let client = try TestHTTPClient(port: server.boundPort)
    try client.sendRequest(method: "GET", path: "/v1/models", headers: ["anthropic-version": "2023-06-01"])
    let anthropic = try client.readResponse()
    let openAI = try client.get("/v1/models")

    #expect(anthropic.json?["data"]?.arrayValue?.first?["type"] == "model")
    #expect(anthropic.json?["data"]?.arrayValue?.first?["id"] == "claude-test")
    #expect(anthropic.json?["has_more"] == false)
    #expect(openAI.json?["object"] == "list")
  }

  @Test func toolResultsReadBlocks() throws {
    let messages: [JSONValue] = [
      ["role": "user", "content": "Encrypt Hi"],
      ["role": "assistant", "content": [["type": "tool_use", "id": "toolu_1", "name": "encrypt", "input": [:]]]],
      ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_1", "content": [["type": "text", "text": "HI"]]]]],
    ]
    let script = #"""
      {"afterLast": "repeat",
       "replies": [{"text": "It is HI.", "expect": {"toolResults": [{"toolCallId": "toolu_1", "content": "HI"}],
                                                    "lastMessageRole": "user", "messagesContain": ["Encrypt"]}}]}
      """#
    let met = try WireRequests.stream(script, path: path, body: WireRequests.anthropicBody(messages))
    let unmet = try WireRequests.post(script, path: path, body: WireRequests.anthropicBody())
    let message = unmet.json?["error"]?["message"]?.stringValue ?? ""

    #expect(met.head.status == 200)
    #expect(unmet.status == 400)
    #expect(unmet.json?["error"]?["type"] == "invalid_request_error")
    #expect(message.contains(#"a tool_result block with tool_use_id "toolu_1""#), "\(message)")
  }
}

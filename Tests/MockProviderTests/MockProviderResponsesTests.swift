import JSONRPC
import MockProvider
import Testing

/// Replies on `POST …/responses`, rendered as the OpenAI Responses API streams them.
@Suite struct MockProviderResponsesTests {
  private let path = WireRequests.responsesPath

  @Test func textEventsAreNumbered() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"text": "Hello there!", "usage": {"prompt_tokens": 12, "completion_tokens": 4}}]}"#,
      path: path, body: WireRequests.responsesBody())
    let deltas = response.payloads(named: "response.output_text.delta").compactMap { $0["delta"]?.stringValue }
    let completed = try #require(response.payloads(named: "response.completed").first)
    let itemID = response.payloads(named: "response.output_item.added").first?["item"]?["id"]

    #expect(response.head.header("content-type") == "text/event-stream; charset=utf-8")
    #expect(response.events.allSatisfy { $0.name == $0.type })
    #expect(response.payloads.compactMap { $0["sequence_number"]?.intValue } == Array(0..<response.events.count))
    #expect(deltas == ["Hello ", "there!"])
    #expect(response.payloads(named: "response.output_text.delta").allSatisfy { $0["item_id"] == itemID })
    #expect(completed["response"]?["status"] == "completed")
    #expect(completed["response"]?["output"]?.arrayValue?.first?["content"]?.arrayValue?.first?["text"] == "Hello there!")
    #expect(completed["response"]?["usage"]?["input_tokens"] == 12)
    #expect(completed["response"]?["usage"]?["output_tokens"] == 4)
    #expect(completed["response"]?["usage"]?["total_tokens"] == 16)
    #expect(response.events.last?.name == "response.completed")
    #expect(!response.events.contains { $0.data == "[DONE]" })
  }

  @Test func argumentDeltasUseItemIDs() throws {
    let response = try WireRequests.stream(
      #"""
      {"replies": [{"toolCalls": [{"id": "call_P1", "name": "get_weather", "arguments": {"city": "Paris"}},
                                  {"id": "call_P2", "name": "get_weather", "arguments": {"city": "Rome"}}],
                    "argumentChunks": 3}]}
      """#,
      path: path, body: WireRequests.responsesBody())
    let added = response.payloads(named: "response.output_item.added")
    let deltas = response.payloads(named: "response.function_call_arguments.delta")
    let itemIDs = added.compactMap { $0["item"]?["id"]?.stringValue }
    let completed = try #require(response.payloads(named: "response.completed").first)
    let output = completed["response"]?["output"]?.arrayValue ?? []

    #expect(added.compactMap { $0["item"]?["call_id"]?.stringValue } == ["call_P1", "call_P2"])
    #expect(added.compactMap { $0["output_index"]?.intValue } == [0, 1])
    #expect(added.allSatisfy { $0["item"]?["arguments"] == "" })
    #expect(Set(deltas.compactMap { $0["item_id"]?.stringValue }) == Set(itemIDs))
    #expect(!itemIDs.contains("call_P1"))
    #expect(deltas.allSatisfy { $0["call_id"] == nil })
    #expect(
      deltas.filter { $0["item_id"]?.stringValue == itemIDs.first }.compactMap { $0["delta"]?.stringValue }.joined()
        == #"{"city":"Paris"}"#)
    #expect(output.compactMap { $0["arguments"]?.stringValue } == [#"{"city":"Paris"}"#, #"{"city":"Rome"}"#])
    #expect(response.payloads(named: "response.function_call_arguments.done").compactMap { $0["name"] }.count == 2)
  }

  @Test func reasoningItemComesFirst() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"reasoning": "Think first.", "reasoningSignature": "gAAAA-sig", "text": "Done."}]}"#,
      path: path, body: WireRequests.responsesBody(includeEncryptedReasoning: true))
    let summary = response.payloads(named: "response.reasoning_summary_text.delta").compactMap {
      $0["delta"]?.stringValue
    }
    let reasoningDone = response.payloads(named: "response.output_item.done").first?["item"]
    let messageAdded = response.payloads(named: "response.output_item.added").last

    #expect(summary.joined() == "Think first.")
    #expect(reasoningDone?["type"] == "reasoning")
    #expect(reasoningDone?["encrypted_content"] == "gAAAA-sig")
    #expect(reasoningDone?["summary"] == [["type": "summary_text", "text": "Think first."]])
    #expect(messageAdded?["output_index"] == 1)
    #expect(response.payloads(named: "response.reasoning_summary_part.added").count == 1)
  }

  @Test func encryptedContentNeedsInclude() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"reasoning": "Think first.", "text": "Done."}]}"#, path: path,
      body: WireRequests.responsesBody())
    let reasoningDone = response.payloads(named: "response.output_item.done").first?["item"]

    #expect(reasoningDone?["type"] == "reasoning")
    #expect(reasoningDone?["encrypted_content"] == nil)
  }

  @Test func midStreamErrorIsResponseFailed() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"text": "The answer is", "errorAfterChunks": 2, "error": {"message": "Model crashed."}}]}"#,
      path: path, body: WireRequests.responsesBody())
    let failed = try #require(response.payloads(named: "response.failed").first)

    #expect(response.isComplete)
    #expect(response.events.last?.name == "response.failed")
    #expect(failed["response"]?["status"] == "failed")
    #expect(failed["response"]?["error"] == ["code": "server_error", "message": "Model crashed."])
    #expect(response.payloads(named: "response.completed").isEmpty)
    #expect(response.payloads(named: "response.output_text.done").isEmpty)
  }

  @Test func midStreamErrorEvent() throws {
    let response = try WireRequests.stream(
      #"""
      {"replies": [{"text": "The answer is", "errorAfterChunks": 1, "responsesErrorEvent": "error",
                    "error": {"code": "rate_limit_exceeded", "message": "Slow down."}}]}
      """#,
      path: path, body: WireRequests.responsesBody())
    let error = try #require(response.payloads(named: "error").first)

    #expect(error["type"] == "error")
    #expect(error["code"] == "rate_limit_exceeded")
    #expect(error["message"] == "Slow down.")
    #expect(error["param"] == .null)
    #expect(error["sequence_number"] != nil)
  }

  @Test func truncationLeavesNoTerminalEvent() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"text": "one two three", "truncateAfterChunks": 2}]}"#, path: path,
      body: WireRequests.responsesBody())

    #expect(!response.isComplete)
    #expect(response.payloads(named: "response.output_text.delta").count == 2)
    #expect(response.payloads(named: "response.completed").isEmpty)
  }

  @Test func lengthFinishIsIncomplete() throws {
    let response = try WireRequests.stream(
      #"{"replies": [{"toolCalls": [{"name": "encrypt", "arguments": {"input": "Hi"}}], "finishReason": "length"}]}"#,
      path: path, body: WireRequests.responsesBody())
    let incomplete = try #require(response.payloads(named: "response.incomplete").first)

    #expect(incomplete["response"]?["status"] == "incomplete")
    #expect(incomplete["response"]?["incomplete_details"] == ["reason": "max_output_tokens"])
    #expect(response.payloads(named: "response.function_call_arguments.done").isEmpty)
    #expect(response.payloads(named: "response.completed").isEmpty)
  }

  @Test func wholeResponseWithoutStreaming() throws {
    let response = try WireRequests.post(
      #"{"replies": [{"text": "Checking.", "toolCalls": [{"id": "call_1", "name": "encrypt"}]}]}"#, path: path,
      body: WireRequests.responsesBody(stream: false))
    let output = response.json?["output"]?.arrayValue ?? []

    #expect(response.status == 200)
    #expect(response.json?["object"] == "response")
    #expect(response.json?["status"] == "completed")
    #expect(output.compactMap { $0["type"]?.stringValue } == ["message", "function_call"])
    #expect(output.last?["call_id"] == "call_1")
    #expect(output.last?["arguments"] == "{}")
    #expect(response.json?["usage"]?["output_tokens"] != nil)
  }

  @Test func toolResultsReadFunctionCallOutputs() throws {
    let script = #"""
      {"replies": [{"text": "It is HI.",
                    "expect": {"toolResults": [{"toolCallId": "call_1", "content": "HI"}],
                               "lastMessageRole": "function_call_output"}}]}
      """#
    let history: [JSONValue] = [
      ["type": "function_call", "call_id": "call_1", "name": "encrypt", "arguments": #"{"input":"Hi"}"#],
      ["type": "function_call_output", "call_id": "call_1", "output": "HI"],
    ]
    let response = try WireRequests.stream(script, path: path, body: WireRequests.responsesBody(extraInput: history))

    #expect(response.head.status == 200)
  }

  @Test func unmetToolResultNamesOutputs() throws {
    let response = try WireRequests.post(
      #"{"replies": [{"text": "x", "expect": {"toolResults": [{"toolCallId": "call_9"}]}}]}"#, path: path,
      body: WireRequests.responsesBody())
    let message = response.json?["error"]?["message"]?.stringValue ?? ""

    #expect(response.status == 400)
    #expect(response.json?["error"]?["code"] == "mock_expectation_failed")
    #expect(message.contains(#"a function_call_output item with call_id "call_9""#), "\(message)")
    #expect(message.contains("the request has no function_call_output items"), "\(message)")
  }

  @Test func missingInputIsRejected() throws {
    let response = try WireRequests.post(
      #"{"replies": [{"text": "x"}]}"#, path: path, body: ["model": "gpt-test", "stream": true])

    #expect(response.status == 400)
    #expect(response.json?["error"]?["param"] == "input")
  }

  @Test func azureDatedRouteNeedsVersion() throws {
    let server = try Fixtures.startServer(#"{"dialect": "azure", "afterLast": "repeat", "replies": [{"text": "Hi"}]}"#)
    defer { server.stop() }
    let missing = try WireRequests.stream(
      server: server, path: "/openai/responses", body: WireRequests.responsesBody())
    let dated = try WireRequests.stream(
      server: server, path: "/openai/responses?api-version=2025-04-01-preview", body: WireRequests.responsesBody())
    let versionless = try WireRequests.stream(
      server: server, path: "/openai/v1/responses", body: WireRequests.responsesBody())

    #expect(missing.head.status == 404)
    #expect(dated.head.status == 200)
    #expect(versionless.head.status == 200)
    #expect(server.requests.count == 3)
  }
}

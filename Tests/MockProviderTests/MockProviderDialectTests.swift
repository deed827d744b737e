import JSONRPC
import MockProvider
import Testing

/// Chat Completions as Azure OpenAI and Ollama stream it, and the reply options that copy other servers' quirks.
@Suite struct MockProviderDialectTests {
  private let path = WireRequests.chatPath
  private let azurePath = "/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21"

  /// Streams one chat request with usage to a server running `json`.
  private func chat(_ json: String, path: String? = nil) throws -> StreamedResponse {
    try WireRequests.stream(json, path: path ?? self.path, body: Fixtures.chatBody(stream: true, includeUsage: true))
  }

  private func choice(_ chunk: JSONValue) -> JSONValue? {
    chunk["choices"]?.arrayValue?.first
  }

  @Test func azureStartsWithPromptFilter() throws {
    let response = try chat(#"{"dialect": "azure", "replies": [{"text": "Hello there!"}]}"#, path: azurePath)
    let chunks = response.payloads
    let first = try #require(chunks.first)

    #expect(first["choices"] == [])
    #expect(first["id"] == "")
    #expect(first["created"] == 0)
    #expect(first["prompt_filter_results"]?.arrayValue?.first?["content_filter_results"]?["hate"] != nil)
    #expect(chunks.dropFirst().allSatisfy { $0["service_tier"] == nil })
    #expect(choice(chunks[1])?["content_filter_results"] == [:])
    #expect(choice(chunks[2])?["content_filter_results"]?["violence"] == ["filtered": false, "severity": "safe"])
    #expect(chunks.last?["usage"] == ["prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6])
  }

  @Test func azureContentFilterStopsAnswer() throws {
    let response = try chat(
      #"{"dialect": "azure", "replies": [{"text": "Here is how", "finishReason": "content_filter"}]}"#,
      path: azurePath)
    let finish = try #require(response.payloads.last)

    #expect(choice(finish)?["finish_reason"] == "content_filter")
    #expect(choice(finish)?["content_filter_results"]?["violence"] == ["filtered": true, "severity": "high"])
    #expect(response.events.last?.data == "[DONE]")
    #expect(!response.payloads.contains { $0["usage"] != nil })
  }

  @Test(arguments: ["beforeFinish", "afterFinish"])
  func annotationHasNoDelta(_ placement: String) throws {
    let response = try chat(
      #"{"dialect": "azure", "replies": [{"text": "Hi there", "filterAnnotation": "\#(placement)"}]}"#,
      path: azurePath)
    let chunks = response.payloads
    let annotation = try #require(chunks.firstIndex { choice($0)?["content_filter_offsets"] != nil })
    let finish = try #require(chunks.firstIndex { choice($0)?["finish_reason"]?.stringValue != nil })

    #expect(choice(chunks[annotation])?["delta"] == nil)
    #expect(chunks[annotation]["id"] == "")
    #expect(choice(chunks[annotation])?["content_filter_offsets"]?["end_offset"] == 8)
    #expect(placement == "beforeFinish" ? annotation == finish - 1 : annotation == finish + 1)
  }

  @Test func azureErrorBodyHasCode() throws {
    let response = try WireRequests.post(
      #"{"dialect": "azure", "replies": [{"status": 429, "headers": {"retry-after-ms": "250"}}]}"#, path: azurePath,
      body: Fixtures.chatBody(stream: true))

    #expect(response.status == 429)
    #expect(response.head.header("retry-after-ms") == "250")
    #expect(response.json?["error"]?["code"] == "429")
    #expect(response.json?["error"]?["type"] == nil)
  }

  @Test func azureDeploymentNeedsVersion() throws {
    let response = try WireRequests.post(
      #"{"dialect": "azure", "replies": [{"text": "x"}]}"#, path: "/openai/deployments/my-gpt/chat/completions",
      body: Fixtures.chatBody(stream: true))

    #expect(response.status == 404)
    #expect(response.json?["error"]?["message"] == "Resource not found")
  }

  @Test func ollamaSendsRoleWithContent() throws {
    let response = try chat(#"{"dialect": "ollama", "replies": [{"chunks": ["Hello", " there!"]}]}"#)
    let chunks = response.payloads

    #expect(choice(chunks[0])?["delta"] == ["role": "assistant", "content": "Hello"])
    #expect(chunks.allSatisfy { choice($0)?["logprobs"] == nil })
    #expect(chunks.allSatisfy { $0["system_fingerprint"] == "fp_ollama" || $0["choices"] == [] })
    #expect(chunks.last?["usage"]?["prompt_tokens_details"] == nil)
  }

  @Test func ollamaSendsUsageOnlyWhenAsked() throws {
    let response = try WireRequests.stream(
      #"{"dialect": "ollama", "replies": [{"text": "Hi"}]}"#, path: path, body: Fixtures.chatBody(stream: true))

    #expect(!response.payloads.contains { $0["usage"] != nil })
  }

  @Test func ollamaMidStreamErrorCloses() throws {
    let response = try chat(
      #"{"dialect": "ollama", "replies": [{"chunks": ["The answer"], "errorAfterChunks": 1}]}"#)

    #expect(!response.isComplete)
    #expect(response.payloads.count == 2)
    #expect(choice(response.payloads[1])?["delta"] == ["content": ""])
    #expect(!response.payloads.contains { $0["error"] != nil })
    #expect(response.events.last?.data != "[DONE]")
  }

  @Test func ollamaToolCallsDefaultToOneDelta() throws {
    let response = try chat(
      #"{"dialect": "ollama", "replies": [{"toolCalls": [{"name": "a"}, {"name": "b"}], "toolCallIndex": false}]}"#)
    let delta = try #require(choice(response.payloads[0])?["delta"])
    let calls = delta["tool_calls"]?.arrayValue ?? []

    #expect(delta["role"] == "assistant")
    #expect(calls.count == 2)
    #expect(calls.allSatisfy { $0["index"] == nil })
    #expect(calls.allSatisfy { $0["id"] != nil })
  }

  @Test func omitUsageDropsUsageChunk() throws {
    let response = try chat(#"{"replies": [{"text": "Hi", "omitUsage": true}]}"#)

    #expect(!response.payloads.contains { $0["choices"] == [] })
    #expect(response.events.last?.data == "[DONE]")
  }

  @Test(arguments: [("openai", "reasoning_content"), ("ollama", "reasoning")])
  func reasoningDeltaField(dialect: String, field: String) throws {
    let response = try chat(#"{"dialect": "\#(dialect)", "replies": [{"reasoning": "Let me think.", "text": "Hi"}]}"#)
    let reasoning = response.payloads.compactMap { choice($0)?["delta"]?[field]?.stringValue }
    let content = response.payloads.compactMap { choice($0)?["delta"]?["content"]?.stringValue }

    #expect(reasoning.joined() == "Let me think.")
    #expect(content.joined() == "Hi")
  }

  @Test func reasoningFieldCanBeChosen() throws {
    let response = try chat(#"{"replies": [{"reasoning": "Hmm", "reasoningField": "reasoning", "text": "Hi"}]}"#)

    #expect(response.payloads.contains { choice($0)?["delta"]?["reasoning"] == "Hmm" })
    #expect(!response.payloads.contains { choice($0)?["delta"]?["reasoning_content"] != nil })
  }

  @Test func sharedIndexZero() throws {
    let response = try chat(
      #"{"replies": [{"toolCalls": [{"name": "a"}, {"name": "b"}], "toolCallDelivery": "whole", "toolCallIndex": "zero"}]}"#)
    let fragments = response.payloads.flatMap { choice($0)?["delta"]?["tool_calls"]?.arrayValue ?? [] }

    #expect(fragments.compactMap { $0["index"]?.intValue } == [0, 0])
    #expect(fragments.compactMap { $0["id"]?.stringValue } == ["call_1", "call_2"])
  }

  @Test(arguments: [WireRequests.chatPath, WireRequests.responsesPath, WireRequests.messagesPath])
  func extraFieldsOnEveryEvent(_ path: String) throws {
    let body =
      path == WireRequests.chatPath
      ? Fixtures.chatBody(stream: true, includeUsage: true)
      : path == WireRequests.responsesPath ? WireRequests.responsesBody() : WireRequests.anthropicBody()
    let response = try WireRequests.stream(
      #"{"replies": [{"text": "Hi there", "extraFields": {"x_future": {"a": 1}}}]}"#, path: path, body: body)

    #expect(response.payloads.count >= 4)
    #expect(response.payloads.allSatisfy { $0["x_future"] == ["a": 1] })
  }
}

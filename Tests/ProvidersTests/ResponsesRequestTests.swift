import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC
@testable import Providers
import Testing

/// Checks the Responses request body, URL and headers that the builder produces for each kind of history.
@Suite struct ResponsesRequestTests {
  private static let weatherTool = ToolDefinition(
    name: "get_weather", description: "Current weather for a city",
    parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])

  private func builder(
    kind: ProviderConfiguration.Kind = .openai, baseURL: String = "https://api.openai.com/v1",
    apiVersion: String? = nil
  ) -> ResponsesRequestBuilder {
    ResponsesRequestBuilder(
      configuration: ProviderConfiguration(
        kind: kind, baseURL: baseURL, apiKey: Secret("sk-test-key-0123"), wireAPI: .responses,
        azureAPIVersion: apiVersion),
      idleTimeout: .seconds(5))
  }

  private func body(
    _ messages: [ConversationMessage], tools: [ToolDefinition] = [], effort: String? = nil, maxTokens: Int? = nil,
    systemPrompt: String = "Be brief."
  ) -> JSONValue {
    builder().body(
      for: ModelRequest(
        model: "gpt-4.1", systemPrompt: systemPrompt, messages: messages, tools: tools, reasoningEffort: effort,
        maxOutputTokens: maxTokens, userAgent: "byok-host/test"))
  }

  private func input(_ body: JSONValue) -> [JSONValue] {
    body["input"]?.arrayValue ?? []
  }

  // MARK: - Body

  @Test func textRequest() {
    let body = body([ConversationMessage(role: .user, text: "Weather in Paris?")])
    #expect(body["model"] == "gpt-4.1")
    #expect(body["instructions"] == "Be brief.")
    #expect(body["stream"] == true)
    #expect(body["store"] == false)
    #expect(
      input(body) == [["type": "message", "role": "user", "content": [["type": "input_text", "text": "Weather in Paris?"]]]])
  }

  @Test func sendsOnlyRequestedFields() {
    let body = body([ConversationMessage(role: .user, text: "Hi")], systemPrompt: "")
    let keys = Set(body.objectValue?.keys ?? [])
    #expect(keys == ["model", "input", "stream", "store"])
  }

  @Test func toolsUseFlatShape() {
    let body = body([ConversationMessage(role: .user, text: "Hi")], tools: [Self.weatherTool])
    #expect(
      body["tools"]
        == [
          [
            "type": "function", "name": "get_weather", "description": "Current weather for a city",
            "parameters": Self.weatherTool.parameters, "strict": false,
          ]
        ])
    #expect(body["tool_choice"] == nil)
  }

  @Test func toolRoundTrip() {
    let call = ToolCall(id: "call_X1", name: "get_weather", arguments: #"{"city":"Paris"}"#)
    let body = body([
      ConversationMessage(role: .user, text: "Weather in Paris?"),
      ConversationMessage(role: .assistant, text: "", toolCalls: [call]),
      ConversationMessage(role: .tool, text: "18°C, cloudy", toolCallID: "call_X1"),
      ConversationMessage(role: .assistant, text: "It is 18°C and cloudy."),
    ])
    let items = input(body)
    #expect(items.count == 4)
    #expect(
      items[1] == ["type": "function_call", "call_id": "call_X1", "name": "get_weather", "arguments": #"{"city":"Paris"}"#])
    #expect(items[2] == ["type": "function_call_output", "call_id": "call_X1", "output": "18°C, cloudy"])
    #expect(
      items[3]
        == ["type": "message", "role": "assistant", "content": [["type": "output_text", "text": "It is 18°C and cloudy."]]])
  }

  @Test func parallelCallsKeepOrder() {
    let calls = [
      ToolCall(id: "call_P1", name: "get_weather", arguments: #"{"city":"Paris"}"#),
      ToolCall(id: "call_P2", name: "get_weather", arguments: #"{"city":"Rome"}"#),
    ]
    let body = body([
      ConversationMessage(role: .user, text: "Paris and Rome?"),
      ConversationMessage(role: .assistant, text: "Checking both.", toolCalls: calls),
      ConversationMessage(role: .tool, text: "18°C", toolCallID: "call_P1"),
      ConversationMessage(role: .tool, text: "24°C", toolCallID: "call_P2"),
    ])
    let types = input(body).map { $0["type"]?.stringValue ?? "" }
    let callIDs = input(body).compactMap { $0["call_id"]?.stringValue }
    #expect(types == ["message", "message", "function_call", "function_call", "function_call_output", "function_call_output"])
    #expect(callIDs == ["call_P1", "call_P2", "call_P1", "call_P2"])
  }

  @Test func reasoningOnRequestsEncryptedContent() {
    let body = body([ConversationMessage(role: .user, text: "Hi")], effort: "high", maxTokens: 2048)
    #expect(body["reasoning"] == ["effort": "high", "summary": "auto"])
    #expect(body["include"] == ["reasoning.encrypted_content"])
    #expect(body["max_output_tokens"] == 2048)
  }

  @Test func reasoningOffSendsNoReasoning() {
    let body = body([ConversationMessage(role: .user, text: "Hi")])
    #expect(body["reasoning"] == nil)
    #expect(body["include"] == nil)
    #expect(body["max_output_tokens"] == nil)
  }

  @Test func reasoningItemsSentBackInOrder() {
    let first: JSONValue = ["id": "rs_1", "type": "reasoning", "summary": [], "encrypted_content": "gAAAA-one"]
    let second: JSONValue = [
      "id": "rs_2", "type": "reasoning", "summary": [["type": "summary_text", "text": "Plan"]],
      "encrypted_content": "gAAAA-two",
    ]
    let call = ToolCall(id: "call_1", name: "get_weather", arguments: "{}")
    let body = body(
      [
        ConversationMessage(role: .user, text: "Hi"),
        ConversationMessage(role: .assistant, text: "Let me check.", toolCalls: [call], reasoningItems: [first, second]),
        ConversationMessage(role: .tool, text: "sunny", toolCallID: "call_1"),
      ], effort: "low")
    let items = input(body)
    #expect(items.count == 6)
    #expect(items[1] == first)
    #expect(items[2] == second)
    #expect(items[3]["role"] == "assistant")
    #expect(items[4]["type"] == "function_call")
  }

  @Test func unreplayableReasoningDropped() {
    let withoutContent: JSONValue = ["id": "rs_1", "type": "reasoning", "summary": []]
    let thinking: JSONValue = ["type": "thinking", "thinking": "hmm", "signature": "sig"]
    let body = body([
      ConversationMessage(role: .user, text: "Hi"),
      ConversationMessage(role: .assistant, text: "Hello", reasoningItems: [withoutContent, thinking]),
    ])
    let types = input(body).map { $0["type"]?.stringValue ?? "" }
    #expect(types == ["message", "message"])
  }

  @Test func userImagesAsDataURLs() {
    let image = ImageContent(mimeType: "image/png", base64Data: "iVBORw0KGgo=")
    let body = body([ConversationMessage(role: .user, text: "What is this?", images: [image])])
    #expect(
      input(body).first?["content"]
        == [
          ["type": "input_text", "text": "What is this?"],
          ["type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"],
        ])
  }

  @Test func imageOnlyMessageHasNoEmptyText() {
    let image = ImageContent(mimeType: "image/jpeg", base64Data: "/9j/4AAQ")
    let body = body([ConversationMessage(role: .user, text: "", images: [image])])
    #expect(input(body).first?["content"]?.arrayValue?.count == 1)
    #expect(input(body).first?["content"]?.arrayValue?.first?["type"] == "input_image")
  }

  @Test func toolResultImagesInOutput() {
    let image = ImageContent(mimeType: "image/png", base64Data: "iVBORw0KGgo=")
    let body = body([
      ConversationMessage(role: .user, text: "Take a screenshot"),
      ConversationMessage(role: .assistant, text: "", toolCalls: [ToolCall(id: "call_S", name: "screenshot", arguments: "{}")]),
      ConversationMessage(role: .tool, text: "Screenshot taken", images: [image], toolCallID: "call_S"),
    ])
    let output = input(body).last
    #expect(output?["type"] == "function_call_output")
    #expect(output?["call_id"] == "call_S")
    #expect(
      output?["output"]
        == [
          ["type": "input_text", "text": "Screenshot taken"],
          ["type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"],
        ])
  }

  // MARK: - URL and headers

  @Test(arguments: [
    ("https://api.openai.com/v1", "https://api.openai.com/v1/responses"),
    ("https://api.openai.com/v1/", "https://api.openai.com/v1/responses"),
    ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/responses"),
  ])
  func openAIURL(baseURL: String, expected: String) {
    #expect(builder(baseURL: baseURL).url() == expected)
  }

  @Test(arguments: [
    "https://contoso.openai.azure.com", "https://contoso.openai.azure.com/", "https://contoso.openai.azure.com/openai",
    "https://contoso.openai.azure.com/openai/v1/",
  ])
  func azureV1URL(baseURL: String) {
    #expect(builder(kind: .azure, baseURL: baseURL).url() == "https://contoso.openai.azure.com/openai/v1/responses")
  }

  @Test(arguments: ["https://contoso.openai.azure.com", "https://contoso.openai.azure.com/openai/"])
  func azureVersionedURL(baseURL: String) {
    let url = builder(kind: .azure, baseURL: baseURL, apiVersion: "2025-04-01-preview").url()
    #expect(url == "https://contoso.openai.azure.com/openai/responses?api-version=2025-04-01-preview")
  }

  @Test func azureSendsKeyHeader() {
    let request = builder(kind: .azure, baseURL: "https://contoso.openai.azure.com", apiVersion: "2025-04-01-preview")
      .httpRequest(
        for: ModelRequest(model: "my-deployment", systemPrompt: "", messages: [], userAgent: "byok-host/test"),
        clientToken: nil)
    #expect(request.method == .post)
    #expect(request.headers.firstValue(named: "api-key") == "sk-test-key-0123")
    #expect(request.headers.firstValue(named: "authorization") == nil)
    #expect(request.headers.firstValue(named: "accept") == "text/event-stream")
    #expect((try? JSONParser.parse(request.body))?["model"] == "my-deployment")
  }
}

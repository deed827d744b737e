import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC
@testable import Providers
import Testing

/// Builds Anthropic Messages HTTP requests and inspects their URL, headers and JSON body.
@Suite struct AnthropicRequestBuilderTests {
  private static let key = "sk-ant-canary-0123456789"

  private func builder(
    baseURL: String = "https://api.anthropic.com", apiKey: String? = key, bearerToken: String? = nil,
    headers: [(name: String, value: Secret)] = []
  ) -> AnthropicRequestBuilder {
    let configuration = ProviderConfiguration(
      kind: .anthropic, baseURL: baseURL, apiKey: apiKey.map(Secret.init), bearerToken: bearerToken.map(Secret.init),
      headers: headers)
    return AnthropicRequestBuilder(configuration: configuration, idleTimeout: .seconds(30))
  }

  private func request(
    _ messages: [ConversationMessage] = [ConversationMessage(role: .user, text: "Hi")], system: String = "Be brief.",
    tools: [ToolDefinition] = [], effort: String? = nil, maxTokens: Int? = nil,
    extraHeaders: [(name: String, value: String)] = []
  ) -> ModelRequest {
    ModelRequest(
      model: "claude-sonnet-4-5", systemPrompt: system, messages: messages, tools: tools, reasoningEffort: effort,
      maxOutputTokens: maxTokens, extraHeaders: extraHeaders, userAgent: "byok-host/test")
  }

  private func body(_ request: ModelRequest) throws -> JSONValue {
    let httpRequest = try builder().httpRequest(for: request, clientToken: nil)
    return try JSONParser.parse(httpRequest.body)
  }

  private func messages(_ conversation: [ConversationMessage]) throws -> [JSONValue] {
    try #require(try body(request(conversation))["messages"]?.arrayValue)
  }

  // MARK: - URL and headers

  @Test(arguments: [
    ("https://api.anthropic.com", "https://api.anthropic.com/v1/messages"),
    ("https://api.anthropic.com/", "https://api.anthropic.com/v1/messages"),
    ("https://api.anthropic.com/v1", "https://api.anthropic.com/v1/messages"),
    ("https://api.anthropic.com/v1/", "https://api.anthropic.com/v1/messages"),
    ("http://127.0.0.1:8080/anthropic", "http://127.0.0.1:8080/anthropic/v1/messages"),
  ])
  func urlDoesNotDoubleV1(baseURL: String, expected: String) throws {
    let httpRequest = try builder(baseURL: baseURL).httpRequest(for: request(), clientToken: nil)
    #expect(httpRequest.url == expected)
  }

  @Test func headersWithAPIKey() throws {
    let httpRequest = try builder(headers: [(name: "X-Team", value: Secret("blue"))]).httpRequest(
      for: request(extraHeaders: [(name: "X-Trace", value: "7")]), clientToken: nil)
    let headers = httpRequest.headers
    #expect(httpRequest.method == .post)
    #expect(headers.firstValue(named: "x-api-key") == Self.key)
    #expect(headers.firstValue(named: "authorization") == nil)
    #expect(headers.firstValue(named: "anthropic-version") == "2023-06-01")
    #expect(headers.firstValue(named: "content-type") == "application/json")
    #expect(headers.firstValue(named: "accept") == "text/event-stream")
    #expect(headers.firstValue(named: "x-team") == "blue")
    #expect(headers.firstValue(named: "x-trace") == "7")
  }

  @Test func headersWithBearerToken() throws {
    let httpRequest = try builder(apiKey: nil, bearerToken: "tok-123").httpRequest(for: request(), clientToken: nil)
    #expect(httpRequest.headers.firstValue(named: "authorization") == "Bearer tok-123")
    #expect(httpRequest.headers.firstValue(named: "x-api-key") == nil)
  }

  @Test func clientTokenWinsOverKey() throws {
    let httpRequest = try builder().httpRequest(for: request(), clientToken: Secret("fresh-token"))
    #expect(httpRequest.headers.firstValue(named: "authorization") == "Bearer fresh-token")
    #expect(httpRequest.headers.firstValue(named: "x-api-key") == nil)
  }

  @Test func providerVersionHeaderReplacesDefault() throws {
    let httpRequest = try builder(headers: [(name: "anthropic-version", value: Secret("2099-01-01"))]).httpRequest(
      for: request(), clientToken: nil)
    let versions = httpRequest.headers.filter { $0.name.lowercased() == "anthropic-version" }.map(\.value)
    #expect(versions == ["2099-01-01"])
  }

  @Test func descriptionHidesKey() throws {
    let httpRequest = try builder().httpRequest(for: request(), clientToken: nil)
    #expect(!httpRequest.description.contains(Self.key))
    #expect(httpRequest.description.contains("2023-06-01"))
  }

  // MARK: - Body

  @Test func textRequestBody() throws {
    let body = try body(request())
    let expected: JSONValue = [
      "model": "claude-sonnet-4-5", "max_tokens": 8192, "system": "Be brief.",
      "messages": [["role": "user", "content": [["type": "text", "text": "Hi"]]]], "stream": true,
    ]
    #expect(body == expected)
  }

  @Test func sendsOnlyRequestedFields() throws {
    let body = try body(request(system: ""))
    let keys = try #require(body.objectValue?.keys)
    #expect(keys == ["model", "max_tokens", "messages", "stream"])
  }

  @Test func systemPromptIsNeverAMessage() throws {
    let roles = try messages([ConversationMessage(role: .user, text: "Hi")]).map { $0["role"] }
    #expect(roles == ["user"])
  }

  @Test func toolsUseInputSchema() throws {
    let parameters: JSONValue = [
      "type": "object", "properties": ["city": ["type": "string"]], "required": ["city"],
    ]
    let tools = [
      ToolDefinition(name: "get_weather", description: "Current weather for a city", parameters: parameters),
      ToolDefinition(name: "get_time"),
    ]
    let body = try body(request(tools: tools))
    let expected: JSONValue = [
      ["name": "get_weather", "description": "Current weather for a city", "input_schema": parameters],
      ["name": "get_time", "input_schema": ToolDefinition.emptyParameters],
    ]
    #expect(body["tools"] == expected)
  }

  // MARK: - Messages

  @Test func toolResultsShareOneUserMessage() throws {
    let messages = try messages([
      ConversationMessage(role: .user, text: "Weather in Paris and Rome?"),
      ConversationMessage(
        role: .assistant, text: "I'll check.",
        toolCalls: [
          ToolCall(id: "toolu_01P", name: "get_weather", arguments: #"{"city":"Paris"}"#),
          ToolCall(id: "toolu_01Q", name: "get_weather", arguments: #"{"city":"Rome"}"#),
        ]),
      ConversationMessage(role: .tool, text: "18°C, cloudy", toolCallID: "toolu_01P"),
      ConversationMessage(role: .tool, text: "24°C, sunny", toolCallID: "toolu_01Q"),
    ])
    let expectedAssistant: JSONValue = [
      "role": "assistant",
      "content": [
        ["type": "text", "text": "I'll check."],
        ["type": "tool_use", "id": "toolu_01P", "name": "get_weather", "input": ["city": "Paris"]],
        ["type": "tool_use", "id": "toolu_01Q", "name": "get_weather", "input": ["city": "Rome"]],
      ],
    ]
    let expectedResults: JSONValue = [
      "role": "user",
      "content": [
        ["type": "tool_result", "tool_use_id": "toolu_01P", "content": "18°C, cloudy"],
        ["type": "tool_result", "tool_use_id": "toolu_01Q", "content": "24°C, sunny"],
      ],
    ]
    #expect(messages.count == 3)
    #expect(messages[1] == expectedAssistant)
    #expect(messages[2] == expectedResults)
  }

  @Test func userTextFollowsToolResults() throws {
    let messages = try messages([
      ConversationMessage(role: .user, text: "Go"),
      ConversationMessage(role: .assistant, text: "", toolCalls: [ToolCall(id: "toolu_1", name: "f", arguments: "{}")]),
      ConversationMessage(role: .tool, text: "done", toolCallID: "toolu_1"),
      ConversationMessage(role: .user, text: "Thanks"),
    ])
    let types = messages.last?["content"]?.arrayValue?.map { $0["type"] }
    #expect(messages.count == 3)
    #expect(types == ["tool_result", "text"])
  }

  @Test func userImagesAsBase64Blocks() throws {
    let image = ImageContent(mimeType: "image/png", base64Data: "iVBORw0KGgo=")
    let messages = try messages([ConversationMessage(role: .user, text: "What is this?", images: [image])])
    let expected: JSONValue = [
      ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="]],
      ["type": "text", "text": "What is this?"],
    ]
    #expect(messages.first?["content"] == expected)
  }

  @Test func toolResultImagesInsideContent() throws {
    let image = ImageContent(mimeType: "image/jpeg", base64Data: "/9j/4AAQ")
    let messages = try messages([
      ConversationMessage(role: .user, text: "Screenshot please"),
      ConversationMessage(role: .assistant, text: "", toolCalls: [ToolCall(id: "toolu_2", name: "shot", arguments: "{}")]),
      ConversationMessage(role: .tool, text: "Captured.", images: [image], toolCallID: "toolu_2"),
    ])
    let expected: JSONValue = [
      [
        "type": "tool_result", "tool_use_id": "toolu_2",
        "content": [
          ["type": "image", "source": ["type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"]],
          ["type": "text", "text": "Captured."],
        ],
      ]
    ]
    #expect(messages.last?["content"] == expected)
  }

  @Test func mergesConsecutiveSameRole() throws {
    let messages = try messages([
      ConversationMessage(role: .user, text: "One"),
      ConversationMessage(role: .user, text: "Two"),
      ConversationMessage(role: .assistant, text: "A"),
      ConversationMessage(role: .assistant, text: "B"),
    ])
    let expected: [JSONValue] = [
      ["role": "user", "content": [["type": "text", "text": "One"], ["type": "text", "text": "Two"]]],
      ["role": "assistant", "content": [["type": "text", "text": "A"], ["type": "text", "text": "B"]]],
    ]
    #expect(messages == expected)
  }

  @Test func neverSendsEmptyText() throws {
    let messages = try messages([
      ConversationMessage(role: .user, text: "Go"),
      ConversationMessage(role: .user, text: "  \n"),
      ConversationMessage(role: .assistant, text: "", toolCalls: [ToolCall(id: "toolu_3", name: "f", arguments: "{}")]),
      ConversationMessage(role: .tool, text: "", toolCallID: "toolu_3"),
      ConversationMessage(role: .assistant, text: " "),
    ])
    let expected: [JSONValue] = [
      ["role": "user", "content": [["type": "text", "text": "Go"]]],
      ["role": "assistant", "content": [["type": "tool_use", "id": "toolu_3", "name": "f", "input": [:]]]],
      ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_3"]]],
    ]
    #expect(messages == expected)
  }

  @Test(arguments: ["not json", "[1,2]", "\"text\"", ""])
  func nonObjectArgumentsSentAsEmptyObject(arguments: String) throws {
    let messages = try messages([
      ConversationMessage(role: .user, text: "Go"),
      ConversationMessage(role: .assistant, text: "", toolCalls: [ToolCall(id: "toolu_4", name: "f", arguments: arguments)]),
    ])
    #expect(messages.last?["content"]?.arrayValue?.first?["input"] == [:])
  }

  @Test func reasoningItemsComeFirstUnchanged() throws {
    let thinking: JSONValue = ["type": "thinking", "thinking": "Check the tool.", "signature": "EqQBsig"]
    let redacted: JSONValue = ["type": "redacted_thinking", "data": "EmwKdata"]
    let foreign: JSONValue = ["type": "reasoning", "id": "rs_1", "encrypted_content": "gAAA"]
    let messages = try messages([
      ConversationMessage(role: .user, text: "Time?"),
      ConversationMessage(
        role: .assistant, text: "Checking.", toolCalls: [ToolCall(id: "toolu_5", name: "get_time", arguments: "{}")],
        reasoningItems: [thinking, redacted, foreign]),
    ])
    let expected: JSONValue = [
      thinking, redacted, ["type": "text", "text": "Checking."],
      ["type": "tool_use", "id": "toolu_5", "name": "get_time", "input": [:]],
    ]
    #expect(messages.last?["content"] == expected)
  }

  // MARK: - max_tokens and thinking

  @Test func maxTokensDefault() throws {
    #expect(try body(request())["max_tokens"] == 8192)
  }

  @Test func maxTokensOverride() throws {
    #expect(try body(request(maxTokens: 77))["max_tokens"] == 77)
  }

  @Test func noThinkingWithoutEffort() throws {
    #expect(try body(request())["thinking"] == nil)
  }

  @Test func noThinkingForEffortNone() throws {
    let body = try body(request(effort: "none"))
    #expect(body["thinking"] == nil)
    #expect(body["max_tokens"] == 8192)
  }

  @Test(arguments: [
    ("minimal", 1024), ("low", 1024), ("medium", 4096), ("high", 16384), ("xhigh", 32000), ("max", 32000),
    ("HIGH", 16384),
  ])
  func thinkingBudgetForEffort(effort: String, budget: Int) throws {
    let thinking = try body(request(effort: effort))["thinking"]
    #expect(thinking == ["type": "enabled", "budget_tokens": .int(Int64(budget))])
  }

  /// The API requires `budget_tokens < max_tokens`; a smaller value is raised to the budget plus 8192.
  @Test(arguments: [
    ("low", nil, 8192), ("medium", nil, 8192), ("high", nil, 24576), ("max", nil, 40192), ("high", 30000, 30000),
    ("high", 16384, 24576), ("low", 500, 9216),
  ] as [(String, Int?, Int)])
  func maxTokensAboveBudget(effort: String, requested: Int?, expected: Int) throws {
    let body = try body(request(effort: effort, maxTokens: requested))
    let budget = try #require(body["thinking"]?["budget_tokens"]?.intValue)
    #expect(body["max_tokens"] == .int(Int64(expected)))
    #expect(expected > budget)
  }

  @Test func unknownEffortIsConfigurationError() throws {
    let error = try #require(throws: ProviderError.self) {
      try builder().httpRequest(for: request(effort: "extreme"), clientToken: nil)
    }
    #expect(error.kind == .configuration)
    #expect(error.message.contains("'extreme'"))
  }
}

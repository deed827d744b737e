import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC
@testable import Providers
import Testing

@Suite struct OpenAIChatRequestBuilderTests {
  private let image = ImageContent(mimeType: "image/png", base64Data: "iVBORw0KGgo=")

  private func builder(_ configuration: ProviderConfiguration) -> OpenAIChatRequestBuilder {
    OpenAIChatRequestBuilder(configuration: configuration, idleTimeout: .seconds(5))
  }

  private func request(_ messages: [ConversationMessage]) -> ModelRequest {
    ModelRequest(model: "gpt-x", systemPrompt: "S", messages: messages, userAgent: "test")
  }

  @Test func imagePromptUsesContentParts() {
    let messages = builder(ProviderConfiguration(baseURL: "http://h/v1")).messages(
      for: request([ConversationMessage(role: .user, text: "What is this?", images: [image])]))
    let content = messages.last?["content"]?.arrayValue
    #expect(content?.count == 2)
    #expect(content?.first?["type"] == "text")
    #expect(content?.last?["image_url"]?["url"] == "data:image/png;base64,iVBORw0KGgo=")
  }

  @Test func toolImagesFollowToolMessages() {
    let call = ToolCall(id: "call_1", name: "shot", arguments: "{}")
    let other = ToolCall(id: "call_2", name: "shot", arguments: "{}")
    let messages = builder(ProviderConfiguration(baseURL: "http://h/v1")).messages(
      for: request([
        ConversationMessage(role: .user, text: "Go"),
        ConversationMessage(role: .assistant, text: "", toolCalls: [call, other]),
        ConversationMessage(role: .tool, text: "Captured", images: [image], toolCallID: "call_1"),
        ConversationMessage(role: .tool, text: "Done", toolCallID: "call_2"),
      ]))
    let roles = messages.compactMap { $0["role"]?.stringValue }
    #expect(roles == ["system", "user", "assistant", "tool", "tool", "user"])
    #expect(messages[3]["content"] == "Captured")
    #expect(messages[5]["content"]?.arrayValue?.count == 2)
  }

  @Test(arguments: [
    ("https://r.openai.azure.com", "2024-10-21", "https://r.openai.azure.com/openai/deployments/dep/chat/completions?api-version=2024-10-21"),
    ("https://r.openai.azure.com/", nil, "https://r.openai.azure.com/openai/v1/chat/completions"),
    ("https://r.openai.azure.com/openai/v1", nil, "https://r.openai.azure.com/openai/v1/chat/completions"),
  ] as [(String, String?, String)])
  func azureURL(base: String, version: String?, expected: String) {
    let configuration = ProviderConfiguration(kind: .azure, baseURL: base, azureAPIVersion: version)
    #expect(builder(configuration).url(model: "dep") == expected)
  }

  @Test func openAIURLKeepsBasePath() {
    #expect(builder(ProviderConfiguration(baseURL: "http://127.0.0.1:9/v1/")).url(model: "m") == "http://127.0.0.1:9/v1/chat/completions")
  }

  @Test(arguments: [
    (ProviderConfiguration.Kind.openai, "authorization", "Bearer k-123"),
    (.azure, "api-key", "k-123"),
    (.anthropic, "x-api-key", "k-123"),
  ])
  func apiKeyHeaderPerKind(kind: ProviderConfiguration.Kind, header: String, value: String) {
    let configuration = ProviderConfiguration(kind: kind, baseURL: "http://h", apiKey: Secret("k-123"))
    let headers = ProviderHeaders.make(configuration: configuration, clientToken: nil, accept: "x", request: request([]))
    #expect(headers.firstValue(named: header) == value)
  }

  @Test func clientTokenWinsOverKeys() {
    let configuration = ProviderConfiguration(
      kind: .azure, baseURL: "http://h", apiKey: Secret("key"), bearerToken: Secret("static"))
    let headers = ProviderHeaders.make(
      configuration: configuration, clientToken: Secret("fresh"), accept: "x", request: request([]))
    #expect(headers.firstValue(named: "authorization") == "Bearer fresh")
    #expect(headers.firstValue(named: "api-key") == nil)
  }

  @Test func retryAfterHeadersParsed() {
    #expect(ProviderTransport.serverRequestedDelay([HTTPHeader(name: "retry-after-ms", value: "250")]) == .milliseconds(250))
    #expect(ProviderTransport.serverRequestedDelay([HTTPHeader(name: "Retry-After", value: "2")]) == .seconds(2))
    #expect(ProviderTransport.serverRequestedDelay([HTTPHeader(name: "retry-after", value: "soon")]) == nil)
  }

  @Test func httpDateParsed() {
    #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
    #expect(HTTPDate.parse("yesterday") == nil)
  }
}

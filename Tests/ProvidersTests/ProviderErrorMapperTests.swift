import AgentCore
import BYOKLogging
import JSONRPC
@testable import Providers
import Testing

@Suite struct ProviderErrorMapperTests {
  private let mapper = ProviderErrorMapper(
    providerName: "The provider", baseURL: "http://h", secrets: [Secret("sk-secret-value-1234")])

  private func kind(_ status: Int, _ body: String) -> ProviderError.Kind {
    mapper.map(status: status, body: Array(body.utf8)).kind
  }

  @Test(arguments: [
    (400, #"{"error":{"message":"This model's maximum context length is 8192 tokens","code":"context_length_exceeded"}}"#,
     ProviderError.Kind.contextLength),
    (400, #"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}"#,
     .contextLength),
    (429, #"{"error":{"message":"You exceeded your current quota","code":"insufficient_quota"}}"#, .quota),
    (429, #"{"type":"error","error":{"type":"rate_limit_error","message":"Spend limit","details":{"error_code":"enforced_spend_limit_reached"}}}"#,
     .quota),
    (429, #"{"error":{"message":"Rate limit reached","code":"rate_limit_exceeded"}}"#, .rateLimit),
    (400, #"{"error":{"message":"The response was filtered","code":"content_filter"}}"#, .contentFilter),
    (529, #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#, .server),
    (502, "<html>Bad gateway</html>", .server),
    (408, "", .timeout),
  ] as [(Int, String, ProviderError.Kind)])
  func classifiesStatusAndBody(status: Int, body: String, expected: ProviderError.Kind) {
    #expect(kind(status, body) == expected)
  }

  @Test func messageKeepsProviderTextAndStatus() {
    let error = mapper.map(status: 404, body: Array(#"{"error":{"message":"The model `x` does not exist"}}"#.utf8))
    #expect(error.statusCode == 404)
    #expect(error.message.contains("The model `x` does not exist"))
    #expect(error.message.contains("HTTP 404"))
  }

  @Test func redactsKeyAndKeyPrefixedWords() {
    let text = mapper.redact("Incorrect API key provided: sk-secret-value-1234 (sk-secr***1234).")
    #expect(!text.contains("sk-secret-value-1234"))
    #expect(!text.contains("sk-sec"))
  }

  @Test func emptyBodyIsDescribed() {
    #expect(mapper.map(status: 500, body: []).message.contains("(empty response body)"))
  }
}

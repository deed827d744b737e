import HTTPStreaming
import Testing

@Suite struct HTTPRequestTests {
  @Test(arguments: ["Content-Type", "accept", "User-Agent", "anthropic-version", "api-version", "OpenAI-Organization"])
  func safeHeaderValueIsPrinted(name: String) {
    let request = HTTPRequest(url: "https://api.example.com/v1", headers: [HTTPHeader(name: name, value: "visible-1")])
    #expect(request.description.contains("\(name): visible-1"))
  }

  @Test(arguments: ["Authorization", "api-key", "x-api-key", "X-Custom-Token", "Cookie", "Proxy-Authorization"])
  func otherHeaderValueIsRedacted(name: String) {
    let request = HTTPRequest(url: "https://api.example.com/v1", headers: [HTTPHeader(name: name, value: "sk-hidden")])
    #expect(!request.description.contains("sk-hidden"))
    #expect(request.description.contains("\(name): <redacted>"))
  }

  @Test func dumpRedactsHeaderValues() {
    let request = HTTPRequest(
      url: "https://api.example.com/v1", headers: [HTTPHeader(name: "Authorization", value: "Bearer sk-hidden")])
    var output = ""
    dump(request, to: &output)
    #expect(!output.contains("sk-hidden"))
  }

  @Test(arguments: [
    ("https://api.example.com/v1/chat", "https://api.example.com/v1/chat"),
    (
      "https://x.openai.azure.com/openai/deployments/d/chat?api-version=2024-10-21",
      "https://x.openai.azure.com/openai/deployments/d/chat?api-version=2024-10-21"
    ),
    (
      "https://g.example.com/v1/models?key=sk-hidden&alt=sse",
      "https://g.example.com/v1/models?key=<redacted>&alt=<redacted>"
    ),
    ("https://user:sk-hidden@proxy.example.com:8443/p", "https://<redacted>@proxy.example.com:8443/p"),
    ("https://h.example.com/p#token=sk-hidden", "https://h.example.com/p"),
  ])
  func redactedURLHidesCredentials(url: String, expected: String) {
    #expect(HTTPRequest(url: url).redactedURL == expected)
  }

  @Test func descriptionCountsBodyBytes() {
    let request = HTTPRequest(method: .post, url: "http://127.0.0.1/", body: Array("{\"secret\":1}".utf8))
    #expect(request.description == "POST http://127.0.0.1/ [] body: 12 bytes")
  }
}

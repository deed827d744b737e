import JSONRPC
@testable import MockProvider
import Testing

/// Script fields for the Responses and Anthropic formats, the dialects, the quirks and the request checks.
@Suite struct MockScriptWireParsingTests {
  private func parse(_ json: String) throws(MockScriptError) -> MockScript {
    try MockScript.parse(bytes: Array(json.utf8), source: "script.json")
  }

  private func textReply(_ json: String) throws -> MockTextReply {
    let script = try parse(#"{"replies": [\#(json)]}"#)
    guard case .text(let reply) = script.replies[0].body else {
      throw TestClientError(description: "replies[0] is not a text reply")
    }
    return reply
  }

  @Test func scriptOptionsParse() throws {
    let script = try parse(
      #"{"dialect": "azure", "lineEnding": "crlf", "writeSize": 5, "replies": [{"text": "a"}]}"#)

    #expect(script.dialect == .azure)
    #expect(script.lineEnding == .crlf)
    #expect(script.writeSize == 5)
  }

  @Test func scriptOptionDefaults() throws {
    let script = try parse(#"{"replies": [{"text": "a"}]}"#)

    #expect(script.dialect == .openai)
    #expect(script.lineEnding == .lf)
    #expect(script.writeSize == nil)
  }

  @Test func reasoningParses() throws {
    let reply = try textReply(#"{"reasoning": "Think it over", "reasoningSignature": "sig", "text": "Done"}"#)

    #expect(reply.reasoning == "Think it over")
    #expect(reply.reasoningChunks == ["Think ", "it ", "over"])
    #expect(reply.reasoningSignature == "sig")
    #expect(reply.streamedChunkCount == 4)
    #expect(reply.steps.first == .reasoning("Think "))
  }

  @Test func quirksParse() throws {
    let reply = try textReply(
      #"""
      {"text": "a b", "omitUsage": true, "extraFields": {"x": 1}, "filterAnnotation": "afterFinish",
       "reasoningField": "reasoning", "errorAfterChunks": 1, "responsesErrorEvent": "error"}
      """#)

    #expect(
      reply.quirks
        == MockReplyQuirks(
          omitsUsage: true, extraFields: ["x": 1], filterAnnotation: .afterFinish, responsesErrorEvent: .error,
          reasoningField: .reasoning))
  }

  @Test func resetParses() throws {
    let reply = try textReply(#"{"text": "a b", "resetAfterChunks": 2}"#)

    #expect(reply.interruption == .reset(afterChunks: 2))
  }

  @Test func ollamaDefaultsToOneDelta() throws {
    let script = try parse(#"{"dialect": "ollama", "replies": [{"toolCalls": [{"name": "f"}, {"name": "g"}]}]}"#)
    guard case .text(let reply) = script.replies[0].body else {
      Issue.record("replies[0] is not a text reply")
      return
    }

    #expect(reply.toolCallStreaming.delivery == .oneDelta)
    #expect(reply.streamedChunkCount == 1)
  }

  @Test func toolCallIndexZeroParses() throws {
    let reply = try textReply(#"{"toolCalls": [{"name": "f"}], "toolCallIndex": "zero"}"#)

    #expect(reply.toolCallStreaming.reusesIndexZero)
    #expect(reply.toolCallStreaming.includesIndex)
  }

  @Test func requestChecksParse() throws {
    let script = try parse(
      #"""
      {"replies": [{"text": "a", "expect": {
        "headers": {"present": ["api-key"], "absent": ["Authorization"], "equals": {"anthropic-version": "2023-06-01"}},
        "bodyFields": {"present": ["messages[-1]"], "equals": {"max_tokens": 1024}},
        "path": "/v1/messages", "query": "", "providerRules": true}}]}
      """#)
    let expectation = try #require(script.replies[0].expectation)

    #expect(expectation.headers.present == ["api-key"])
    #expect(expectation.headers.absent == ["Authorization"])
    #expect(expectation.headers.equals == [.init(field: "anthropic-version", value: "2023-06-01")])
    #expect(expectation.bodyFields.present == ["messages[-1]"])
    #expect(expectation.bodyFields.equals == [.init(field: "max_tokens", value: 1024)])
    #expect(expectation.path == "/v1/messages")
    #expect(expectation.query == "")
    #expect(expectation.providerRules)
  }

  @Test(arguments: [
    ("messages[-1].content[0].type", [.member("messages"), .index(-1), .member("content"), .index(0), .member("type")]),
    ("a.b", [.member("a"), .member("b")]),
    ("x[1][2]", [.member("x"), .index(1), .index(2)]),
  ] as [(String, [BodyPath.Component])])
  func bodyPathParses(text: String, components: [BodyPath.Component]) {
    #expect(BodyPath(text)?.components == components)
  }

  @Test(arguments: ["", "a..b", "[0]", "a[x]", "a[1", "a]"])
  func bodyPathRejects(text: String) {
    #expect(BodyPath(text) == nil)
  }

  @Test func bodyPathFindsValues() {
    let body: JSONValue = ["messages": [["role": "user"], ["role": "tool", "content": nil]]]

    #expect(BodyPath("messages[-1].role")?.value(in: body) == "tool")
    #expect(BodyPath("messages[0].role")?.value(in: body) == "user")
    #expect(BodyPath("messages[-1].content")?.value(in: body) == .null)
    #expect(BodyPath("messages[2]")?.value(in: body) == nil)
    #expect(BodyPath("messages.role")?.value(in: body) == nil)
  }
}

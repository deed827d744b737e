import Foundation
import JSONRPC
@testable import MockProvider
import Testing

@Suite struct MockScriptParsingTests {
  private func parse(_ json: String) throws(MockScriptError) -> MockScript {
    try MockScript.parse(bytes: Array(json.utf8), source: "script.json")
  }

  @Test func scriptFullExampleParses() throws {
    let script = try parse(
      #"""
      {"description": "demo", "model": "m", "afterLast": "repeat", "streamFraming": "close",
       "replies": [
         {"text": "Hello there!", "chunks": ["Hel", "lo there!"], "delayMs": 5,
          "usage": {"prompt_tokens": 12, "completion_tokens": 3}, "finishReason": "length",
          "expect": {"messagesContain": ["hi"]}, "headers": {"x-a": "b"}},
         {"status": 401, "body": {"error": {"message": "bad key"}}},
         {"text": "a b", "stallAfterChunks": 1},
         {"text": "a b", "truncateAfterChunks": 2},
         {"errorAfterChunks": 1, "error": {"message": "Boom"}},
         {"chunks": ["Par", "tial"], "errorAfterChunks": 2}
       ]}
      """#)
    let first = script.replies[0]
    let expectedError = MockErrorReply(status: 401, body: .json(["error": ["message": "bad key"]]))
    guard case .text(let text) = first.body else {
      Issue.record("replies[0] is not a text reply")
      return
    }

    #expect(script.model == "m")
    #expect(script.afterLast == .repeatLast)
    #expect(script.streamFraming == .connectionClose)
    #expect(script.replies.count == 6)
    #expect(text.chunks == ["Hel", "lo there!"])
    #expect(text.delayMilliseconds == 5)
    #expect(text.finishReason == "length")
    #expect(text.usage?["prompt_tokens"] == 12)
    #expect(first.expectation == MockExpectation(messagesContain: ["hi"]))
    #expect(first.headers == [MockHeader(name: "x-a", value: "b")])
    #expect(script.replies[1].body == .error(expectedError))
  }

  @Test func scriptInterruptionsParse() throws {
    let script = try parse(
      #"""
      {"replies": [{"text": "a b", "stallAfterChunks": 1}, {"text": "a b", "truncateAfterChunks": 2},
                   {"errorAfterChunks": 1, "error": {"message": "Boom"}}]}
      """#)
    let interruptions = script.replies.map { reply -> MockInterruption? in
      guard case .text(let text) = reply.body else { return nil }
      return text.interruption
    }
    guard case .error(let count, let error)? = interruptions[2] else {
      Issue.record("replies[2] has no error interruption")
      return
    }

    #expect(interruptions[0] == .stall(afterChunks: 1))
    #expect(interruptions[1] == .truncate(afterChunks: 2))
    #expect(count == 1)
    #expect(error == ["message": "Boom"])
  }

  @Test func toolCallReplyParses() throws {
    let script = try parse(
      #"""
      {"replies": [{"text": "Checking.", "toolCalls": [
        {"id": "call_a", "name": "encrypt", "arguments": {"input": "Hi"}},
        {"name": "now"}, {"name": "broken", "arguments": "{\"input\": "}],
        "argumentChunks": 3, "toolCallIndex": false, "nullToolCalls": true,
        "expect": {"toolResults": [{"toolCallId": "call_a", "content": "HI"}, {"toolCallId": "call_b",
                   "contentContains": "no"}, {"toolCallId": "call_c"}], "lastMessageRole": "tool"}}]}
      """#)
    guard case .text(let reply) = script.replies[0].body else {
      Issue.record("replies[0] is not a text reply")
      return
    }
    let expectation = script.replies[0].expectation

    #expect(reply.text == "Checking.")
    #expect(reply.toolCalls.map(\.id) == ["call_a", "call_2", "call_3"])
    #expect(reply.toolCalls.map(\.arguments) == [#"{"input":"Hi"}"#, "{}", #"{"input": "#])
    #expect(reply.toolCallStreaming == MockToolCallStreaming(argumentChunks: 3, includesIndex: false))
    #expect(reply.nullToolCalls)
    #expect(reply.finishReason == "tool_calls")
    #expect(expectation?.messagesContain == [])
    #expect(expectation?.lastMessageRole == "tool")
    #expect(
      expectation?.toolResults == [
        MockToolResultExpectation(toolCallID: "call_a", content: .equals("HI")),
        MockToolResultExpectation(toolCallID: "call_b", content: .contains("no")),
        MockToolResultExpectation(toolCallID: "call_c"),
      ])
  }

  @Test func toolCallOnlyReplyHasNoText() throws {
    let script = try parse(#"{"replies": [{"toolCalls": [{"name": "f"}], "toolCallDelivery": "oneDelta"}]}"#)
    guard case .text(let reply) = script.replies[0].body else {
      Issue.record("replies[0] is not a text reply")
      return
    }

    #expect(reply.text == "")
    #expect(reply.chunks == [])
    #expect(reply.toolCallStreaming.delivery == .oneDelta)
    #expect(reply.streamedChunkCount == 1)
  }

  @Test func scriptDefaultsApply() throws {
    let script = try parse(#"{"replies": [{"text": "Hi there"}]}"#)
    guard case .text(let text) = script.replies[0].body else {
      Issue.record("replies[0] is not a text reply")
      return
    }

    #expect(script.model == "mock-model")
    #expect(script.afterLast == .error)
    #expect(script.streamFraming == .chunked)
    #expect(text.chunks == ["Hi ", "there"])
    #expect(text.delayMilliseconds == 0)
    #expect(text.finishReason == "stop")
    #expect(text.usage == nil)
  }

  @Test(arguments: [
    (#"[1]"#, nil, "must be a JSON object"),
    (#"{"replies": []}"#, "replies", "at least one reply"),
    (#"{"model": "m"}"#, "replies", "missing"),
    (#"{"model": 3, "replies": [{"text": "a"}]}"#, "model", "must be a string"),
    (#"{"replies": [{"text": "a"}], "extra": 1}"#, "extra", "unknown key"),
    (#"{"replies": [{"text": "a"}], "afterLast": "loop"}"#, "afterLast", #""repeat" or "error""#),
    (#"{"replies": [{"text": "a"}], "streamFraming": "gzip"}"#, "streamFraming", #""chunked" or "close""#),
    (#"{"replies": [7]}"#, "replies[0]", "must be a JSON object"),
    (#"{"replies": [{"delay": 1}]}"#, "replies[0]", "unknown reply kind"),
    (#"{"replies": [{"text": "a", "chunk_size": 2}]}"#, "replies[0].chunk_size", "unknown key"),
    (#"{"replies": [{"text": "a", "chunkSize": "3"}]}"#, "replies[0].chunkSize", "must be an integer"),
    (#"{"replies": [{"text": "a", "chunkSize": 2, "chunks": ["a"]}]}"#, "replies[0].chunkSize", "cannot be combined"),
    (#"{"replies": [{"text": "ab", "chunks": ["a", "c"]}]}"#, "replies[0].chunks", "must join"),
    (#"{"replies": [{"chunks": ["a", ""]}]}"#, "replies[0].chunks[1]", "non-empty string"),
    (#"{"replies": [{"text": "a", "delayMs": -1}]}"#, "replies[0].delayMs", "from 0 to 60000"),
    (#"{"replies": [{"text": "a b", "stallAfterChunks": 5}]}"#, "replies[0].stallAfterChunks", "only 2 chunks"),
    (#"{"replies": [{"text": "a", "stallAfterChunks": 0, "truncateAfterChunks": 0}]}"#,
     "replies[0].truncateAfterChunks", "cannot be combined"),
    (#"{"replies": [{"text": "a", "error": {"message": "x"}}]}"#, "replies[0].error", "errorAfterChunks"),
    (#"{"replies": [{"errorAfterChunks": 0, "error": "x"}]}"#, "replies[0].error", "must be an object"),
    (#"{"replies": [{"status": 99}]}"#, "replies[0].status", "from 400 to 599"),
    (#"{"replies": [{"status": 500, "text": "x"}]}"#, "replies[0]", "mixes"),
    (#"{"replies": [{"status": 500, "retry": 1}]}"#, "replies[0].retry", "unknown key"),
    (#"{"replies": [{"text": "a", "usage": {"prompt_tokens": "12"}}]}"#, "replies[0].usage.prompt_tokens",
     "must be an integer"),
    (#"{"replies": [{"text": "a", "expect": {"messagesContain": "x"}}]}"#, "replies[0].expect.messagesContain",
     "array of strings"),
    (#"{"replies": [{"text": "a", "expect": {"messageContains": ["x"]}}]}"#, "replies[0].expect.messageContains",
     "unknown key"),
    (#"{"replies": [{"text": "a", "headers": {"x-a": 1}}]}"#, "replies[0].headers.x-a", "must be a string"),
    (#"{"replies": [{"text": "a", "headers": {"bad name": "v"}}]}"#, "replies[0].headers.bad name",
     "not a valid HTTP header name"),
    (#"{"replies": [{"toolCalls": []}]}"#, "replies[0].toolCalls", "non-empty array"),
    (#"{"replies": [{"toolCalls": ["f"]}]}"#, "replies[0].toolCalls[0]", "must be a JSON object"),
    (#"{"replies": [{"toolCalls": [{"id": "c"}]}]}"#, "replies[0].toolCalls[0].name", "missing"),
    (#"{"replies": [{"toolCalls": [{"name": "f", "args": {}}]}]}"#, "replies[0].toolCalls[0].args", "unknown key"),
    (#"{"replies": [{"toolCalls": [{"name": "f", "arguments": 3}]}]}"#, "replies[0].toolCalls[0].arguments",
     "a string to send as is"),
    (#"{"replies": [{"toolCalls": [{"id": "c", "name": "f"}, {"id": "c", "name": "g"}]}]}"#,
     "replies[0].toolCalls[1].id", "already the id"),
    (#"{"replies": [{"text": "a", "argumentChunks": 2}]}"#, "replies[0].argumentChunks", "needs \"toolCalls\""),
    (#"{"replies": [{"toolCalls": [{"name": "f"}], "argumentChunks": 0}]}"#, "replies[0].argumentChunks",
     "from 1 to"),
    (#"{"replies": [{"toolCalls": [{"name": "f"}], "toolCallDelivery": "whole", "argumentChunks": 2}]}"#,
     "replies[0].argumentChunks", "only applies"),
    (#"{"replies": [{"toolCalls": [{"name": "f"}], "toolCallDelivery": "bulk"}]}"#, "replies[0].toolCallDelivery",
     #""fragments" or "whole" or "oneDelta""#),
    (#"{"replies": [{"toolCalls": [{"name": "f"}], "toolCallIndex": "no"}]}"#, "replies[0].toolCallIndex",
     "true or false"),
    (#"{"replies": [{"text": "a", "nullToolCalls": 1}]}"#, "replies[0].nullToolCalls", "true or false"),
    (#"{"replies": [{"toolCalls": [{"name": "f"}], "truncateAfterChunks": 3}]}"#, "replies[0].truncateAfterChunks",
     "only 2 content and tool-call chunks"),
    (#"{"replies": [{"text": "a", "expect": {}}]}"#, "replies[0].expect", "is empty"),
    (#"{"replies": [{"text": "a", "expect": {"toolResults": [{"content": "x"}]}}]}"#,
     "replies[0].expect.toolResults[0].toolCallId", "missing"),
    (#"{"replies": [{"text": "a", "expect": {"toolResults": [{"toolCallId": "c", "content": "x", "contentContains": "x"}]}}]}"#,
     "replies[0].expect.toolResults[0].contentContains", "cannot be combined"),
    (#"{"replies": [{"text": "a", "expect": {"toolResults": {}}}]}"#, "replies[0].expect.toolResults",
     "non-empty array"),
    (#"{"replies": [{"text": "a", "expect": {"lastMessageRole": 1}}]}"#, "replies[0].expect.lastMessageRole",
     "must be a string"),
    (#"{"dialect": "gemini", "replies": [{"text": "a"}]}"#, "dialect", #""openai" or "azure" or "ollama""#),
    (#"{"lineEnding": "lfcr", "replies": [{"text": "a"}]}"#, "lineEnding", #""lf" or "crlf" or "cr""#),
    (#"{"writeSize": 0, "replies": [{"text": "a"}]}"#, "writeSize", "from 1"),
    (#"{"replies": [{"text": "a", "reasoning": "x y", "reasoningChunks": ["x"]}]}"#, "replies[0].reasoningChunks",
     "must join"),
    (#"{"replies": [{"text": "a", "reasoningSignature": "s"}]}"#, "replies[0].reasoningSignature", "needs"),
    (#"{"replies": [{"text": "a", "responsesErrorEvent": "error"}]}"#, "replies[0].responsesErrorEvent",
     "needs \"errorAfterChunks\""),
    (#"{"replies": [{"text": "a", "extraFields": [1]}]}"#, "replies[0].extraFields", "must be an object"),
    (#"{"replies": [{"text": "a", "filterAnnotation": "middle"}]}"#, "replies[0].filterAnnotation",
     #""beforeFinish" or "afterFinish""#),
    (#"{"replies": [{"text": "a b", "reasoning": "c", "resetAfterChunks": 4}]}"#, "replies[0].resetAfterChunks",
     "only 3 reasoning and content chunks"),
    (#"{"replies": [{"text": "a", "resetAfterChunks": 1, "stallAfterChunks": 1}]}"#, "replies[0].resetAfterChunks",
     "cannot be combined"),
    (#"{"replies": [{"text": "a", "expect": {"bodyFields": {"present": ["a..b"]}}}]}"#, "replies[0].expect.bodyFields",
     "not a body path"),
    (#"{"replies": [{"text": "a", "expect": {"bodyFields": {}}}]}"#, "replies[0].expect.bodyFields", "is empty"),
    (#"{"replies": [{"text": "a", "expect": {"headers": {"present": ["bad name"]}}}]}"#, "replies[0].expect.headers",
     "not a valid HTTP header name"),
    (#"{"replies": [{"text": "a", "expect": {"headers": {"equals": {"a": 1}}}}]}"#,
     "replies[0].expect.headers.equals.a", "must be a string"),
    (#"{"replies": [{"text": "a", "expect": {"headers": {"missing": ["a"]}}}]}"#,
     "replies[0].expect.headers.missing", "unknown key"),
    (#"{"replies": [{"text": "a", "expect": {"path": "v1/messages"}}]}"#, "replies[0].expect.path",
     "must start with"),
    (#"{"replies": [{"text": "a", "expect": {"providerRules": "yes"}}]}"#, "replies[0].expect.providerRules",
     "true or false"),
  ] as [(String, String?, String)])
  func scriptErrorNamesField(json: String, field: String?, fragment: String) {
    do {
      _ = try parse(json)
      Issue.record("the script parsed, but \(field ?? "the document") is invalid")
    } catch {
      #expect(error.kind == .invalidField)
      #expect(error.field == field)
      #expect(error.message.contains(fragment))
      #expect(error.description.hasPrefix("script.json: "))
    }
  }

  @Test func scriptInvalidJSONNamesFile() {
    do {
      _ = try parse(#"{"replies": [}"#)
      Issue.record("invalid JSON parsed")
    } catch {
      #expect(error.kind == .invalidJSON)
      #expect(error.description.hasPrefix("script.json: invalid JSON"))
    }
  }

  @Test func scriptMissingFileNamesPath() {
    let path = Fixtures.temporaryFile("missing.json").path
    do {
      _ = try MockScript.load(path: path)
      Issue.record("a missing file loaded")
    } catch {
      #expect(error.kind == .unreadableFile)
      #expect(error.description.hasPrefix(path))
      #expect(error.description.contains("not found"))
    }
  }

  @Test func scriptLoadsFromFile() throws {
    let url = Fixtures.temporaryFile("script.json")
    defer { try? FileManager.default.removeItem(at: url) }
    try Data(#"{"model": "from-file", "replies": [{"text": "x"}]}"#.utf8).write(to: url)

    let script = try MockScript.load(path: url.path)

    #expect(script.model == "from-file")
  }

  @Test func protocolDocumentExampleParses() throws {
    let document = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("protocol/mock-provider.md")
    let text = try String(contentsOf: document, encoding: .utf8)
    let blocks = text.components(separatedBy: "```json\n").dropFirst().compactMap {
      $0.components(separatedBy: "\n```").first
    }
    let example = try #require(blocks.first)

    let script = try MockScript.parse(bytes: Array(example.utf8), source: "protocol/mock-provider.md")

    #expect(script.replies.count > 3)
    for (index, block) in blocks.enumerated() {
      #expect(throws: Never.self, "JSON block \(index) of protocol/mock-provider.md") {
        try MockScript.parse(bytes: Array(block.utf8), source: "protocol/mock-provider.md")
      }
    }
  }

  @Test(arguments: [
    ("Hello there!", ["Hello ", "there!"]),
    ("  lead  and trail  ", ["  lead  ", "and ", "trail  "]),
    ("line\n\nbreak", ["line\n\n", "break"]),
    ("", []),
    ("one", ["one"]),
  ])
  func chunkerSplitsWords(text: String, chunks: [String]) {
    #expect(TextChunker.words(text) == chunks)
  }

  @Test func chunkerPiecesKeepGraphemes() {
    #expect(TextChunker.pieces("a👍🏽bcd", size: 2) == ["a👍🏽", "bc", "d"])
  }
}

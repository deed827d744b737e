import Foundation
import JSONRPC
import Testing

/// Stream shapes and failures that real servers send and that have broken other clients, played by the mock
/// provider against the real binary.
@Suite(.timeLimit(.minutes(1)))
struct ProviderQuirkTests {
  /// Starts a mock serving `script` and a host with `hostArguments`, then creates a streaming session on the
  /// mock in `format`, offering the `encrypt` tool.
  private func start(
    _ format: ProviderFormat, _ fixture: Fixture, script: JSONValue, hostArguments: [String] = []
  ) async throws -> (mock: MockProviderProcess, host: HostProcess, sessionID: String) {
    let mock = try await fixture.startMockProvider(script: script)
    let host = try await fixture.startConnectedHost(arguments: hostArguments)
    let sessionID = try await host.createSession([
      "streaming": true, "model": "mock-model", "tools": [ClientTools.encrypt()],
      "provider": format.provider(port: mock.port, ["apiKey": "sk-test"]),
    ])
    return (mock, host, sessionID)
  }

  /// Runs one turn in a session on `format` whose mock plays `replies`, and returns the turn.
  private func runTurn(
    _ format: ProviderFormat, _ fixture: Fixture, replies: [JSONValue], scriptFields: JSONObject = [:],
    hostArguments: [String] = []
  ) async throws -> Turn {
    var script = format.script(replies).objectValue ?? JSONObject()
    for (key, value) in scriptFields {
      script[key] = value
    }
    let (_, host, sessionID) = try await start(format, fixture, script: .object(script), hostArguments: hostArguments)
    return try await host.runTurn(sessionID, "Hello", timeout: .seconds(10))
  }

  private func text(_ turn: Turn) -> String? {
    turn.all("assistant.message").last?.string("content")
  }

  @Test(arguments: ["beforeFinish", "afterFinish"])
  func azureAnnotationIsSkipped(_ placement: String) async throws {
    try await withFixture { fixture in
      let turn = try await runTurn(
        .azureChatDeployment, fixture, replies: [["text": "Filtered fine.", "filterAnnotation": .string(placement)]])

      #expect(turn.first("session.error") == nil, "\(turn.first("session.error")?.data ?? .null)")
      #expect(text(turn) == "Filtered fine.")
    }
  }

  @Test func azureContentFilterFailsTurn() async throws {
    try await withFixture { fixture in
      let turn = try await runTurn(
        .azureChatV1, fixture, replies: [["text": "Here is how", "finishReason": "content_filter"]])

      #expect(turn.first("session.error")?.string("errorType") == "content_filter")
      #expect(turn.types.last == "session.idle")
    }
  }

  @Test(arguments: [ProviderFormat.openAIChat, .ollama])
  func sharedIndexKeepsCallsApart(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let replies: [JSONValue] = [
        [
          "toolCalls": [ClientTools.call("call_a", input: "one"), ClientTools.call("call_b", input: "two")],
          "toolCallDelivery": "whole", "toolCallIndex": "zero",
        ],
        ["text": "Both done.", "expect": ["toolResults": [["toolCallId": "call_a"], ["toolCallId": "call_b"]]]],
      ]
      let (_, host, sessionID) = try await start(format, fixture, script: format.script(replies))

      let send = try await host.send(sessionID, "Encrypt both")
      let first = try await host.waitForEvent(sessionID, "external_tool.requested")
      try await host.answerTool(first, ["result": ClientTools.success("ONE")])
      let second = try await host.waitForEvent(sessionID, "external_tool.requested", occurrence: 2)
      try await host.answerTool(second, ["result": ClientTools.success("TWO")])
      let turn = try await host.waitForTurn(sessionID, send)

      #expect(first.data["arguments"] == ["input": "one"])
      #expect(second.data["arguments"] == ["input": "two"])
      #expect(text(turn) == "Both done.")
    }
  }

  @Test(arguments: ["crlf", "cr"])
  func lineEndingsAndSplitWrites(_ ending: String) async throws {
    try await withFixture { fixture in
      let text = "Grüße aus Köln, 東京 und 🎉 überall."
      for format in [ProviderFormat.openAIChat, .openAIResponses, .anthropic] {
        let turn = try await runTurn(
          format, fixture, replies: [["text": .string(text), "chunkSize": 4]],
          scriptFields: ["lineEnding": .string(ending), "writeSize": 3])

        #expect(turn.first("session.error") == nil, "\(format): \(turn.first("session.error")?.data ?? .null)")
        #expect(self.text(turn) == text, "\(format)")
      }
    }
  }

  @Test(arguments: [ProviderFormat.openAIChat, .openAIResponses, .anthropic])
  func connectionResetEndsTurn(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let turn = try await runTurn(format, fixture, replies: [["text": "one two three", "resetAfterChunks": 1]])
      let error = try #require(turn.first("session.error"))

      #expect(error.string("errorType") == "network", "\(error.data)")
      #expect(turn.types.last == "session.idle")
      #expect(turn.all("assistant.message").isEmpty)
    }
  }

  @Test func retryAfterMillisecondsIsHonoured() async throws {
    try await withFixture { fixture in
      let replies: [JSONValue] = [["status": 429, "headers": ["retry-after-ms": "200"]], ["text": "Soon."]]
      let turn = try await runTurn(.azureChatV1, fixture, replies: replies, hostArguments: ["--max-retry-delay", "1"])
      let retry = turn.all("session.info").first { $0.string("infoType") == "retry" }

      #expect(retry?.string("message")?.contains("in 0.2 s") == true, "\(retry?.data ?? .null)")
      #expect(text(turn) == "Soon.")
    }
  }

  @Test func shouldRetryFalseStopsRetry() async throws {
    try await withFixture { fixture in
      let replies: [JSONValue] = [["status": 503, "headers": ["x-should-retry": "false"]], ["text": "Unused."]]
      let turn = try await runTurn(.openAIChat, fixture, replies: replies, hostArguments: ["--max-retry-delay", "1"])

      #expect(turn.first("session.error")?.data["statusCode"] == 503)
      #expect(!turn.all("session.info").contains { $0.string("infoType") == "retry" })
    }
  }

  @Test func quotaIsNotRetried() async throws {
    try await withFixture { fixture in
      let body: JSONValue = [
        "error": ["message": "You exceeded your current quota.", "type": "insufficient_quota", "code": "insufficient_quota"]
      ]
      let turn = try await runTurn(
        .openAIResponses, fixture, replies: [["status": 429, "body": body], ["text": "Unused."]],
        hostArguments: ["--max-retry-delay", "1"])

      #expect(turn.first("session.error")?.string("errorType") == "quota")
      #expect(!turn.all("session.info").contains { $0.string("infoType") == "retry" })
    }
  }

  @Test func anthropicOverloadIsRetried() async throws {
    try await withFixture { fixture in
      let turn = try await runTurn(
        .anthropic, fixture, replies: [["status": 529], ["text": "Back."]], hostArguments: ["--max-retry-delay", "1"])

      #expect(turn.all("session.info").first { $0.string("infoType") == "retry" }?.data["statusCode"] == 529)
      #expect(text(turn) == "Back.")
    }
  }

  @Test func responsesErrorEventEndsTurn() async throws {
    try await withFixture { fixture in
      let reply: JSONValue = [
        "text": "Partial", "errorAfterChunks": 1, "responsesErrorEvent": "error",
        "error": ["code": "rate_limit_exceeded", "message": "Too many tokens."],
      ]
      let turn = try await runTurn(.azureResponsesV1, fixture, replies: [reply])
      let error = try #require(turn.first("session.error"))

      #expect(error.string("errorType") == "rate_limit")
      #expect(error.string("message")?.contains("Too many tokens.") == true)
    }
  }

  /// A call cut off by the output limit must not run: Responses ends it with `response.incomplete`, Anthropic
  /// with `stop_reason: max_tokens` and no `content_block_stop`, and Chat Completions with
  /// `finish_reason: "length"`.
  @Test(arguments: [ProviderFormat.openAIChat, .openAIResponses, .anthropic])
  func truncatedCallDoesNotRun(_ format: ProviderFormat) async throws {
    try await expectCutOffCallNotRun(format)
  }

  @Test(arguments: [ProviderFormat.openAIResponses, .anthropic])
  func droppedStreamCallDoesNotRun(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      // Three chunks finish the first call's item or block and start the second, then the stream ends before
      // its terminal event.
      let reply: JSONValue = [
        "toolCalls": [ClientTools.call("call_1"), ClientTools.call("call_2")], "truncateAfterChunks": 3,
      ]
      let (mock, host, sessionID) = try await start(format, fixture, script: format.script([reply]))

      let turn = try await host.runTurn(sessionID, "Encrypt")

      #expect(turn.first("session.error")?.string("errorType") == "network")
      #expect(turn.first("external_tool.requested") == nil)
      #expect(mock.requests.count == 1)
    }
  }

  @Test func anthropicToolWithoutInput() async throws {
    try await withFixture { fixture in
      let replies: [JSONValue] = [
        ["toolCalls": [["id": "toolu_now", "name": "encrypt"]], "toolCallDelivery": "whole"],
        ["text": "Done.", "expect": ["toolResults": [["toolCallId": "toolu_now"]]]],
      ]
      let (_, host, sessionID) = try await start(.anthropic, fixture, script: ProviderFormat.anthropic.script(replies))

      let send = try await host.send(sessionID, "Call it")
      let request = try await host.waitForEvent(sessionID, "external_tool.requested")
      try await host.answerTool(request, ["result": ClientTools.success("ok")])
      let turn = try await host.waitForTurn(sessionID, send)

      #expect(request.data["arguments"] == [:])
      #expect(text(turn) == "Done.")
    }
  }

  /// Checks that a call cut off by the output limit in `format` never runs and the turn ends.
  private func expectCutOffCallNotRun(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let reply: JSONValue = [
        "toolCalls": [ClientTools.call("call_cut", input: "Hello")], "finishReason": "length",
      ]
      let (mock, host, sessionID) = try await start(format, fixture, script: format.script([reply, ["text": "Unused."]]))

      let send = try await host.send(sessionID, "Encrypt Hello")
      // Whichever comes first: the end of the turn, or a request to run the cut-off call.
      let outcome = await Polling.value(within: HostProcess.defaultTimeout) { () -> ObservedEvent? in
        host.turnEvents(sessionID, messageID: send.messageID).first {
          $0.type == "session.idle" || $0.type == "external_tool.requested"
        }
      }
      if let toolRequest = outcome, toolRequest.type == "external_tool.requested" {
        try await host.answerTool(toolRequest, ["result": ClientTools.success("HELLO")])
      }
      let turn = try await host.waitForTurn(sessionID, send)

      #expect(outcome != nil)
      #expect(turn.first("external_tool.requested") == nil, "the host ran a call cut off by the output limit")
      #expect(turn.first("tool.execution_start") == nil, "events: \(turn.types)")
      #expect(mock.requests.count == 1)
      #expect(turn.types.last == "session.idle")
    }
  }
}

import Foundation
import JSONRPC
import Testing

/// Every provider type and wire API through the real binary, against the mock provider speaking the same
/// format: turns, tools, reasoning, images, failures and retries, with the requests checked on the mock's side.
@Suite(.timeLimit(.minutes(1)))
struct ProviderFormatTests {
  static let apiKey = "sk-format-test"
  static let model = "mock-model"
  /// A 1×1 PNG.
  static let pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

  /// Starts a mock serving `replies` in the format's shape and a connected host with `hostArguments`, then
  /// creates a streaming session on the mock with `providerFields` (an API key by default) and `params`.
  private func start(
    _ format: ProviderFormat, _ fixture: Fixture, replies: [JSONValue],
    providerFields: JSONObject = ["apiKey": .string(apiKey)], params: JSONObject = [:], hostArguments: [String] = []
  ) async throws -> (mock: MockProviderProcess, host: HostProcess, sessionID: String) {
    let mock = try await fixture.startMockProvider(script: format.script(replies))
    let host = try await fixture.startConnectedHost(arguments: hostArguments)
    var session: JSONObject = [
      "streaming": true, "model": .string(Self.model), "provider": format.provider(port: mock.port, providerFields),
    ]
    for (key, value) in params {
      session[key] = value
    }
    let sessionID = try await host.createSession(session)
    return (mock, host, sessionID)
  }

  /// Returns the texts of the turn's events of `type` from `member`, joined.
  private func joined(_ turn: Turn, _ type: String, _ member: String = "deltaContent") -> String {
    turn.all(type).compactMap { $0.string(member) }.joined()
  }

  // MARK: - Turns

  @Test(arguments: ProviderFormat.allCases)
  func streamedText(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let header = format.apiKeyHeader(Self.apiKey)
      let reply: JSONValue = [
        "chunks": ["Hello", " there", "!"], "usage": ["prompt_tokens": 11, "completion_tokens": 3],
        "expect": [
          "path": .string(format.expectedPath(model: Self.model)), "query": .string(format.expectedQuery),
          "headers": ["equals": [header.name: .string(header.value)]],
        ],
      ]
      let (mock, host, sessionID) = try await start(format, fixture, replies: [reply])

      let turn = try await host.runTurn(sessionID, "Say hello")
      let request = try #require(try await mock.waitForRequests(1).first)
      let usage = turn.first("assistant.usage")

      #expect(turn.first("session.error") == nil, "\(turn.first("session.error")?.data ?? .null)")
      #expect(turn.all("assistant.message_delta").compactMap { $0.string("deltaContent") } == ["Hello", " there", "!"])
      #expect(turn.first("assistant.message")?.string("content") == "Hello there!")
      #expect(usage?.data["inputTokens"] == 11)
      #expect(usage?.data["outputTokens"] == 3)
      #expect(turn.types.last == "session.idle")
      #expect(request.method == "POST")
      #expect(request.pathWithoutQuery == format.expectedPath(model: Self.model))
      #expect(request.query == format.expectedQuery)
      #expect(request.header(header.name) == header.value)
      #expect(request.field("model") == .string(Self.model))
      #expect(request.field("stream") == true)
    }
  }

  @Test(arguments: ProviderFormat.allCases)
  func requestFieldsFollowSettings(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let wireModel = "wire-deployment-1"
      let fields: JSONObject = [
        "apiKey": .string(Self.apiKey), "wireModel": .string(wireModel), "maxOutputTokens": 2048,
        "headers": ["X-Team": "blue"],
      ]
      let replies: [JSONValue] = [["text": "Plain."], ["text": "Thoughtful."]]
      let (mock, host, plainID) = try await start(format, fixture, replies: replies, providerFields: fields)
      let reasoningID = try await host.createSession([
        "streaming": true, "model": .string(Self.model), "reasoningEffort": "low",
        "provider": format.provider(port: mock.port, fields),
      ])

      _ = try await host.runTurn(plainID, "First")
      _ = try await host.runTurn(reasoningID, "Second")
      let requests = try await mock.waitForRequests(2)
      let plain = requests[0]
      let reasoning = requests[1]

      #expect(plain.field("model") == .string(wireModel))
      #expect(plain.pathWithoutQuery == format.expectedPath(model: wireModel))
      #expect(plain.header("X-Team") == "blue")
      #expect(plain.field(format.maxTokensField) == 2048)
      #expect(plain.field(format.reasoningField) == nil)
      #expect(plain.field("include") == nil)
      #expect(reasoning.field(format.maxTokensField) == 2048)
      switch format.wire {
      case .chatCompletions:
        #expect(plain.field("max_tokens") == nil)
        #expect(plain.field("stream_options.include_usage") == true)
        #expect(reasoning.field("reasoning_effort") == "low")
      case .responses:
        #expect(plain.field("store") == false)
        #expect(plain.field("max_tokens") == nil)
        #expect(reasoning.field("reasoning") == ["effort": "low", "summary": "auto"])
        #expect(reasoning.field("include") == ["reasoning.encrypted_content"])
      case .anthropicMessages:
        #expect(plain.header("anthropic-version") == "2023-06-01")
        #expect(reasoning.field("thinking") == ["type": "enabled", "budget_tokens": 1024])
      }
    }
  }

  @Test(arguments: ProviderFormat.allCases)
  func toolResultInFollowUp(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let replies: [JSONValue] = [
        // Ollama sends each call whole, so only the other formats split the arguments.
        ClientTools.callReply([ClientTools.call("call_7")], format == .ollama ? [:] : ["argumentChunks": 3]),
        [
          "text": "The encrypted text is HI.",
          "expect": ["toolResults": [["toolCallId": "call_7", "content": "HI"]], "providerRules": true],
        ],
      ]
      let (mock, host, sessionID) = try await start(
        format, fixture, replies: replies, params: ["tools": [ClientTools.encrypt()]])

      let send = try await host.send(sessionID, "Encrypt Hi")
      let toolRequest = try await host.waitForEvent(sessionID, "external_tool.requested")
      try await host.answerTool(toolRequest, ["result": ClientTools.success("HI")])
      let turn = try await host.waitForTurn(sessionID, send)
      let requests = try await mock.waitForRequests(2)
      let followUp = requests[1]
      let results = followUp.toolResults(format.wire)

      #expect(turn.first("session.error") == nil, "\(turn.first("session.error")?.data ?? .null)")
      #expect(toolRequest.string("toolCallId") == "call_7")
      #expect(toolRequest.data["arguments"] == ["input": "Hi"])
      #expect(turn.all("assistant.message").last?.string("content") == "The encrypted text is HI.")
      #expect(results.map(\.callID) == ["call_7"])
      #expect(results.map(\.text) == ["HI"])
      switch format.wire {
      case .chatCompletions:
        #expect(followUp.field("messages[-1].role") == "tool")
        #expect(followUp.field("messages[-1].tool_call_id") == "call_7")
        #expect(followUp.field("messages[-2].tool_calls[0].id") == "call_7")
        #expect(followUp.field("messages[-2].tool_calls[0].function.arguments") == #"{"input":"Hi"}"#)
      case .responses:
        #expect(followUp.field("input[-1].type") == "function_call_output")
        #expect(followUp.field("input[-1].call_id") == "call_7")
        #expect(followUp.field("input[-2].type") == "function_call")
        #expect(followUp.field("input[-2].call_id") == "call_7")
      case .anthropicMessages:
        #expect(followUp.field("messages[-1].role") == "user")
        #expect(followUp.field("messages[-1].content[0].type") == "tool_result")
        #expect(followUp.field("messages[-1].content[0].tool_use_id") == "call_7")
        #expect(followUp.field("messages[-2].content[0].type") == "tool_use")
        #expect(followUp.field("messages[-2].content[0].input") == ["input": "Hi"])
      }
    }
  }

  @Test(arguments: ProviderFormat.allCases)
  func reasoningStreamsAndReturns(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let signature = "opaque-signature-\(format.rawValue)"
      let thinking = "The user wants it encrypted."
      var answer: JSONObject = ["text": "It is HI."]
      switch format.wire {
      case .responses:
        let item: JSONValue = [
          "id": "rs_mock_1_0", "type": "reasoning", "summary": [["type": "summary_text", "text": .string(thinking)]],
          "encrypted_content": .string(signature),
        ]
        answer["expect"] = ["bodyFields": ["equals": ["input[1]": item]]]
      case .anthropicMessages:
        let block: JSONValue = ["type": "thinking", "thinking": .string(thinking), "signature": .string(signature)]
        answer["expect"] = ["bodyFields": ["equals": ["messages[1].content[0]": block]], "providerRules": true]
      case .chatCompletions:
        break
      }
      let replies: [JSONValue] = [
        [
          "reasoning": .string(thinking), "reasoningSignature": .string(signature),
          "toolCalls": [ClientTools.call("call_1")],
        ],
        .object(answer),
      ]
      let (mock, host, sessionID) = try await start(
        format, fixture, replies: replies, params: ["tools": [ClientTools.encrypt()], "reasoningEffort": "low"])

      let send = try await host.send(sessionID, "Encrypt Hi")
      let toolRequest = try await host.waitForEvent(sessionID, "external_tool.requested")
      try await host.answerTool(toolRequest, ["result": ClientTools.success("HI")])
      let turn = try await host.waitForTurn(sessionID, send)
      let requests = try await mock.waitForRequests(2)
      let reasoning = try #require(turn.first("assistant.reasoning"))
      let deltas = turn.all("assistant.reasoning_delta")

      #expect(turn.first("session.error") == nil, "\(turn.first("session.error")?.data ?? .null)")
      #expect(joined(turn, "assistant.reasoning_delta") == thinking)
      #expect(reasoning.string("content") == thinking)
      #expect(deltas.allSatisfy { $0.string("reasoningId") == reasoning.string("reasoningId") })
      #expect(turn.all("assistant.message").last?.string("content") == "It is HI.")
      #expect(requests.count == 2)
    }
  }

  @Test(arguments: ProviderFormat.allCases)
  func imagesReachRequest(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let imagePath = fixture.directory + "/pixel.png"
      try #require(FileManager.default.createFile(atPath: imagePath, contents: Data(base64Encoded: Self.pixel)))
      let (mock, host, sessionID) = try await start(format, fixture, replies: [["text": "A white pixel."]])

      let response = try await host.request(
        "session.send",
        [
          "sessionId": .string(sessionID), "prompt": "What is in these images?",
          "attachments": [
            ["type": "blob", "data": .string(Self.pixel), "mimeType": "image/png"],
            ["type": "file", "path": .string(imagePath)],
          ],
        ])
      let messageID = try #require(response.result?["messageId"]?.stringValue)
      let events = try await host.waitForTurnEnd(sessionID, messageID: messageID)
      let request = try #require(try await mock.waitForRequests(1).first)
      let images = request.images(format.wire)

      #expect(!events.contains { $0.type == "session.error" })
      #expect(images.count == 2)
      #expect(images.map(\.mimeType) == ["image/png", "image/png"])
      #expect(images.map(\.data) == [Self.pixel, Self.pixel])
      #expect(request.texts(format.wire).contains("What is in these images?"))
    }
  }

  // MARK: - Failures and retries

  @Test(arguments: ProviderFormat.allCases)
  func midStreamErrorEndsTurn(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let reply: JSONValue = [
        "chunks": ["The answer", " is"], "errorAfterChunks": 1,
        "error": ["message": "The model fell over.", "type": "server_error"],
      ]
      let (_, host, sessionID) = try await start(format, fixture, replies: [reply])

      let turn = try await host.runTurn(sessionID, "Tell me")
      let error = try #require(turn.first("session.error"))
      let errorIndex = try #require(turn.index(of: "session.error"))
      let message = error.string("message") ?? ""

      #expect(turn.types.last == "session.idle")
      #expect(errorIndex < turn.events.count - 1)
      #expect(error.string("originatingMessageId") == turn.messageID)
      #expect(turn.all("assistant.message").isEmpty)
      if format == .ollama {
        // Ollama drops the error and closes the connection, so the host gets a cut-off stream.
        #expect(error.string("errorType") == "network", "\(message)")
      } else {
        #expect(message.contains("The model fell over."), "\(message)")
      }
    }
  }

  @Test(arguments: ProviderFormat.allCases)
  func rateLimitRetriesAfterDelay(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let replies: [JSONValue] = [["status": 429, "headers": ["retry-after": "1"]], ["text": "Recovered."]]
      let (mock, host, sessionID) = try await start(
        format, fixture, replies: replies, hostArguments: ["--max-retry-delay", "1"])

      let clock = ContinuousClock()
      let started = clock.now
      let turn = try await host.runTurn(sessionID, "Hello", timeout: .seconds(10))
      let elapsed = clock.now - started
      let retries = turn.all("session.info").filter { $0.string("infoType") == "retry" }

      #expect(retries.count == 1)
      #expect(retries.first?.data["statusCode"] == 429)
      #expect(retries.first?.string("message")?.contains("in 1.0 s") == true, "\(retries.first?.data ?? .null)")
      #expect(turn.first("assistant.message")?.string("content") == "Recovered.")
      #expect(turn.first("session.error") == nil)
      #expect(elapsed >= .milliseconds(900))
      #expect(try await mock.waitForRequests(2).count == 2)
    }
  }

  @Test(arguments: ProviderFormat.allCases)
  func serverErrorsRetryTwice(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let replies: [JSONValue] = [["status": 500], ["status": 500], ["text": "Third time lucky."]]
      let (mock, host, sessionID) = try await start(
        format, fixture, replies: replies, hostArguments: ["--max-retry-delay", "1"])

      let turn = try await host.runTurn(sessionID, "Hello", timeout: .seconds(10))
      let retries = turn.all("session.info").filter { $0.string("infoType") == "retry" }

      #expect(retries.compactMap { $0.data["statusCode"]?.intValue } == [500, 500])
      #expect(retries.last?.string("message")?.contains("retry 2 of") == true, "\(retries.last?.data ?? .null)")
      #expect(turn.first("assistant.message")?.string("content") == "Third time lucky.")
      #expect(turn.first("session.error") == nil)
      #expect(try await mock.waitForRequests(3).count == 3)
    }
  }

  @Test(arguments: ProviderFormat.allCases)
  func bearerTokenRefreshAfter401(_ format: ProviderFormat) async throws {
    try await withFixture { fixture in
      let replies: [JSONValue] = [
        ["status": 401, "expect": ["headers": ["equals": ["Authorization": "Bearer token-1"]]]],
        ["text": "Authorized.", "expect": ["headers": ["equals": ["Authorization": "Bearer token-2"]]]],
      ]
      let fields: JSONObject = ["apiKey": .string(Self.apiKey), "hasBearerTokenProvider": true]
      let (mock, host, sessionID) = try await start(format, fixture, replies: replies, providerFields: fields)
      let tokens = ServerRequestHandler(host: host, method: "providerToken.getToken") { _, number in
        ["token": .string("token-\(number)")]
      }
      defer { tokens.stop() }

      let turn = try await host.runTurn(sessionID, "Hello")
      let requests = try await mock.waitForRequests(2)
      let keyHeader = format.apiKeyHeader(Self.apiKey).name

      #expect(turn.first("session.error") == nil, "\(turn.first("session.error")?.data ?? .null)")
      #expect(turn.first("assistant.message")?.string("content") == "Authorized.")
      #expect(tokens.requests.count == 2)
      #expect(tokens.requests.allSatisfy { $0 == ["sessionId": .string(sessionID), "providerName": "default"] })
      #expect(requests.count == 2)
      #expect(requests.map { $0.header("Authorization") } == ["Bearer token-1", "Bearer token-2"])
      #expect(keyHeader == "Authorization" || requests.allSatisfy { $0.header(keyHeader) == nil })
    }
  }
}

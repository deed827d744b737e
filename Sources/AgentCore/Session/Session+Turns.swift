import BYOKLogging
import JSONRPC

extension Session {
  // MARK: - Sending

  /// Queues a message and returns its id at once; the turn runs in the background after any running one.
  ///
  /// With `startImmediately` false the turn waits for `startQueuedTurn()`, which lets the caller send its
  /// reply before the turn's first event.
  public func send(_ pending: PendingSend, startImmediately: Bool = true) -> String {
    queue.append(pending)
    if summary == nil {
      summary = String(pending.prompt.prefix(120))
    }
    // A send that waits behind another (running, or admitted and about to start) changes the queue.
    if runningTurn != nil || queue.count > 1 {
      emit(EventType.pendingMessagesModified, JSONObject())
    }
    if runningTurn == nil && startImmediately {
      startNextTurn()
    }
    return pending.messageID
  }

  /// Starts the next queued send unless a turn is already running.
  public func startQueuedTurn() {
    guard runningTurn == nil else { return }
    startNextTurn()
  }

  private func startNextTurn() {
    guard !queue.isEmpty else {
      runningTurn = nil
      return
    }
    let next = queue.removeFirst()
    abortRequested = false
    persistenceFailureReported = false
    // The user message is emitted before the turn's task starts, so a send that arrives next is queued
    // behind a turn that has visibly begun.
    beginSend(next)
    runningTurn = Task { [self] in
      await runSend(next)
      finishTurn()
    }
  }

  private func finishTurn() {
    runningTurn = nil
    try? writeMetadata()
    startNextTurn()
  }

  /// Cancels the running turn; queued sends still run after it, each ending with its own `session.idle`.
  /// Does nothing when the session is idle.
  public func abort() {
    guard let runningTurn else { return }
    abortRequested = true
    runningTurn.cancel()
  }

  /// Drops the queued sends and aborts the running turn, then waits until it has emitted its last event.
  ///
  /// A dropped send never started, so it emitted nothing; its client is going away (detach, delete or
  /// shutdown).
  public func stop() async {
    queue.removeAll()
    abort()
    while let runningTurn {
      await runningTurn.value
    }
  }

  // MARK: - One send

  private func beginSend(_ pending: PendingSend) {
    var userData = JSONObject()
    userData["content"] = .string(pending.prompt)
    userData["messageId"] = .string(pending.messageID)
    userData["source"] = "user"
    if let agentMode = pending.agentMode { userData["agentMode"] = .string(agentMode) }
    if !pending.attachments.isEmpty { userData["attachments"] = .array(pending.attachments) }
    emit(EventType.userMessage, userData)
    emit(EventType.pendingMessagesModified, JSONObject())
    conversation.append(ConversationMessage(role: .user, text: pending.prompt, images: pending.images))
  }

  private func runSend(_ pending: PendingSend) async {
    var modelCalls = 0
    var turnID: String?
    var output = TurnOutput(assistantMessageID: SessionEvent.makeID())
    do {
      while true {
        guard modelCalls < environment.limits.maxModelCallsPerSend else {
          throw ProviderError(
            kind: .configuration,
            message: "Stopped after \(modelCalls) model calls for one message, the limit per send. "
              + "The model kept calling tools; send a new message to continue, or raise --max-model-calls.")
        }
        modelCalls += 1
        let currentTurn = startModelTurn()
        turnID = currentTurn
        output = TurnOutput(assistantMessageID: SessionEvent.makeID())
        try await callModel(pending: pending, turnID: currentTurn, output: &output)
        finishAnswer(output, pending: pending, turnID: currentTurn)
        var endsLoop = output.toolCalls.isEmpty
        if !endsLoop {
          endsLoop = try await runToolCalls(output.toolCalls, turnID: currentTurn)
        }
        emit(EventType.turnEnd, ["turnId": .string(currentTurn)])
        turnID = nil
        if endsLoop { break }
      }
      emit(EventType.sessionIdle, JSONObject())
    } catch let error where abortRequested || error is CancellationError {
      finishAborted(output, pending: pending, turnID: turnID)
    } catch {
      let providerError =
        (error as? ProviderError)
        ?? ProviderError(kind: .server, message: "The model call failed: \(error)")
      logger.warning(
        "Turn failed",
        ["session": id, "message": pending.messageID, "errorType": providerError.kind.rawValue,
         "status": providerError.statusCode.map(String.init) ?? "none"])
      var errorData = JSONObject()
      errorData["errorType"] = .string(providerError.kind.rawValue)
      errorData["message"] = .string(providerError.message)
      if let status = providerError.statusCode { errorData["statusCode"] = .int(Int64(status)) }
      errorData["originatingMessageId"] = .string(pending.messageID)
      emit(EventType.sessionError, errorData)
      if !output.text.isEmpty && output.toolCalls.isEmpty {
        // Keep what the model already said, so the next send has the whole conversation.
        conversation.append(ConversationMessage(role: .assistant, text: output.text))
      }
      if let turnID { emit(EventType.turnEnd, ["turnId": .string(turnID)]) }
      emit(EventType.sessionIdle, JSONObject())
    }
  }

  /// Emits `assistant.turn_start` for the next model call and returns its turn id.
  private func startModelTurn() -> String {
    let turnID = String(turnCount)
    turnCount += 1
    var startData = JSONObject()
    startData["turnId"] = .string(turnID)
    if let model = configuration.displayModel { startData["model"] = .string(model) }
    emit(EventType.turnStart, startData)
    return turnID
  }

  /// Tells the client that the model call is being retried, as a persisted `session.info` event.
  func reportRetry(_ notice: RetryNotice) {
    let tenths = Int((notice.delay / .milliseconds(100)).rounded())
    let delay = "\(tenths / 10).\(tenths % 10) s"
    var data: JSONObject = [
      "infoType": "retry",
      "message": .string(
        "Retrying the model request in \(delay) (retry \(notice.attempt) of \(notice.maximumAttempts)): "
          + notice.reason),
    ]
    if let status = notice.statusCode { data["statusCode"] = .int(Int64(status)) }
    emit("session.info", data)
  }

  /// The output of one model call.
  struct TurnOutput {
    var assistantMessageID: String
    var text = ""
    var messageStarted = false
    var inputTokens: Int?
    var outputTokens: Int?
    var finishReason: String?
    var startedAt = Timestamp.monotonicMilliseconds()
    var firstTokenAt: Int64?
    var toolCalls: [ToolCall] = []
    var reasoningID = SessionEvent.makeID()
    var reasoningText = ""
    var reasoningItems: [JSONValue] = []
  }

  private func callModel(pending: PendingSend, turnID: String, output: inout TurnOutput) async throws {
    guard let providerConfiguration = configuration.provider else {
      throw ProviderError(
        kind: .configuration,
        message: "This session has no model provider. Pass 'provider' in session.create, or supply it again "
          + "in session.resume: credentials are never stored, so a resumed session needs them again.")
    }
    guard let model = configuration.wireModel else {
      throw ProviderError(
        kind: .configuration,
        message: "No model is set for this session. Pass 'model' in session.create or session.resume, "
          + "or set provider.modelId or provider.wireModel.")
    }
    let context = ProviderContext(
      sessionID: id,
      fetchBearerToken: tokenSource,
      reportRetry: { [weak self] notice in await self?.reportRetry(notice) })
    let provider = try environment.providerFactory.makeProvider(for: providerConfiguration, context: context)
    var userAgent = "byok-host/\(environment.hostVersion)"
    if let clientName = configuration.clientName { userAgent += " \(clientName)" }
    let request = ModelRequest(
      model: model,
      systemPrompt: configuration.systemPrompt,
      messages: conversation,
      tools: configuration.offeredTools,
      reasoningEffort: configuration.reasoningEffort,
      reasoningSummary: configuration.reasoningSummary,
      maxOutputTokens: providerConfiguration.maxOutputTokens,
      extraHeaders: pending.requestHeaders,
      userAgent: userAgent
    )
    output.startedAt = Timestamp.monotonicMilliseconds()
    logger.debug("Model call started", ["session": id, "message": pending.messageID, "turn": turnID, "model": model])
    var finished = false
    for try await event in provider.stream(request) {
      try Task.checkCancellation()
      switch event {
      case .textDelta(let delta):
        guard !delta.isEmpty else { continue }
        if output.firstTokenAt == nil { output.firstTokenAt = Timestamp.monotonicMilliseconds() }
        output.text += delta
        if configuration.streaming {
          if !output.messageStarted {
            output.messageStarted = true
            emit(EventType.messageStart, ["messageId": .string(output.assistantMessageID)])
          }
          emit(
            EventType.messageDelta,
            ["messageId": .string(output.assistantMessageID), "deltaContent": .string(delta)])
          await flowControl?()
        }
      case .reasoningDelta(let delta):
        guard !delta.isEmpty else { continue }
        output.reasoningText += delta
        if configuration.streaming {
          emit(
            EventType.reasoningDelta,
            ["reasoningId": .string(output.reasoningID), "deltaContent": .string(delta)])
        }
      case .reasoningItem(let item):
        output.reasoningItems.append(item)
      case .toolCall(let call):
        output.toolCalls.append(call)
      case .usage(let input, let outputTokens):
        if let input { output.inputTokens = input }
        if let outputTokens { output.outputTokens = outputTokens }
      case .finished(let reason):
        output.finishReason = reason
        finished = true
      }
    }
    try Task.checkCancellation()
    guard finished else {
      throw ProviderError(
        kind: .network,
        message: "The provider's stream ended before the answer was complete (no finish marker). "
          + "The connection may have dropped; send the message again.")
    }
    logger.debug(
      "Model call finished",
      ["session": id, "message": pending.messageID, "turn": turnID, "finishReason": output.finishReason ?? "none"])
  }

  private func finishAnswer(_ output: TurnOutput, pending: PendingSend, turnID: String) {
    if !output.reasoningText.isEmpty {
      emit(EventType.reasoning, ["reasoningId": .string(output.reasoningID), "content": .string(output.reasoningText)])
    }
    var messageData = JSONObject()
    messageData["messageId"] = .string(output.assistantMessageID)
    messageData["content"] = .string(output.text)
    if !output.toolCalls.isEmpty {
      messageData["toolRequests"] = .array(
        output.toolCalls.map { call in
          let arguments: JSONValue
          if case .success(let object) = ToolArguments.parse(call.arguments) {
            arguments = .object(object)
          } else {
            arguments = [:]
          }
          return [
            "toolCallId": .string(call.id), "name": .string(call.name), "arguments": arguments, "type": "function",
          ]
        })
    }
    messageData["originatingMessageId"] = .string(pending.messageID)
    messageData["turnId"] = .string(turnID)
    if let model = configuration.displayModel { messageData["model"] = .string(model) }
    if let outputTokens = output.outputTokens { messageData["outputTokens"] = .int(Int64(outputTokens)) }
    if !output.reasoningText.isEmpty { messageData["reasoningText"] = .string(output.reasoningText) }
    if !output.reasoningItems.isEmpty {
      // A string, as the SDKs' event schema types it. It contains the items as a JSON array for resume.
      messageData["reasoningOpaque"] = .string(JSONValue.array(output.reasoningItems).serializedString())
    }
    emit(EventType.assistantMessage, messageData)
    conversation.append(
      ConversationMessage(
        role: .assistant, text: output.text, toolCalls: output.toolCalls, reasoningItems: output.reasoningItems))

    let now = Timestamp.monotonicMilliseconds()
    var usage = JSONObject()
    usage["model"] = .string(configuration.displayModel ?? configuration.wireModel ?? "unknown")
    if let input = output.inputTokens { usage["inputTokens"] = .int(Int64(input)) }
    if let outputTokens = output.outputTokens { usage["outputTokens"] = .int(Int64(outputTokens)) }
    usage["duration"] = .int(now - output.startedAt)
    if let first = output.firstTokenAt { usage["timeToFirstTokenMs"] = .int(first - output.startedAt) }
    if let reason = output.finishReason { usage["finishReason"] = .string(reason) }
    usage["isByok"] = true
    if let provider = configuration.provider { usage["providerType"] = .string(provider.kind.rawValue) }
    emit(EventType.usage, usage)

    var info = JSONObject()
    info["tokenLimit"] = .int(Int64(configuration.provider?.maxPromptTokens ?? 128_000))
    info["currentTokens"] = .int(Int64(max(1, (output.inputTokens ?? 0) + (output.outputTokens ?? 0))))
    info["messagesLength"] = .int(Int64(conversation.count))
    emit(EventType.sessionUsageInfo, info)
  }

  private func finishAborted(_ output: TurnOutput, pending: PendingSend, turnID: String?) {
    logger.debug("Turn aborted", ["session": id, "message": pending.messageID, "turn": turnID ?? "none"])
    for pendingRequest in pendingClientRequests.values {
      pendingRequest.continuation.resume(throwing: CancellationError())
    }
    pendingClientRequests.removeAll()
    emit(EventType.abort, ["reason": "user_initiated"])
    for (requestID, toolCallID) in openPermissionRequests.sorted(by: { $0.key < $1.key }) {
      emit(
        "permission.completed",
        ["requestId": .string(requestID), "toolCallId": .string(toolCallID),
         "result": ["kind": "cancelled", "reason": "The turn was aborted."]])
    }
    openPermissionRequests.removeAll()
    if !activeToolCalls.isEmpty {
      interruptActiveToolCalls(turnID: turnID, calls: output.toolCalls)
    } else if !output.text.isEmpty && output.toolCalls.isEmpty && !conversationEndsWithAnswer(output) {
      // The partial answer stays in the history, so the next send continues the same conversation.
      var messageData = JSONObject()
      messageData["messageId"] = .string(output.assistantMessageID)
      messageData["content"] = .string(output.text)
      messageData["originatingMessageId"] = .string(pending.messageID)
      if let turnID { messageData["turnId"] = .string(turnID) }
      emit(EventType.assistantMessage, messageData)
      conversation.append(ConversationMessage(role: .assistant, text: output.text))
    }
    if let turnID { emit(EventType.turnEnd, ["turnId": .string(turnID)]) }
    emit(EventType.sessionIdle, ["aborted": true])
  }

  /// Whether `assistant.message` for this call was already emitted, so an abort must not repeat it.
  private func conversationEndsWithAnswer(_ output: TurnOutput) -> Bool {
    conversation.last?.role == .assistant && conversation.last?.text == output.text
  }
}

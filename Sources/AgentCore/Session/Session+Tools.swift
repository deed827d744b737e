import BYOKLogging
import JSONRPC

extension Session {
  /// The text the model reads for a tool call that an abort or a restart cut short.
  static let interruptedToolText = "The execution of this tool, or a previous tool was interrupted."

  // MARK: - Running a round of tool calls

  /// Runs the model's tool calls concurrently and appends their results to the conversation in call order;
  /// returns whether the loop must end.
  func runToolCalls(_ calls: [ToolCall], turnID: String) async throws -> Bool {
    for call in calls {
      activeToolCalls[call.id] = ActiveToolCall(toolCallID: call.id, toolName: call.name)
    }
    let outcomes = await withTaskGroup(of: (Int, ToolOutcome?).self) { group in
      for (index, call) in calls.enumerated() {
        group.addTask { (index, await self.runToolCall(call, turnID: turnID)) }
      }
      var outcomes = [ToolOutcome?](repeating: nil, count: calls.count)
      for await (index, outcome) in group {
        outcomes[index] = outcome
      }
      return outcomes
    }
    if Task.isCancelled || abortRequested {
      // Results of the calls that did finish are kept; `finishAborted` closes out the others.
      appendToolResults(calls, outcomes)
      throw CancellationError()
    }
    appendToolResults(calls, outcomes)
    activeToolCalls.removeAll()
    return outcomes.contains { $0?.endsLoop == true }
  }

  /// Appends one tool message per call, in call order; a call without an outcome reads as interrupted.
  private func appendToolResults(_ calls: [ToolCall], _ outcomes: [ToolOutcome?]) {
    for (call, outcome) in zip(calls, outcomes) {
      guard let outcome else { continue }
      activeToolCalls[call.id] = nil
      conversation.append(
        ConversationMessage(role: .tool, text: outcome.text, images: outcome.images, toolCallID: call.id))
    }
  }

  /// Runs one call: checks the tool and its arguments, asks for permission, asks the client to run it.
  /// Returns `nil` when an abort interrupted it.
  private func runToolCall(_ call: ToolCall, turnID: String) async -> ToolOutcome? {
    let offered = configuration.offeredTools
    guard let tool = offered.first(where: { $0.name == call.name }) else {
      var text = "Tool '\(call.name)' does not exist."
      if !offered.isEmpty {
        text += " Available tools that can be called are \(offered.map(\.name).joined(separator: ", "))."
      }
      return completeWithoutRunning(call, turnID: turnID, arguments: [:], text: text, code: "failure")
    }
    let arguments: JSONObject
    switch ToolArguments.parse(call.arguments) {
    case .success(let object):
      arguments = object
    case .failure(let message):
      let text = "Invalid arguments for tool '\(call.name)': \(message). Call the tool again with a JSON object."
      return completeWithoutRunning(call, turnID: turnID, arguments: [:], text: text, code: "failure")
    }

    if configuration.requestPermission && !tool.skipPermission {
      do {
        if let denial = try await requestPermission(for: call, tool: tool, arguments: arguments) {
          return completeWithoutRunning(call, turnID: turnID, arguments: arguments, text: denial, code: "denied")
        }
      } catch {
        return nil
      }
    }
    do {
      return try await runClientTool(call, tool: tool, arguments: arguments, turnID: turnID)
    } catch {
      return nil
    }
  }

  private func completeWithoutRunning(
    _ call: ToolCall, turnID: String, arguments: JSONObject, text: String, code: String
  ) -> ToolOutcome {
    logger.debug("Tool call not run", ["session": id, "toolCall": call.id, "tool": call.name, "code": code])
    emit(
      "tool.execution_start",
      ["toolCallId": .string(call.id), "toolName": .string(call.name), "arguments": .object(arguments),
       "turnId": .string(turnID)])
    emitToolComplete(call.id, turnID: turnID, success: false, text: text, code: code)
    return ToolOutcome(text: text)
  }

  func emitToolComplete(_ toolCallID: String, turnID: String?, success: Bool, text: String, code: String?) {
    var data: JSONObject = ["toolCallId": .string(toolCallID), "success": .bool(success)]
    if success {
      data["result"] = ["content": .string(text)]
    } else {
      var error: JSONObject = ["message": .string(text)]
      if let code { error["code"] = .string(code) }
      data["error"] = .object(error)
    }
    if let turnID { data["turnId"] = .string(turnID) }
    emit("tool.execution_complete", data)
  }

  // MARK: - Permission

  /// Asks the client for permission; returns `nil` when approved, else the text the model reads.
  private func requestPermission(for call: ToolCall, tool: ToolDefinition, arguments: JSONObject) async throws
    -> String?
  {
    let requestID = SessionEvent.makeID()
    let permissionRequest: JSONObject = [
      "kind": "custom-tool", "toolCallId": .string(call.id), "toolName": .string(call.name),
      "toolDescription": .string(tool.description), "args": .object(arguments),
    ]
    emit("permission.requested", ["requestId": .string(requestID), "permissionRequest": .object(permissionRequest)])
    openPermissionRequests[requestID] = call.id
    let answer: JSONObject
    do {
      answer = try await awaitClient(requestID, kind: .permission, toolCallID: call.id)
    } catch ClientRequestFailure.timedOut(let limit) {
      emitPermissionCompleted(requestID, call.id, ["kind": "denied-no-approval-rule-and-could-not-request-from-user"])
      return "Permission denied: no answer to the permission request within \(Self.describe(limit))."
    }
    let decision = answer["result"]?.objectValue ?? [:]
    let kind = decision["kind"]?.stringValue ?? ""
    switch kind {
    case "approve-once", "approve-for-session", "approve-for-location", "approve-permanently",
      "approve-read-only-for-session", "approved", "approved-for-session", "approved-for-location":
      emitPermissionCompleted(requestID, call.id, ["kind": "approved"])
      return nil
    case "reject", "denied-interactively-by-user":
      var result: JSONObject = ["kind": "denied-interactively-by-user"]
      var text = "The user rejected this tool call."
      if let feedback = decision["feedback"]?.stringValue, !feedback.isEmpty {
        result["feedback"] = .string(feedback)
        text += " User feedback: \(feedback)"
      }
      emitPermissionCompleted(requestID, call.id, result)
      return text
    default:
      emitPermissionCompleted(requestID, call.id, ["kind": "denied-no-approval-rule-and-could-not-request-from-user"])
      return "Permission denied and could not request permission from user"
    }
  }

  private func emitPermissionCompleted(_ requestID: String, _ toolCallID: String, _ result: JSONObject) {
    openPermissionRequests[requestID] = nil
    emit(
      "permission.completed",
      ["requestId": .string(requestID), "toolCallId": .string(toolCallID), "result": .object(result)])
  }

  // MARK: - Client tool

  private func runClientTool(_ call: ToolCall, tool: ToolDefinition, arguments: JSONObject, turnID: String)
    async throws -> ToolOutcome
  {
    emit(
      "tool.execution_start",
      ["toolCallId": .string(call.id), "toolName": .string(call.name), "arguments": .object(arguments),
       "turnId": .string(turnID)])
    let requestID = SessionEvent.makeID()
    activeToolCalls[call.id]?.externalRequestID = requestID
    emit(
      "external_tool.requested",
      ["requestId": .string(requestID), "sessionId": .string(id), "toolCallId": .string(call.id),
       "toolName": .string(call.name), "arguments": .object(arguments),
       "workingDirectory": .string(configuration.workingDirectory)])
    let answer: JSONObject
    do {
      answer = try await awaitClient(requestID, kind: .tool, toolCallID: call.id)
    } catch ClientRequestFailure.timedOut(let limit) {
      emit("external_tool.completed", ["requestId": .string(requestID)])
      let text = "The tool '\(call.name)' did not return a result within \(Self.describe(limit))."
      emitToolComplete(call.id, turnID: turnID, success: false, text: text, code: "timeout")
      return ToolOutcome(text: text)
    }
    emit("external_tool.completed", ["requestId": .string(requestID)])
    let result = ToolResultReader.read(answer, toolName: call.name, arguments: call.arguments)
    logger.debug(
      "Tool call finished",
      ["session": id, "toolCall": call.id, "tool": call.name, "resultType": result.resultType])
    let success = result.resultType == "success"
    emitToolComplete(call.id, turnID: turnID, success: success, text: result.text, code: success ? nil : result.resultType)
    let endsLoop = result.resultType == "rejected" || (success && tool.isTerminal)
    return ToolOutcome(text: result.text, images: result.images, endsLoop: endsLoop)
  }

  // MARK: - Waiting for the client

  /// Waits for the client's answer to `requestID`; throws `CancellationError` on abort and
  /// `ClientRequestFailure.timedOut` after the configured limit.
  func awaitClient(_ requestID: String, kind: PendingClientRequest.Kind, toolCallID: String) async throws
    -> JSONObject
  {
    let limit = environment.limits.clientRequestTimeout
    let timer = Task { [weak self] in
      try await Task.sleep(for: limit)
      await self?.failPending(requestID, with: ClientRequestFailure.timedOut(limit))
    }
    defer { timer.cancel() }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        if Task.isCancelled {
          continuation.resume(throwing: CancellationError())
          return
        }
        pendingClientRequests[requestID] = PendingClientRequest(
          kind: kind, toolCallID: toolCallID, continuation: continuation)
      }
    } onCancel: {
      Task { await self.failPending(requestID, with: CancellationError()) }
    }
  }

  private func failPending(_ requestID: String, with error: any Error) {
    pendingClientRequests.removeValue(forKey: requestID)?.continuation.resume(throwing: error)
  }

  /// Delivers the client's answer to a pending tool or permission request; returns `false` when no such
  /// request is waiting (unknown, already answered, timed out or aborted).
  public func resolveClientRequest(_ requestID: String, isPermission: Bool, answer: JSONObject) -> Bool {
    guard let pending = pendingClientRequests[requestID], (pending.kind == .permission) == isPermission else {
      logger.debug("Ignored an answer to a request that is not pending", ["session": id, "request": requestID])
      return false
    }
    pendingClientRequests[requestID] = nil
    pending.continuation.resume(returning: answer)
    return true
  }

  /// Replaces the client tools offered to the model from the next model call on.
  public func setTools(_ tools: [ToolDefinition]) {
    configuration.tools = tools
  }

  /// A whole-second duration for messages, such as "1 second" or "600 seconds".
  static func describe(_ duration: Duration) -> String {
    let seconds = duration.components.seconds
    return seconds == 1 ? "1 second" : "\(seconds) seconds"
  }

  // MARK: - Interrupted calls

  /// Closes out the tool calls an abort cut short: `external_tool.completed` for each outstanding client
  /// request, a failed `tool.execution_complete`, and an "interrupted" result in the history.
  func interruptActiveToolCalls(turnID: String?, calls: [ToolCall]) {
    for call in calls {
      guard let active = activeToolCalls.removeValue(forKey: call.id) else { continue }
      if let requestID = active.externalRequestID {
        emit("external_tool.completed", ["requestId": .string(requestID)])
      }
      emitToolComplete(call.id, turnID: turnID, success: false, text: Self.interruptedToolText, code: "interrupted")
      conversation.append(ConversationMessage(role: .tool, text: Self.interruptedToolText, toolCallID: call.id))
    }
    activeToolCalls.removeAll()
  }
}

/// Parses a tool call's argument text, which must be a JSON object; empty text means `{}`.
enum ToolArguments {
  enum Parsed {
    case success(JSONObject)
    case failure(String)
  }

  static func parse(_ text: String) -> Parsed {
    if text.allSatisfy(\.isWhitespace) { return .success([:]) }
    do {
      let value = try JSONParser.parse(text)
      guard let object = value.objectValue else {
        return .failure("the arguments must be a JSON object, not \(value.typeName)")
      }
      return .success(object)
    } catch {
      return .failure("the arguments are not valid JSON (\(error.description))")
    }
  }
}

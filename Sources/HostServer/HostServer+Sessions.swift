import AgentCore
import BYOKLogging
import Foundation
import JSONRPC

extension HostServer {
  // MARK: - Create and resume

  func createSession(_ reader: ParamsReader, connection: Connection) async throws -> JSONValue {
    try rejectWhenShuttingDown()
    let id: String
    if reader.object["sessionId"].map({ !$0.isNull }) ?? false {
      id = try reader.sessionID()
    } else {
      id = SessionEvent.makeID()
    }
    let alreadyLoaded = sessions.withLock { $0[id] != nil }
    if alreadyLoaded || environment.store.exists(id) {
      throw ResponseError.invalidParams(
        "sessionId '\(id)' is already in use; use session.resume to continue it, or choose another id")
    }
    var configuration = SessionConfiguration(workingDirectory: options.defaultWorkingDirectory)
    try configuration.apply(reader, replacingProvider: true)
    if configuration.provider == nil { configuration.provider = options.defaultProvider }

    let session: Session
    do {
      session = try await Session.create(
        id: id, configuration: configuration, environment: environment, listener: eventListener(for: connection))
    } catch {
      throw ResponseError.internalError("Could not create session \(id): \(error)")
    }
    await session.setListener(eventListener(for: connection), 
      flowControl: flowControl(for: connection), tokenSource: tokenSource(for: connection, sessionID: id))
    sessions.withLock { $0[id] = LoadedSession(session: session, connection: connection) }
    logger.debug(
      "Session created",
      ["connection": connection.name, "session": id, "model": configuration.displayModel ?? "none",
       "provider": configuration.provider?.kind.rawValue ?? "none"])
    let now = Timestamp.now()
    connection.sendNotification(
      "session.lifecycle",
      params: ["type": "session.created", "sessionId": .string(id), "metadata": ["startTime": .string(now), "modifiedTime": .string(now)]])
    return ["sessionId": .string(id), "workspacePath": nil, "capabilities": ["ui": ["elicitation": false]]]
  }

  func resumeSession(_ reader: ParamsReader, connection: Connection) async throws -> JSONValue {
    try rejectWhenShuttingDown()
    let id = try reader.sessionID()
    let emitResumeEvent = !(try reader.optionalBool("disableResume") ?? false)
    let defaultProvider = options.defaultProvider
    let update: (inout SessionConfiguration) throws(ResponseError) -> Void = { configuration throws(ResponseError) in
      try configuration.apply(reader, replacingProvider: true)
      if configuration.provider == nil { configuration.provider = defaultProvider }
    }
    let listener = eventListener(for: connection)
    if let loaded = sessions.withLock({ $0[id] }) {
      try await loaded.session.resumeInPlace(update: update, emitResumeEvent: emitResumeEvent, listener: listener)
      await loaded.session.setListener(listener, 
      flowControl: flowControl(for: connection), tokenSource: tokenSource(for: connection, sessionID: id))
      sessions.withLock { $0[id] = LoadedSession(session: loaded.session, connection: connection) }
    } else {
      guard environment.store.exists(id) else {
        throw ResponseError.internalError("Session not found: \(id)")
      }
      let session: Session
      do {
        session = try await Session.resume(
          id: id, environment: environment, defaultWorkingDirectory: options.defaultWorkingDirectory,
          update: update, emitResumeEvent: emitResumeEvent, listener: listener)
      } catch let error as ResponseError {
        throw error
      } catch {
        throw ResponseError.internalError("Could not resume session \(id): \(error)")
      }
      await session.setListener(listener, 
      flowControl: flowControl(for: connection), tokenSource: tokenSource(for: connection, sessionID: id))
      sessions.withLock { $0[id] = LoadedSession(session: session, connection: connection) }
    }
    logger.debug("Session resumed", ["connection": connection.name, "session": id])
    return ["sessionId": .string(id), "workspacePath": nil, "capabilities": nil]
  }

  /// Sends each event of a session to `connection` as a `session.event` notification.
  func eventListener(for connection: Connection) -> SessionEventListener {
    { [connection] sessionID, event in
      connection.sendNotification("session.event", params: ["sessionId": .string(sessionID), "event": event.jsonValue])
    }
  }

  /// Fetches a provider bearer token from `connection` with the `providerToken.getToken` request.
  func tokenSource(for connection: Connection, sessionID: String) -> @Sendable (String) async throws -> Secret {
    { [connection] providerName in
      let result = try await connection.sendRequest(
        "providerToken.getToken", params: ["sessionId": .string(sessionID), "providerName": .string(providerName)])
      guard let token = result["token"]?.stringValue, !token.isEmpty else {
        throw ResponseError.internalError("providerToken.getToken returned no 'token' string")
      }
      return Secret(token)
    }
  }

  /// Holds a streaming turn while more than `maximumQueuedOutputBytes` wait to be read by `connection`.
  func flowControl(for connection: Connection) -> SessionFlowControl {
    { [connection] in await connection.waitUntilOutputBelow(HostServer.maximumQueuedOutputBytes) }
  }

  // MARK: - Turns

  func send(_ reader: ParamsReader, id: RequestID, connection: Connection) async throws -> JSONValue {
    try rejectWhenShuttingDown()
    let session = try loadedSession(reader)
    let prompt = try reader.requiredString("prompt")
    let attachments = try Attachments.read(reader.optionalArray("attachments") ?? [])
    var headers: [(name: String, value: String)] = []
    if let requestHeaders = try reader.optionalObject("requestHeaders") {
      for (name, value) in requestHeaders {
        guard let text = value.stringValue else {
          throw ResponseError.invalidParams("requestHeaders.\(name) must be a string")
        }
        headers.append((name, text))
      }
    }
    let pending = PendingSend(
      messageID: SessionEvent.makeID(),
      prompt: prompt,
      attachments: attachments.echoed,
      images: attachments.images,
      requestHeaders: headers,
      agentMode: try reader.optionalString("agentMode"))
    let messageID = await session.send(pending, startImmediately: false)
    connection.afterReply(to: id) {
      await session.startQueuedTurn()
    }
    return ["messageId": .string(messageID)]
  }

  func abort(_ reader: ParamsReader) async throws -> JSONValue {
    let session = try loadedSession(reader)
    await session.abort()
    return ["success": true]
  }

  func log(_ reader: ParamsReader) async throws -> JSONValue {
    let session = try loadedSession(reader)
    let message = try reader.requiredString("message")
    let level = try reader.optionalString("level") ?? "info"
    guard ["info", "warning", "error"].contains(level) else {
      throw ResponseError.invalidParams("level '\(level)' is not supported; use info, warning or error")
    }
    let ephemeral = try reader.optionalBool("ephemeral") ?? false
    let eventID = await session.log(message: message, level: level, ephemeral: ephemeral)
    return ["eventId": .string(eventID)]
  }

  /// Delivers a client's answer to a pending tool call or permission request.
  ///
  /// A late answer (after an abort, a timeout or another answer) or one for an unknown session or request
  /// gets `{success: false}`, not an error, because the client did nothing wrong by sending it.
  func resolveClientRequest(_ reader: ParamsReader, isPermission: Bool) async throws -> JSONValue {
    let id = try reader.sessionID()
    let requestID = try reader.requiredString("requestId")
    guard let session = sessions.withLock({ $0[id]?.session }) else {
      logger.debug("Ignored an answer for a session that is not loaded", ["session": id, "request": requestID])
      return ["success": false]
    }
    let resolved = await session.resolveClientRequest(requestID, isPermission: isPermission, answer: reader.object)
    return ["success": .bool(resolved)]
  }

  // MARK: - History and lifecycle

  func messages(_ reader: ParamsReader) async throws -> JSONValue {
    let session = try loadedSession(reader)
    do {
      let events = try await session.persistedEvents()
      return ["events": .array(events.map(\.jsonValue))]
    } catch {
      throw ResponseError.internalError("Could not read the events of session \(session.id): \(error)")
    }
  }

  func detach(_ reader: ParamsReader) async throws -> JSONValue {
    let id = try reader.sessionID()
    guard let loaded = sessions.withLock({ $0.removeValue(forKey: id) }) else {
      return ["success": true]
    }
    await loaded.session.stop()
    await loaded.session.setListener(nil)
    await loaded.session.releaseLock()
    logger.debug("Session detached", ["session": id])
    return ["success": true]
  }

  func deleteSession(_ reader: ParamsReader, connection: Connection) async throws -> JSONValue {
    let id = try reader.sessionID()
    if let loaded = sessions.withLock({ $0.removeValue(forKey: id) }) {
      await loaded.session.stop()
      await loaded.session.setListener(nil)
      await loaded.session.releaseLock()
    }
    let deleted: Bool
    do {
      // Holding the lock while deleting keeps a session that another host has loaded from being removed.
      let lock = environment.store.exists(id) ? try environment.store.lock(id) : nil
      deleted = try environment.store.delete(id)
      _ = lock
    } catch {
      return ["success": false, "error": .string("\(error)")]
    }
    guard deleted else {
      return ["success": false, "error": .string("Session not found: \(id)")]
    }
    logger.debug("Session deleted", ["session": id])
    connection.sendNotification("session.lifecycle", params: ["type": "session.deleted", "sessionId": .string(id)])
    return ["success": true]
  }

  func listSessions() -> JSONValue {
    let entries = sessionSummaries().sorted { $0.modifiedTime > $1.modifiedTime }
    return ["sessions": .array(entries.map(\.json))]
  }

  func lastSessionID() -> JSONValue {
    guard let last = sessionSummaries().max(by: { $0.modifiedTime < $1.modifiedTime }) else { return [:] }
    return ["sessionId": .string(last.id)]
  }

  func metadata(_ reader: ParamsReader) throws -> JSONValue {
    let id = try reader.sessionID()
    guard let summary = sessionSummaries(ids: [id]).first else { return ["session": nil] }
    return ["session": summary.json]
  }

  struct SessionSummary {
    var id: String
    var startTime: String
    var modifiedTime: String
    var summary: String?
    var workingDirectory: String

    var json: JSONValue {
      var object = JSONObject()
      object["sessionId"] = .string(id)
      object["startTime"] = .string(startTime)
      object["modifiedTime"] = .string(modifiedTime)
      object["isRemote"] = false
      if let summary { object["summary"] = .string(summary) }
      object["context"] = ["cwd": .string(workingDirectory)]
      return .object(object)
    }
  }

  func sessionSummaries(ids: [String]? = nil) -> [SessionSummary] {
    let store = environment.store
    return (ids ?? store.sessionIDs()).compactMap { id -> SessionSummary? in
      guard store.exists(id) else { return nil }
      let metadata = store.loadMetadata(id)
      let fallback = Timestamp.now()
      return SessionSummary(
        id: id,
        startTime: metadata?["startTime"]?.stringValue ?? fallback,
        modifiedTime: metadata?["modifiedTime"]?.stringValue ?? metadata?["startTime"]?.stringValue ?? fallback,
        summary: metadata?["summary"]?.stringValue,
        workingDirectory: metadata?["configuration"]?["workingDirectory"]?.stringValue
          ?? options.defaultWorkingDirectory)
    }
  }

  // MARK: - Helpers

  func loadedSession(_ reader: ParamsReader) throws -> Session {
    let id = try reader.sessionID()
    guard let session = sessions.withLock({ $0[id]?.session }) else {
      throw ResponseError.internalError(
        "Session not found: \(id). Create it with session.create, or load it with session.resume.")
    }
    return session
  }

  func rejectWhenShuttingDown() throws(ResponseError) {
    if isShuttingDown.load(ordering: .relaxed) {
      throw ResponseError(code: .shuttingDown, message: "The host is shutting down and accepts no new work")
    }
  }
}

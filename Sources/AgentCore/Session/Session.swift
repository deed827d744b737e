import BYOKLogging
import Foundation
import JSONRPC

/// Receives every event a session emits, in order.
public typealias SessionEventListener = @Sendable (_ sessionID: String, _ event: SessionEvent) -> Void

/// Suspends a streaming turn while the client is behind on reading events, so memory stays bounded.
public typealias SessionFlowControl = @Sendable () async -> Void

/// Host-wide settings every session shares.
public struct SessionEnvironment: Sendable {
  public var store: SessionStore
  public var providerFactory: any ModelProviderFactory
  /// The product name and version sent in `User-Agent` and `session.start.copilotVersion`.
  public var hostVersion: String
  public var limits: SessionLimits

  public init(
    store: SessionStore, providerFactory: any ModelProviderFactory, hostVersion: String,
    limits: SessionLimits = SessionLimits()
  ) {
    self.store = store
    self.providerFactory = providerFactory
    self.hostVersion = hostVersion
    self.limits = limits
  }
}

/// One conversation: its settings, history and event log, and the queue of sends it runs one at a time.
///
/// Every send ends with exactly one `session.idle` as its last event, whether the turn succeeded, failed
/// or was aborted.
public actor Session {
  public nonisolated let id: String
  let environment: SessionEnvironment
  let logger = Logger(subsystem: "session")

  var configuration: SessionConfiguration
  var conversation: [ConversationMessage] = []
  var lastEventID: String?
  var startTime: String
  var modifiedTime: String
  var summary: String?
  var listener: SessionEventListener?
  /// Called after each streamed delta; while it waits, the provider stream is not read and its transfer
  /// pauses.
  var flowControl: SessionFlowControl?
  /// Asks the client for a provider bearer token; set by the host for the connection that owns the session.
  var tokenSource: (@Sendable (_ providerName: String) async throws -> Secret)?
  /// The number of model calls made so far, which numbers `turnId`s.
  var turnCount = 0

  var queue: [PendingSend] = []
  var runningTurn: Task<Void, Never>?
  var abortRequested = false
  /// Set once a persistence failure was reported during the current send, so it is reported only once.
  var persistenceFailureReported = false
  /// This process's hold on the session's folder, released when the session is unloaded.
  var lock: SessionLock?
  /// Tool and permission requests waiting for the client, by request id.
  var pendingClientRequests: [String: PendingClientRequest] = [:]
  /// The tool calls of the current model answer that have not finished, by tool call id.
  var activeToolCalls: [String: ActiveToolCall] = [:]
  /// Permission requests emitted and not yet completed, by request id, with their tool call ids.
  var openPermissionRequests: [String: String] = [:]

  init(id: String, configuration: SessionConfiguration, environment: SessionEnvironment, startTime: String) {
    self.id = id
    self.configuration = configuration
    self.environment = environment
    self.startTime = startTime
    self.modifiedTime = startTime
  }

  // MARK: - Creating and loading

  /// Creates a new session, persists it and emits `session.start`.
  public static func create(
    id: String,
    configuration: SessionConfiguration,
    environment: SessionEnvironment,
    listener: SessionEventListener?
  ) async throws -> Session {
    let session = Session(id: id, configuration: configuration, environment: environment, startTime: Timestamp.now())
    try await session.start(listener: listener)
    return session
  }

  private func start(listener: SessionEventListener?) throws {
    self.listener = listener
    try environment.store.createDirectory(for: id)
    lock = try environment.store.lock(id)
    var data = JSONObject()
    data["sessionId"] = .string(id)
    data["version"] = 1
    data["producer"] = "byok-host"
    data["copilotVersion"] = .string(environment.hostVersion)
    data["startTime"] = .string(startTime)
    if let model = configuration.displayModel { data["selectedModel"] = .string(model) }
    if let effort = configuration.reasoningEffort { data["reasoningEffort"] = .string(effort) }
    // The SDKs parse this field as an enum without "auto", so only those values are echoed.
    if let summary = configuration.reasoningSummary, ["none", "concise", "detailed"].contains(summary) {
      data["reasoningSummary"] = .string(summary)
    }
    data["context"] = ["cwd": .string(configuration.workingDirectory)]
    let event = makeEvent(EventType.sessionStart, data)
    try environment.store.append([event], to: id)
    try writeMetadata()
    deliver(event)
  }

  /// Loads a persisted session, applies the new configuration and emits `session.resume` unless
  /// `emitResumeEvent` is false.
  public static func resume(
    id: String,
    environment: SessionEnvironment,
    defaultWorkingDirectory: String,
    update: (inout SessionConfiguration) throws(ResponseError) -> Void,
    emitResumeEvent: Bool,
    listener: SessionEventListener?
  ) async throws -> Session {
    let store = environment.store
    let lock = try store.lock(id)
    let events = try store.loadEvents(id, repair: true)
    let metadata = store.loadMetadata(id)
    var configuration = SessionConfiguration(
      persisted: metadata?["configuration"] ?? .null, defaultWorkingDirectory: defaultWorkingDirectory)
    try update(&configuration)
    let startTime =
      metadata?["startTime"]?.stringValue
      ?? events.first { $0.type == EventType.sessionStart }?.data["startTime"]?.stringValue ?? Timestamp.now()
    let session = Session(id: id, configuration: configuration, environment: environment, startTime: startTime)
    await session.adoptLock(lock)
    await session.restore(
      from: events, summary: metadata?["summary"]?.stringValue, emitResumeEvent: emitResumeEvent, listener: listener)
    return session
  }

  private func restore(from events: [SessionEvent], summary: String?, emitResumeEvent: Bool, listener: SessionEventListener?) {
    self.listener = listener
    self.summary = summary
    conversation = ConversationHistory.rebuild(from: events)
    lastEventID = events.last?.id
    turnCount = events.filter { $0.type == EventType.turnStart }.count
    modifiedTime = events.last?.timestamp ?? startTime
    defer { closeUnfinishedToolCalls(ConversationHistory.unfinishedToolCalls(in: events)) }
    guard emitResumeEvent else { return }
    var data = JSONObject()
    data["eventCount"] = .int(Int64(events.count))
    data["resumeTime"] = .string(Timestamp.now())
    if let model = configuration.displayModel { data["selectedModel"] = .string(model) }
    if let effort = configuration.reasoningEffort { data["reasoningEffort"] = .string(effort) }
    data["context"] = ["cwd": .string(configuration.workingDirectory)]
    emit(EventType.sessionResume, data)
    try? writeMetadata()
  }

  /// Fails the tool calls a stopped host left open: their clients can no longer answer the old requests,
  /// so each gets a failed `tool.execution_complete` and the model reads that it was interrupted.
  private func closeUnfinishedToolCalls(_ callIDs: [String]) {
    for callID in callIDs {
      logger.warning("Failed a tool call left open by a stopped host", ["session": id, "toolCall": callID])
      emitToolComplete(
        callID, turnID: nil, success: false,
        text: Self.interruptedToolText + " The host stopped before the tool finished.", code: "interrupted")
    }
  }

  private func adoptLock(_ lock: SessionLock) {
    self.lock = lock
  }

  /// Lets another host process load this session; call once it is unloaded here.
  public func releaseLock() {
    lock = nil
  }

  // MARK: - Queries

  public func setListener(
    _ listener: SessionEventListener?,
    flowControl: SessionFlowControl? = nil,
    tokenSource: (@Sendable (_ providerName: String) async throws -> Secret)? = nil
  ) {
    self.listener = listener
    self.flowControl = flowControl
    self.tokenSource = tokenSource
  }

  public var isBusy: Bool { runningTurn != nil }

  /// The persisted events, in order, as stored on disk.
  public func persistedEvents() throws(PersistenceError) -> [SessionEvent] {
    try environment.store.loadEvents(id)
  }

  // MARK: - Events

  func makeEvent(_ type: String, _ data: JSONObject) -> SessionEvent {
    let event = SessionEvent(
      parentID: lastEventID, type: type, data: data, isEphemeral: EventType.ephemeral.contains(type))
    lastEventID = event.id
    return event
  }

  /// Builds, persists (unless ephemeral) and delivers one event; returns it.
  @discardableResult
  func emit(_ type: String, _ data: JSONObject) -> SessionEvent {
    let event = makeEvent(type, data)
    var failure: PersistenceError?
    if !event.isEphemeral {
      do {
        try environment.store.append([event], to: id)
        modifiedTime = event.timestamp
      } catch {
        failure = error
      }
    }
    deliver(event)
    if let failure { reportPersistenceFailure(failure) }
    return event
  }

  func deliver(_ event: SessionEvent) {
    listener?(id, event)
  }

  private func reportPersistenceFailure(_ error: PersistenceError) {
    logger.error("Could not persist a session event", ["session": id, "error": error.description])
    guard !persistenceFailureReported else { return }
    persistenceFailureReported = true
    // Not persisted: the log is what just failed. It goes to the client so the user learns of it.
    var data = JSONObject()
    data["errorType"] = "persistence"
    data["message"] = .string("The session could not be saved, so it cannot be resumed later. \(error.description)")
    deliver(makeEvent(EventType.sessionError, data))
  }

  func writeMetadata() throws(PersistenceError) {
    var metadata = JSONObject()
    metadata["sessionId"] = .string(id)
    metadata["startTime"] = .string(startTime)
    metadata["modifiedTime"] = .string(modifiedTime)
    metadata["summary"] = JSONValue(summary)
    metadata["configuration"] = configuration.persistableJSON
    try environment.store.writeMetadata(.object(metadata), for: id)
  }
}

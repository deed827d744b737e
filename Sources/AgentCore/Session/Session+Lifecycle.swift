import BYOKLogging
import JSONRPC

extension Session {
  /// Applies a `session.resume` to a session that is still loaded in this process.
  public func resumeInPlace(
    update: (inout SessionConfiguration) throws(ResponseError) -> Void,
    emitResumeEvent: Bool,
    listener: SessionEventListener?
  ) throws(ResponseError) {
    try update(&configuration)
    self.listener = listener
    guard emitResumeEvent else { return }
    let eventCount = (try? environment.store.loadEvents(id).count) ?? 0
    var data = JSONObject()
    data["eventCount"] = .int(Int64(eventCount))
    data["resumeTime"] = .string(Timestamp.now())
    if let model = configuration.displayModel { data["selectedModel"] = .string(model) }
    data["context"] = ["cwd": .string(configuration.workingDirectory)]
    data["sessionWasActive"] = .bool(runningTurn != nil)
    emit(EventType.sessionResume, data)
    try? writeMetadata()
  }

  /// Emits a `session.info`, `session.warning` or `session.error` notification event; returns its id.
  public func log(message: String, level: String, ephemeral: Bool) -> String {
    let (type, kindKey): (String, String) =
      switch level {
      case "warning": ("session.warning", "warningType")
      case "error": (EventType.sessionError, "errorType")
      default: ("session.info", "infoType")
      }
    let data: JSONObject = [kindKey: "notification", "message": .string(message)]
    guard ephemeral else { return emit(type, data).id }
    var event = makeEvent(type, data)
    event.isEphemeral = true
    deliver(event)
    return event.id
  }
}

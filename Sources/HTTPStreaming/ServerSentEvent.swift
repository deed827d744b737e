/// One dispatched server-sent event.
public struct ServerSentEvent: Sendable, Hashable {
  /// The `event:` field; nil when the event had none or an empty one (the default type `message`).
  public var event: String?
  /// The `data:` lines joined with `\n`.
  public var data: String
  /// The last event ID seen on the stream so far, which persists across events; nil when none or reset.
  public var id: String?

  public init(event: String? = nil, data: String, id: String? = nil) {
    self.event = event
    self.data = data
    self.id = id
  }
}

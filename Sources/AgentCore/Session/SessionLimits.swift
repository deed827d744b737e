/// Bounds that keep a send from running forever.
public struct SessionLimits: Sendable {
  /// The most model calls one send may make before it ends with a `session.error`.
  public var maxModelCallsPerSend: Int
  /// How long a client tool or permission request may stay unanswered before it fails.
  public var clientRequestTimeout: Duration

  public init(maxModelCallsPerSend: Int = 50, clientRequestTimeout: Duration = .seconds(600)) {
    self.maxModelCallsPerSend = maxModelCallsPerSend
    self.clientRequestTimeout = clientRequestTimeout
  }
}

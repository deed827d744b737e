import JSONRPC

/// A `session.send` waiting for its turn, or running.
public struct PendingSend: Sendable {
  public var messageID: String
  public var prompt: String
  /// The attachments as the client sent them, echoed in `user.message`.
  public var attachments: [JSONValue]
  public var images: [ImageContent]
  public var requestHeaders: [(name: String, value: String)]
  public var agentMode: String?

  public init(
    messageID: String,
    prompt: String,
    attachments: [JSONValue] = [],
    images: [ImageContent] = [],
    requestHeaders: [(name: String, value: String)] = [],
    agentMode: String? = nil
  ) {
    self.messageID = messageID
    self.prompt = prompt
    self.attachments = attachments
    self.images = images
    self.requestHeaders = requestHeaders
    self.agentMode = agentMode
  }
}

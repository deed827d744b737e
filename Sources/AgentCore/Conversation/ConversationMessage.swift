import JSONRPC

/// One message of the provider-neutral conversation history that is sent to the model on every turn.
public struct ConversationMessage: Sendable, Equatable {
  public enum Role: String, Sendable {
    case user
    case assistant
    case tool
  }

  public var role: Role
  public var text: String
  public var images: [ImageContent]
  public var toolCalls: [ToolCall]
  /// For a `tool` message: the id of the call it answers.
  public var toolCallID: String?
  /// For an `assistant` message: the provider's reasoning items, in order, to send back unchanged.
  public var reasoningItems: [JSONValue]

  public init(
    role: Role, text: String, images: [ImageContent] = [], toolCalls: [ToolCall] = [], toolCallID: String? = nil,
    reasoningItems: [JSONValue] = []
  ) {
    self.role = role
    self.text = text
    self.images = images
    self.toolCalls = toolCalls
    self.toolCallID = toolCallID
    self.reasoningItems = reasoningItems
  }
}

/// An image sent to the model, as base64 data with its media type.
public struct ImageContent: Sendable, Equatable {
  public var mimeType: String
  public var base64Data: String

  public init(mimeType: String, base64Data: String) {
    self.mimeType = mimeType
    self.base64Data = base64Data
  }
}

/// A function call the model asked for, with its arguments as the JSON text the model produced.
public struct ToolCall: Sendable, Equatable {
  public var id: String
  public var name: String
  public var arguments: String

  public init(id: String, name: String, arguments: String) {
    self.id = id
    self.name = name
    self.arguments = arguments
  }
}

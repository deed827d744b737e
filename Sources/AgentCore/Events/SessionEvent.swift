import BYOKLogging
import Foundation
import JSONRPC

/// One entry of a session's event stream, in the envelope the Copilot SDKs parse strictly.
///
/// `id` is a UUID, `timestamp` an ISO 8601 string, `parentId` the previous event's id (`nil` for the first
/// event of a session), and `data` always an object. Ephemeral events are streamed but never persisted.
public struct SessionEvent: Sendable, Equatable {
  public var id: String
  public var timestamp: String
  public var parentID: String?
  public var type: String
  public var data: JSONObject
  public var isEphemeral: Bool

  public init(
    id: String = SessionEvent.makeID(),
    timestamp: String = Timestamp.now(),
    parentID: String?,
    type: String,
    data: JSONObject,
    isEphemeral: Bool
  ) {
    self.id = id
    self.timestamp = timestamp
    self.parentID = parentID
    self.type = type
    self.data = data
    self.isEphemeral = isEphemeral
  }

  /// A new lower-case UUID string.
  public static func makeID() -> String {
    UUID().uuidString.lowercased()
  }

  public var jsonValue: JSONValue {
    var object = JSONObject()
    object["id"] = .string(id)
    object["timestamp"] = .string(timestamp)
    object["parentId"] = JSONValue(parentID)
    object["type"] = .string(type)
    object["data"] = .object(data)
    if isEphemeral { object["ephemeral"] = true }
    return .object(object)
  }

  /// Reads an envelope back from its JSON form; `nil` when a required member is missing or mistyped.
  public init?(json: JSONValue) {
    guard let id = json["id"]?.stringValue,
      let timestamp = json["timestamp"]?.stringValue,
      let type = json["type"]?.stringValue,
      let data = json["data"]?.objectValue
    else { return nil }
    self.init(
      id: id, timestamp: timestamp, parentID: json["parentId"]?.stringValue, type: type, data: data,
      isEphemeral: json["ephemeral"]?.boolValue ?? false)
  }
}

/// The event types byok-host emits, with the ones that are ephemeral (streamed, never persisted).
public enum EventType {
  public static let sessionStart = "session.start"
  public static let sessionResume = "session.resume"
  public static let sessionError = "session.error"
  public static let sessionIdle = "session.idle"
  public static let sessionUsageInfo = "session.usage_info"
  public static let userMessage = "user.message"
  public static let pendingMessagesModified = "pending_messages.modified"
  public static let turnStart = "assistant.turn_start"
  public static let turnEnd = "assistant.turn_end"
  public static let messageStart = "assistant.message_start"
  public static let messageDelta = "assistant.message_delta"
  public static let assistantMessage = "assistant.message"
  public static let reasoningDelta = "assistant.reasoning_delta"
  public static let reasoning = "assistant.reasoning"
  public static let usage = "assistant.usage"
  public static let abort = "abort"

  /// Types that are streamed to the client but not written to the event log.
  public static let ephemeral: Set<String> = [
    sessionIdle, sessionUsageInfo, pendingMessagesModified, messageStart, messageDelta, reasoningDelta, usage,
    "assistant.intent", "assistant.streaming_delta", "external_tool.completed", "tool.execution_progress",
    "tool.execution_partial_result", "session.title_changed",
  ]
}

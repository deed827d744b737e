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

  /// A new lower-case random (version 4) UUID string.
  ///
  /// Built from the standard library's system generator rather than Foundation's `UUID()`, which on Linux
  /// opens and reads `/dev/urandom` for every id: measured at 14 % of the host's CPU when relaying deltas.
  public static func makeID() -> String {
    var generator = SystemRandomNumberGenerator()
    var bytes = [UInt8](repeating: 0, count: 16)
    let high = generator.next() as UInt64
    let low = generator.next() as UInt64
    for index in 0..<8 {
      bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * index))
      bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * index))
    }
    bytes[6] = (bytes[6] & 0x0F) | 0x40
    bytes[8] = (bytes[8] & 0x3F) | 0x80
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(36)
    for (index, byte) in bytes.enumerated() {
      if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
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

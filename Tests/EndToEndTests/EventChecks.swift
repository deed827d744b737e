import Foundation
import JSONRPC
import Testing

/// Checks shared by the tests that read session events.
enum EventChecks {
  /// The event types the Copilot SDK protocol marks ephemeral: streamed to the client, never persisted.
  static let ephemeralTypes: Set<String> = [
    "pending_messages.modified", "assistant.intent", "assistant.reasoning_delta", "assistant.message_start",
    "assistant.message_delta", "assistant.streaming_delta", "assistant.usage", "session.usage_info",
    "external_tool.completed", "tool.execution_progress", "tool.execution_partial_result", "session.idle",
    "session.title_changed", "user_input.requested", "user_input.completed",
  ]

  /// Returns whether `text` is an ISO 8601 date and time such as `2026-01-31T12:00:00.000Z`: RFC 3339 form, in UTC
  /// or with an offset, with optional fractional seconds.
  static func isTimestamp(_ text: String) -> Bool {
    let pattern = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/#
    guard text.wholeMatch(of: pattern) != nil else { return false }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = text.contains(".")
      ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
    return formatter.date(from: text) != nil
  }

  /// Returns whether `text` is a UUID in its 8-4-4-4-12 hex form.
  static func isUUID(_ text: String?) -> Bool {
    guard let text else { return false }
    return UUID(uuidString: text) != nil
  }

  /// Lists the event types in order, with each run of `assistant.message_delta` shown once.
  static func collapsedTypes(_ events: [ObservedEvent]) -> [String] {
    var types: [String] = []
    for event in events where !(event.type == "assistant.message_delta" && types.last == event.type) {
      types.append(event.type)
    }
    return types
  }

  /// Checks the envelope of each event of one session, received in order: a UUID `id`, an ISO 8601
  /// `timestamp`, a `parentId` linking to the previous event (`null` on `session.start`), an object
  /// `data`, and `ephemeral: true` exactly on the ephemeral types.
  ///
  /// The first event's parent is only checked when it is `session.start`, because a session resumed in a
  /// new process continues a chain whose earlier events this client never saw.
  static func expectValidEnvelopes(
    _ events: [ObservedEvent], sourceLocation: SourceLocation = #_sourceLocation
  ) {
    for (index, event) in events.enumerated() {
      let label = "event \(index) (\(event.type))"
      #expect(isUUID(event.id), "\(label) id \(event.id ?? "missing") is not a UUID", sourceLocation: sourceLocation)
      let timestamp = event.envelope["timestamp"]?.stringValue ?? ""
      #expect(isTimestamp(timestamp), "\(label) timestamp '\(timestamp)' is not ISO 8601", sourceLocation: sourceLocation)
      #expect(event.data.objectValue != nil, "\(label) data is not an object: \(event.data)", sourceLocation: sourceLocation)

      let parent = event.envelope["parentId"]
      if index > 0 {
        let previousID = events[index - 1].id.map(JSONValue.string) ?? .null
        #expect(parent == previousID, "\(label) parentId \(parent ?? .null) is not the previous event's id \(previousID)", sourceLocation: sourceLocation)
      } else if event.type == "session.start" {
        #expect(parent == .null, "session.start has parentId \(parent ?? .null), expected null", sourceLocation: sourceLocation)
      }

      let ephemeral = event.envelope["ephemeral"]
      if ephemeralTypes.contains(event.type) {
        #expect(ephemeral == .bool(true), "\(label) is ephemeral but carries ephemeral \(ephemeral ?? .null)", sourceLocation: sourceLocation)
      } else {
        #expect(ephemeral == nil || ephemeral == .bool(false), "\(label) is persisted but carries ephemeral \(ephemeral ?? .null)", sourceLocation: sourceLocation)
      }
    }
  }
}

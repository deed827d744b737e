import HTTPStreaming

extension Array where Element == HTTPStreamEvent {
  /// The status of each `.response` event, in order.
  var responseStatuses: [Int] {
    compactMap { event in
      guard case .response(let status, _) = event else { return nil }
      return status
    }
  }

  /// The headers of the first `.response` event.
  var responseHeaders: [HTTPHeader] {
    for case .response(_, let headers) in self {
      return headers
    }
    return []
  }

  /// All `.body` bytes concatenated.
  var bodyBytes: [UInt8] {
    var bytes: [UInt8] = []
    for case .body(let chunk) in self {
      bytes += chunk
    }
    return bytes
  }

  /// Whether the first event is `.response`.
  var startsWithResponse: Bool {
    guard case .response = first else { return false }
    return true
  }
}

extension AsyncThrowingStream where Element == HTTPStreamEvent {
  /// Reads every event until the stream ends, rethrowing its error.
  func collectEvents() async throws -> [HTTPStreamEvent] {
    var events: [HTTPStreamEvent] = []
    for try await event in self {
      events.append(event)
    }
    return events
  }
}

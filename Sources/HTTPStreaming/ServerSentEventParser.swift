/// Splits a `text/event-stream` body into events, following the WHATWG HTML event-stream rules.
///
/// Feed it network reads of any size. Lines may end in CR, LF or CRLF, also when CR and LF arrive in separate
/// reads. Each complete line is decoded as UTF-8 with replacement, a leading byte order mark is skipped, and lines
/// have no length limit. An event is dispatched at its blank line, and only if it has a `data:` field.
public struct ServerSentEventParser: Sendable {
  private static let lineFeed: UInt8 = 0x0A
  private static let carriageReturn: UInt8 = 0x0D
  private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

  /// The reconnection delay from the last valid `retry:` field.
  public private(set) var reconnectionDelay: Duration?

  /// Bytes of a line whose end has not arrived yet.
  private var partialLine: [UInt8] = []
  /// Whether the previous read ended in CR, so an LF starting the next read ends no further line.
  private var endsWithCarriageReturn = false
  /// How many leading bytes matched the byte order mark; nil once the stream start is behind.
  private var byteOrderMarkMatched: Int? = 0

  private var data: [UInt8] = []
  private var hasData = false
  private var eventType: String?
  private var lastEventID: String?

  public init() {}

  /// Consumes `bytes` and returns the events they complete, in order.
  public mutating func feed<C: Collection<UInt8>>(_ bytes: C) -> [ServerSentEvent] {
    var events: [ServerSentEvent] = []
    let fedContiguously: Void? = bytes.withContiguousStorageIfAvailable { buffer in
      feed(buffer, into: &events)
    }
    if fedContiguously == nil {
      Array(bytes).withUnsafeBufferPointer { buffer in
        feed(buffer, into: &events)
      }
    }
    return events
  }

  /// Ends the stream and returns the event an unterminated last block would have dispatched, for diagnostics.
  ///
  /// The WHATWG rules discard such an event, so a non-nil result is never proof that the stream completed.
  /// The parser is reset afterwards, including the last event ID.
  public mutating func finish() -> ServerSentEvent? {
    if let matched = byteOrderMarkMatched, matched > 0 {
      partialLine.append(contentsOf: ServerSentEventParser.byteOrderMark[..<matched])
    }
    if !partialLine.isEmpty {
      let line = partialLine
      _ = line.withUnsafeBufferPointer { processLine($0) }
    }
    let trailing = hasData ? makeEvent() : nil
    self = ServerSentEventParser()
    return trailing
  }

  // MARK: - Lines

  private mutating func feed(_ input: UnsafeBufferPointer<UInt8>, into events: inout [ServerSentEvent]) {
    var buffer = input
    guard !buffer.isEmpty else { return }
    if byteOrderMarkMatched != nil {
      buffer = skipByteOrderMark(buffer)
      guard !buffer.isEmpty else { return }
    }
    var lineStart = 0
    if endsWithCarriageReturn {
      endsWithCarriageReturn = false
      if buffer[0] == ServerSentEventParser.lineFeed {
        lineStart = 1
      }
    }
    var index = lineStart
    let count = buffer.count
    while index < count {
      let byte = buffer[index]
      guard byte == ServerSentEventParser.lineFeed || byte == ServerSentEventParser.carriageReturn else {
        index += 1
        continue
      }
      completeLine(UnsafeBufferPointer(rebasing: buffer[lineStart..<index]), into: &events)
      index += 1
      if byte == ServerSentEventParser.carriageReturn {
        if index == count {
          endsWithCarriageReturn = true
        } else if buffer[index] == ServerSentEventParser.lineFeed {
          index += 1
        }
      }
      lineStart = index
    }
    if lineStart < count {
      partialLine.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[lineStart..<count]))
    }
  }

  /// Drops the byte order mark from the start of the stream, even when it arrives split across reads.
  private mutating func skipByteOrderMark(_ buffer: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
    guard var matched = byteOrderMarkMatched else { return buffer }
    var index = 0
    while matched < 3 && index < buffer.count && buffer[index] == ServerSentEventParser.byteOrderMark[matched] {
      matched += 1
      index += 1
    }
    if matched == 3 {
      byteOrderMarkMatched = nil
    } else if index == buffer.count {
      byteOrderMarkMatched = matched
    } else {
      // A mismatch: the bytes matched so far were content after all.
      partialLine.append(contentsOf: ServerSentEventParser.byteOrderMark[..<matched])
      byteOrderMarkMatched = nil
    }
    return UnsafeBufferPointer(rebasing: buffer[index...])
  }

  private mutating func completeLine(_ tail: UnsafeBufferPointer<UInt8>, into events: inout [ServerSentEvent]) {
    let event: ServerSentEvent?
    if partialLine.isEmpty {
      event = processLine(tail)
    } else {
      partialLine.append(contentsOf: tail)
      var line: [UInt8] = []
      swap(&line, &partialLine)
      event = line.withUnsafeBufferPointer { processLine($0) }
      line.removeAll(keepingCapacity: true)
      swap(&line, &partialLine)
    }
    if let event {
      events.append(event)
    }
  }

  /// Applies one complete line and returns the event a blank line dispatches.
  private mutating func processLine(_ line: UnsafeBufferPointer<UInt8>) -> ServerSentEvent? {
    guard let first = line.first else {
      return dispatch()
    }
    guard first != UInt8(ascii: ":") else { return nil }  // A comment, often a keep-alive.

    let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
    let name = UnsafeBufferPointer(rebasing: line[..<colon])
    var valueStart = Swift.min(colon + 1, line.count)
    if valueStart < line.count && line[valueStart] == UInt8(ascii: " ") {
      valueStart += 1
    }
    let value = UnsafeBufferPointer(rebasing: line[valueStart...])
    applyField(name: name, value: value)
    return nil
  }

  private mutating func applyField(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
    if name.elementsEqual("data".utf8) {
      if hasData {
        data.append(ServerSentEventParser.lineFeed)
      }
      data.append(contentsOf: value)
      hasData = true
    } else if name.elementsEqual("event".utf8) {
      eventType = value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
    } else if name.elementsEqual("id".utf8) {
      guard !value.contains(0) else { return }
      lastEventID = value.isEmpty ? nil : String(decoding: value, as: UTF8.self)
    } else if name.elementsEqual("retry".utf8) {
      guard !value.isEmpty, value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
        let milliseconds = Int64(String(decoding: value, as: UTF8.self))
      else { return }
      reconnectionDelay = .milliseconds(milliseconds)
    }
  }

  // MARK: - Events

  private mutating func dispatch() -> ServerSentEvent? {
    guard hasData else {
      eventType = nil
      return nil
    }
    return makeEvent()
  }

  /// Builds the pending event and clears the data and type; the last event ID persists.
  private mutating func makeEvent() -> ServerSentEvent {
    let event = ServerSentEvent(event: eventType, data: String(decoding: data, as: UTF8.self), id: lastEventID)
    data.removeAll(keepingCapacity: true)
    hasData = false
    eventType = nil
    return event
  }
}

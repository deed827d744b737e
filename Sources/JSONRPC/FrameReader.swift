/// Splits a byte stream into `Content-Length`-framed message bodies.
///
/// A pure value type: feed it bytes in any split (one at a time, several frames at once) and it returns
/// every complete body. Header names are case-insensitive; headers other than `Content-Length` (such as
/// `Content-Type`) are ignored. A frame whose declared length exceeds `maximumBodyLength` is rejected
/// before any of its body is buffered, and its body is then skipped so the stream stays in sync.
public struct FrameReader: Sendable {
  /// 64 MiB: the largest body accepted, bigger than any prompt with images an editor sends.
  public static let defaultMaximumBodyLength = 64 * 1024 * 1024
  /// The largest header block accepted before the blank line.
  public static let maximumHeaderLength = 8 * 1024

  public enum Item: Sendable, Equatable {
    /// A complete message body.
    case body([UInt8])
    /// A framing problem; the reader has recovered and keeps going.
    case error(FrameError)
  }

  public enum FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingContentLength
    case invalidContentLength(String)
    case bodyTooLarge(length: Int, maximum: Int)
    case headerTooLong

    public var description: String {
      switch self {
      case .missingContentLength:
        return "Frame header has no Content-Length; every message must start with 'Content-Length: N\\r\\n\\r\\n'"
      case .invalidContentLength(let value):
        return "Invalid Content-Length '\(value)'; it must be a non-negative decimal byte count"
      case .bodyTooLarge(let length, let maximum):
        return "Frame body of \(length) bytes exceeds the maximum of \(maximum) bytes; the frame was skipped"
      case .headerTooLong:
        return "Frame header exceeds \(FrameReader.maximumHeaderLength) bytes without a blank line"
      }
    }
  }

  private enum State: Sendable {
    case header
    case body(length: Int)
    case skipping(remaining: Int)
  }

  private var buffer: [UInt8] = []
  /// The position in `buffer` where unconsumed bytes start; consumed bytes are dropped lazily.
  private var start = 0
  private var state = State.header
  private let maximumBodyLength: Int

  public init(maximumBodyLength: Int = FrameReader.defaultMaximumBodyLength) {
    self.maximumBodyLength = maximumBodyLength
  }

  /// The number of buffered bytes not yet returned as part of a frame.
  public var bufferedByteCount: Int { buffer.count - start }

  /// Appends `bytes` and returns every frame that is now complete, in order.
  public mutating func feed(_ bytes: some Collection<UInt8>) -> [Item] {
    var items: [Item] = []
    buffer.append(contentsOf: bytes)
    while let item = nextItem() {
      items.append(item)
    }
    compact()
    return items
  }

  private mutating func nextItem() -> Item? {
    switch state {
    case .header:
      return parseHeader()
    case .body(let length):
      guard buffer.count - start >= length else { return nil }
      let body = Array(buffer[start..<start + length])
      start += length
      state = .header
      return .body(body)
    case .skipping(let remaining):
      let available = buffer.count - start
      let skipped = min(remaining, available)
      start += skipped
      if skipped == remaining {
        state = .header
        return nextItem()
      }
      state = .skipping(remaining: remaining - skipped)
      return nil
    }
  }

  private mutating func parseHeader() -> Item? {
    guard let end = headerEnd() else {
      if buffer.count - start > FrameReader.maximumHeaderLength {
        // Drop every buffered byte: the next frame can only start in bytes that arrive later.
        start = buffer.count
        return .error(.headerTooLong)
      }
      return nil
    }
    let headerBytes = buffer[start..<end.headerEnd]
    start = end.bodyStart
    var length: Int?
    var invalidValue: String?
    for line in headerBytes.split(separator: UInt8(ascii: "\n")) {
      let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: " \r\t")
      guard let colon = text.firstIndex(of: ":") else { continue }
      let name = text[..<colon].lowercased()
      guard name == "content-length" else { continue }
      let value = text[text.index(after: colon)...].trimmingCharacters(in: " \t")
      if value.first?.isASCII == true, value.first?.isNumber == true, let parsed = Int(value), parsed >= 0 {
        length = parsed
      } else {
        invalidValue = value
      }
    }
    if let invalidValue, length == nil {
      return .error(.invalidContentLength(invalidValue))
    }
    guard let length else {
      return .error(.missingContentLength)
    }
    if length > maximumBodyLength {
      state = .skipping(remaining: length)
      return .error(.bodyTooLarge(length: length, maximum: maximumBodyLength))
    }
    state = .body(length: length)
    return nextItem()
  }

  /// Finds the blank line ending a header block: `\r\n\r\n`, or `\n\n` from lenient writers.
  private func headerEnd() -> (headerEnd: Int, bodyStart: Int)? {
    var index = start
    while index < buffer.count {
      if buffer[index] == UInt8(ascii: "\n") {
        if index + 1 < buffer.count, buffer[index + 1] == UInt8(ascii: "\n") {
          return (index, index + 2)
        }
        if index + 2 < buffer.count, buffer[index + 1] == UInt8(ascii: "\r"), buffer[index + 2] == UInt8(ascii: "\n") {
          return (index, index + 3)
        }
      }
      index += 1
    }
    return nil
  }

  private mutating func compact() {
    if start == buffer.count {
      buffer.removeAll(keepingCapacity: buffer.capacity <= 1 << 20)
      start = 0
    } else if start > 1 << 16 && start > buffer.count / 2 {
      buffer.removeFirst(start)
      start = 0
    }
  }
}

extension String {
  fileprivate func trimmingCharacters(in set: String) -> String {
    var characters = Substring(self)
    while let first = characters.first, set.contains(first) { characters.removeFirst() }
    while let last = characters.last, set.contains(last) { characters.removeLast() }
    return String(characters)
  }
}

extension Substring {
  fileprivate func trimmingCharacters(in set: String) -> String {
    String(self).trimmingCharacters(in: set)
  }
}

/// Builds one whole frame (header and body) so a single write puts it on the wire.
public enum FrameWriter {
  public static func frame(body: [UInt8]) -> [UInt8] {
    var frame = Array("Content-Length: \(body.count)\r\n\r\n".utf8)
    frame.append(contentsOf: body)
    return frame
  }

  public static func frame(_ message: JSONValue) -> [UInt8] {
    frame(body: message.serializedBytes())
  }
}

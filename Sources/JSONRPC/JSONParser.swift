/// An error found while parsing JSON text, with the byte offset where parsing stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  public var offset: Int

  public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 JSON parser over UTF-8 bytes.
///
/// It rejects trailing commas, leading zeros, non-finite numbers, lone surrogates, invalid UTF-8 and
/// documents nested deeper than `maximumDepth`, so hostile input fails with an error instead of a crash.
public struct JSONParser {
  /// The deepest nesting of arrays and objects accepted.
  public static let defaultMaximumDepth = 512

  private let bytes: [UInt8]
  private var index = 0
  private var depth = 0
  private let maximumDepth: Int

  private init(bytes: [UInt8], maximumDepth: Int) {
    self.bytes = bytes
    self.maximumDepth = maximumDepth
  }

  /// Parses one JSON document; whitespace may surround it, anything else may not.
  public static func parse<Bytes: Collection<UInt8>>(
    _ input: Bytes,
    maximumDepth: Int = defaultMaximumDepth
  ) throws(JSONParseError) -> JSONValue {
    var parser = JSONParser(bytes: Array(input), maximumDepth: maximumDepth)
    parser.skipWhitespace()
    let value = try parser.parseValue()
    parser.skipWhitespace()
    guard parser.index == parser.bytes.count else {
      throw parser.error("Unexpected data after the JSON value")
    }
    return value
  }

  public static func parse(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError)
    -> JSONValue
  {
    try parse(Array(text.utf8), maximumDepth: maximumDepth)
  }

  // MARK: - Values

  private mutating func parseValue() throws(JSONParseError) -> JSONValue {
    guard index < bytes.count else { throw error("Unexpected end of input") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try parseObject()
    case UInt8(ascii: "["): return try parseArray()
    case UInt8(ascii: "\""): return .string(try parseString())
    case UInt8(ascii: "t"): return try parseLiteral("true", value: .bool(true))
    case UInt8(ascii: "f"): return try parseLiteral("false", value: .bool(false))
    case UInt8(ascii: "n"): return try parseLiteral("null", value: .null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
    default: throw error("Unexpected character")
    }
  }

  private mutating func parseLiteral(_ text: StaticString, value: JSONValue) throws(JSONParseError) -> JSONValue {
    let count = text.utf8CodeUnitCount
    guard index + count <= bytes.count else { throw error("Unexpected end of input") }
    let matches = text.withUTF8Buffer { literal in
      (0..<count).allSatisfy { bytes[index + $0] == literal[$0] }
    }
    guard matches else { throw error("Invalid literal") }
    index += count
    return value
  }

  private mutating func enterContainer() throws(JSONParseError) {
    depth += 1
    if depth > maximumDepth {
      throw error("JSON nested deeper than \(maximumDepth) levels")
    }
  }

  private mutating func parseObject() throws(JSONParseError) -> JSONValue {
    try enterContainer()
    index += 1
    var object = JSONObject()
    skipWhitespace()
    if peek() == UInt8(ascii: "}") {
      index += 1
      depth -= 1
      return .object(object)
    }
    while true {
      skipWhitespace()
      guard peek() == UInt8(ascii: "\"") else { throw error("Expected a string key") }
      let key = try parseString()
      skipWhitespace()
      guard peek() == UInt8(ascii: ":") else { throw error("Expected ':' after an object key") }
      index += 1
      skipWhitespace()
      object[key] = try parseValue()
      skipWhitespace()
      switch peek() {
      case UInt8(ascii: ","):
        index += 1
      case UInt8(ascii: "}"):
        index += 1
        depth -= 1
        return .object(object)
      default:
        throw error("Expected ',' or '}' in an object")
      }
    }
  }

  private mutating func parseArray() throws(JSONParseError) -> JSONValue {
    try enterContainer()
    index += 1
    var elements: [JSONValue] = []
    skipWhitespace()
    if peek() == UInt8(ascii: "]") {
      index += 1
      depth -= 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try parseValue())
      skipWhitespace()
      switch peek() {
      case UInt8(ascii: ","):
        index += 1
      case UInt8(ascii: "]"):
        index += 1
        depth -= 1
        return .array(elements)
      default:
        throw error("Expected ',' or ']' in an array")
      }
    }
  }

  // MARK: - Numbers

  private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
    let start = index
    var isInteger = true
    if peek() == UInt8(ascii: "-") { index += 1 }
    guard let first = peek(), isDigit(first) else { throw error("Invalid number") }
    if first == UInt8(ascii: "0") {
      index += 1
      if let next = peek(), isDigit(next) { throw error("Leading zeros are not allowed") }
    } else {
      skipDigits()
    }
    if peek() == UInt8(ascii: ".") {
      isInteger = false
      index += 1
      guard let next = peek(), isDigit(next) else { throw error("Expected a digit after '.'") }
      skipDigits()
    }
    if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
      isInteger = false
      index += 1
      if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
      guard let next = peek(), isDigit(next) else { throw error("Expected a digit in the exponent") }
      skipDigits()
    }
    let text = String(decoding: bytes[start..<index], as: UTF8.self)
    if isInteger, let integer = Int64(text) {
      return .int(integer)
    }
    guard let double = Double(text), double.isFinite else {
      index = start
      throw error("Number out of range")
    }
    return .double(double)
  }

  private func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  private mutating func skipDigits() {
    while let byte = peek(), isDigit(byte) { index += 1 }
  }

  // MARK: - Strings

  private mutating func parseString() throws(JSONParseError) -> String {
    index += 1
    var buffer: [UInt8] = []
    var runStart = index
    while true {
      guard index < bytes.count else { throw error("Unterminated string") }
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        buffer.append(contentsOf: bytes[runStart..<index])
        index += 1
        break
      }
      if byte == UInt8(ascii: "\\") {
        buffer.append(contentsOf: bytes[runStart..<index])
        try parseEscape(into: &buffer)
        runStart = index
        continue
      }
      if byte < 0x20 {
        throw error("Unescaped control character in a string")
      }
      index += 1
    }
    guard let string = String(validating: buffer, as: UTF8.self) else {
      throw error("Invalid UTF-8 in a string")
    }
    return string
  }

  private mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONParseError) {
    index += 1
    guard let escaped = peek() else { throw error("Unterminated escape") }
    index += 1
    switch escaped {
    case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
    case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
    case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
    case UInt8(ascii: "b"): buffer.append(0x08)
    case UInt8(ascii: "f"): buffer.append(0x0C)
    case UInt8(ascii: "n"): buffer.append(0x0A)
    case UInt8(ascii: "r"): buffer.append(0x0D)
    case UInt8(ascii: "t"): buffer.append(0x09)
    case UInt8(ascii: "u"):
      let scalar = try parseUnicodeEscape()
      UTF8.encode(scalar) { buffer.append($0) }
    default:
      throw error("Invalid escape sequence")
    }
  }

  private mutating func parseUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
    let high = try parseHexQuad()
    if (0xD800...0xDBFF).contains(high) {
      guard peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
        throw error("Lone high surrogate in a string")
      }
      index += 2
      let low = try parseHexQuad()
      guard (0xDC00...0xDFFF).contains(low) else { throw error("Invalid low surrogate in a string") }
      let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
      return Unicode.Scalar(value)!
    }
    guard let scalar = Unicode.Scalar(high) else { throw error("Lone low surrogate in a string") }
    return scalar
  }

  private mutating func parseHexQuad() throws(JSONParseError) -> UInt32 {
    guard index + 4 <= bytes.count else { throw error("Unterminated \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt32
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
      default: throw error("Invalid hex digit in a \\u escape")
      }
      value = value << 4 | digit
      index += 1
    }
    return value
  }

  // MARK: - Helpers

  private func peek() -> UInt8? {
    index < bytes.count ? bytes[index] : nil
  }

  private mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x09, 0x0A, 0x0D: index += 1
      default: return
      }
    }
  }

  private func error(_ message: String) -> JSONParseError {
    JSONParseError(message: message, offset: index)
  }
}

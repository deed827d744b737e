extension JSONValue {
  /// Compact UTF-8 JSON text: no whitespace, `/` left unescaped, object keys in insertion order.
  public func serializedBytes() -> [UInt8] {
    var output: [UInt8] = []
    output.reserveCapacity(64)
    write(into: &output)
    return output
  }

  /// Compact JSON text, as `serializedBytes()` but as a `String`.
  public func serializedString() -> String {
    String(decoding: serializedBytes(), as: UTF8.self)
  }

  /// Appends the compact JSON text of this value to `output`.
  public func write(into output: inout [UInt8]) {
    switch self {
    case .null:
      output.append(contentsOf: "null".utf8)
    case .bool(let value):
      output.append(contentsOf: (value ? "true" : "false").utf8)
    case .int(let value):
      output.append(contentsOf: String(value).utf8)
    case .double(let value):
      JSONValue.writeDouble(value, into: &output)
    case .string(let value):
      JSONValue.writeString(value, into: &output)
    case .array(let elements):
      output.append(UInt8(ascii: "["))
      for (position, element) in elements.enumerated() {
        if position > 0 { output.append(UInt8(ascii: ",")) }
        element.write(into: &output)
      }
      output.append(UInt8(ascii: "]"))
    case .object(let object):
      output.append(UInt8(ascii: "{"))
      var first = true
      for (key, value) in object {
        if !first { output.append(UInt8(ascii: ",")) }
        first = false
        JSONValue.writeString(key, into: &output)
        output.append(UInt8(ascii: ":"))
        value.write(into: &output)
      }
      output.append(UInt8(ascii: "}"))
    }
  }

  /// Writes a finite double; a non-finite one has no JSON form and becomes `null`.
  private static func writeDouble(_ value: Double, into output: inout [UInt8]) {
    guard value.isFinite else {
      output.append(contentsOf: "null".utf8)
      return
    }
    if value == value.rounded(), abs(value) < 1e15 {
      output.append(contentsOf: String(Int64(value)).utf8)
    } else {
      output.append(contentsOf: "\(value)".utf8)
    }
  }

  /// Writes `value` as a quoted JSON string, escaping quotes, backslashes and control characters.
  public static func writeString(_ value: String, into output: inout [UInt8]) {
    output.append(UInt8(ascii: "\""))
    let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    for byte in value.utf8 {
      switch byte {
      case UInt8(ascii: "\""):
        output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
      case UInt8(ascii: "\\"):
        output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
      case 0x0A:
        output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
      case 0x0D:
        output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
      case 0x09:
        output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
      case 0x00..<0x20:
        output.append(contentsOf: Array("\\u00".utf8))
        output.append(hexDigits[Int(byte >> 4)])
        output.append(hexDigits[Int(byte & 0x0F)])
      default:
        output.append(byte)
      }
    }
    output.append(UInt8(ascii: "\""))
  }
}

extension JSONValue: CustomStringConvertible {
  public var description: String { serializedString() }
}

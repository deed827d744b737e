import FuzzSupport
import JSONRPC

// Parses the input as JSON and decodes it as a JSON-RPC message, and checks:
// - JSON that parses serializes to text that parses again, to an equivalent value whose serialization is
//   the same text (serialization is a fixed point after one pass);
// - a decoded message, serialized from `Message.jsonValue`, decodes again to an equivalent message;
// - a rejected body gets -32700 exactly when it is not JSON, and -32600 otherwise.
//
// "Equivalent" counts an integral double and the integer of the same value as equal, because the serializer
// writes such doubles without a fraction and the parser reads them back as integers.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []

  let parsed: JSONValue?
  do {
    let value = try JSONParser.parse(input)
    checkRoundTrip(value)
    parsed = value
  } catch {
    require(error.offset >= 0 && error.offset <= input.count, "parse error offset \(error.offset) is out of range")
    parsed = nil
  }

  do {
    let message = try Message.decode(input)
    require(parsed != nil, "Message.decode accepted a body that JSONParser rejects")
    checkRoundTrip(message)
  } catch {
    let expected: ErrorCode = parsed == nil ? .parseError : .invalidRequest
    require(
      error.error.code == expected,
      "rejected body got code \(error.error.code.rawValue), expected \(expected.rawValue): \(error.error.message)")
  }
  return 0
}

private func checkRoundTrip(_ value: JSONValue) {
  let text = value.serializedBytes()
  require(String(validating: text, as: UTF8.self) != nil, "serialized JSON is not valid UTF-8")
  let reparsed: JSONValue
  do {
    reparsed = try JSONParser.parse(text)
  } catch {
    fatalError("serialized JSON does not parse (\(error)): \(String(decoding: text, as: UTF8.self))")
  }
  require(equivalent(value, reparsed), "reparsed JSON differs: \(value) became \(reparsed)")
  let textAgain = reparsed.serializedBytes()
  require(
    textAgain == text,
    "second serialization differs: \(String(decoding: text, as: UTF8.self)) "
      + "became \(String(decoding: textAgain, as: UTF8.self))")
}

private func checkRoundTrip(_ message: Message) {
  let body = message.jsonValue.serializedBytes()
  let decoded: Message
  do {
    decoded = try Message.decode(body)
  } catch {
    fatalError(
      "re-serialized message does not decode (\(error.error.message)): \(String(decoding: body, as: UTF8.self))")
  }
  require(
    equivalent(message.jsonValue, decoded.jsonValue),
    "re-decoded message differs: \(message.jsonValue) became \(decoded.jsonValue)")
  require(kind(of: message) == kind(of: decoded), "\(kind(of: message)) decoded again as \(kind(of: decoded))")
}

private func kind(of message: Message) -> String {
  switch message {
  case .request: return "request"
  case .notification: return "notification"
  case .response(_, .success): return "result response"
  case .response(_, .failure): return "error response"
  }
}

/// Byte equality; `String`'s `==` would also accept canonically equivalent spellings such as "é" and "e\u{301}".
private func sameScalars(_ left: String, _ right: String) -> Bool {
  left.utf8.elementsEqual(right.utf8)
}

/// Structural equality in which `.int(n)` equals `.double(d)` when `d` is exactly `n`, strings compare by
/// their bytes, and object members must appear in the same order.
private func equivalent(_ left: JSONValue, _ right: JSONValue) -> Bool {
  switch (left, right) {
  case (.null, .null):
    return true
  case (.bool(let a), .bool(let b)):
    return a == b
  case (.int(let a), .int(let b)):
    return a == b
  case (.double(let a), .double(let b)):
    return a == b
  case (.int(let a), .double(let b)), (.double(let b), .int(let a)):
    return Int64(exactly: b) == a
  case (.string(let a), .string(let b)):
    return sameScalars(a, b)
  case (.array(let a), .array(let b)):
    return a.count == b.count && zip(a, b).allSatisfy { equivalent($0, $1) }
  case (.object(let a), .object(let b)):
    return a.count == b.count && zip(a, b).allSatisfy { sameScalars($0.key, $1.key) && equivalent($0.value, $1.value) }
  default:
    return false
  }
}

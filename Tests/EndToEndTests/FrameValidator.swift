import Foundation
import JSONRPC

/// Checks a whole captured stdout stream: every byte must belong to a `Content-Length` frame whose body is
/// a JSON-RPC 2.0 message.
///
/// Stricter than the host's own `FrameReader`: header lines must end in CRLF, only `Content-Length` and
/// `Content-Type` are allowed, and a stream may not end inside a frame.
enum FrameValidator {
  private static let headerTerminator: [UInt8] = Array("\r\n\r\n".utf8)

  /// Returns one message per problem; an empty array means the stream is clean.
  static func problems(in bytes: [UInt8]) -> [String] {
    var problems: [String] = []
    var offset = 0
    var frameNumber = 0
    while offset < bytes.count {
      frameNumber += 1
      guard let headerEnd = firstIndex(of: headerTerminator, in: bytes, from: offset) else {
        problems.append("bytes \(offset)..<\(bytes.count) are not a frame header: \(preview(bytes[offset...]))")
        break
      }
      let headerText = String(decoding: bytes[offset..<headerEnd], as: UTF8.self)
      var length: Int?
      for line in headerText.split(separator: "\r\n", omittingEmptySubsequences: false) {
        guard let colon = line.firstIndex(of: ":") else {
          problems.append("frame \(frameNumber) at byte \(offset) has a header line without a colon: \(line)")
          continue
        }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        switch name {
        case "content-length":
          length = Int(value)
          if length == nil {
            problems.append("frame \(frameNumber) at byte \(offset) has an invalid Content-Length '\(value)'")
          }
        case "content-type":
          break
        default:
          problems.append("frame \(frameNumber) at byte \(offset) has an unexpected header '\(line)'")
        }
      }
      guard let length else {
        problems.append("frame \(frameNumber) at byte \(offset) has no usable Content-Length: \(headerText)")
        break
      }
      let bodyStart = headerEnd + headerTerminator.count
      guard bodyStart + length <= bytes.count else {
        problems.append(
          "frame \(frameNumber) at byte \(offset) declares \(length) body bytes but only "
            + "\(bytes.count - bodyStart) follow")
        break
      }
      let body = bytes[bodyStart..<bodyStart + length]
      if let message = try? JSONParser.parse(body) {
        if message["jsonrpc"] != "2.0" {
          problems.append("frame \(frameNumber) at byte \(offset) is not a JSON-RPC 2.0 message: \(preview(body))")
        }
      } else {
        problems.append("frame \(frameNumber) at byte \(offset) has a body that is not JSON: \(preview(body))")
      }
      offset = bodyStart + length
    }
    return problems
  }

  private static func firstIndex(of pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
    guard bytes.count >= pattern.count, start <= bytes.count - pattern.count else { return nil }
    for index in start...(bytes.count - pattern.count) where bytes[index..<index + pattern.count].elementsEqual(pattern) {
      return index
    }
    return nil
  }

  private static func preview(_ bytes: ArraySlice<UInt8>) -> String {
    String(decoding: bytes.prefix(200), as: UTF8.self).debugDescription
  }
}

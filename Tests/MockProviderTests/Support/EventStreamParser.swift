import JSONRPC

/// One dispatched event of a `text/event-stream` body.
struct ParsedEvent: Sendable {
  /// The `event:` field, or `nil` for a data-only event.
  var name: String?
  /// The `data:` lines joined with line feeds.
  var data: String

  var json: JSONValue? { try? JSONParser.parse(Array(data.utf8)) }
  /// The JSON `type` member, which Responses and Anthropic events repeat from the event name.
  var type: String? { json?["type"]?.stringValue }
}

/// Splits an event-stream body into events by the WHATWG HTML rules, as a real client does.
///
/// Lines end at CRLF, LF or a lone CR, and a line starting with `:` is a comment. A field value loses one
/// leading space, and the `data:` lines of one event are joined with LF. An event is dispatched at its blank
/// line, and only if it has data.
enum EventStreamParser {
  /// Returns the dispatched events, and the text of an unfinished last block that a client must discard.
  static func parse(_ bytes: [UInt8]) -> (events: [ParsedEvent], unfinished: String) {
    var events: [ParsedEvent] = []
    var name: String?
    var dataLines: [String] = []
    var pending = ""
    for line in lines(bytes) {
      guard !line.isEmpty else {
        if !dataLines.isEmpty {
          events.append(ParsedEvent(name: name, data: dataLines.joined(separator: "\n")))
        }
        name = nil
        dataLines = []
        pending = ""
        continue
      }
      pending += line + "\n"
      guard !line.hasPrefix(":") else { continue }
      let field: Substring
      var value: Substring
      if let colon = line.firstIndex(of: ":") {
        field = line[..<colon]
        value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
      } else {
        field = Substring(line)
        value = ""
      }
      switch field {
      case "event": name = String(value)
      case "data": dataLines.append(String(value))
      default: break
      }
    }
    return (events, pending)
  }

  /// Splits bytes into lines at CRLF, LF or CR, decoding each whole line as UTF-8. A last line without its
  /// ending is returned too, so the caller can report it.
  private static func lines(_ bytes: [UInt8]) -> [String] {
    var lines: [String] = []
    var start = 0
    var index = 0
    while index < bytes.count {
      let byte = bytes[index]
      guard byte == 0x0A || byte == 0x0D else {
        index += 1
        continue
      }
      lines.append(String(decoding: bytes[start..<index], as: UTF8.self))
      index += byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
      start = index
    }
    if start < bytes.count {
      lines.append(String(decoding: bytes[start...], as: UTF8.self))
    }
    return lines
  }
}

import FuzzSupport
import HTTPStreaming

// Feeds the input to `ServerSentEventParser` whole, in random chunks and one byte at a time, and checks that
// every split gives the same events, the same event from `finish()` and the same reconnection delay. The
// whole-input result is also compared with `referenceEvents`, a direct reading of the WHATWG event-stream
// rules that decodes the stream first and then splits it into lines.

/// Inputs up to this size are also fed one byte at a time. Longer inputs would spend most of the run on it, and
/// their random chunks already contain many single bytes.
private let singleByteLimit = 512

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServerSentEvents(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  var generator = SplitMix64(seed: fnv1a(input))

  let whole = parse([input[...]])
  let random = parse(randomChunks(of: input, using: &generator), noncontiguousEvery: 2)
  require(random == whole, "random chunks gave \(random), the whole input gave \(whole)")
  if input.count <= singleByteLimit {
    let single = parse(singleByteChunks(of: input))
    require(single == whole, "single bytes gave \(single), the whole input gave \(whole)")
  }

  let reference = referenceParse(input)
  require(whole == reference, "the parser gave \(whole), the reference reading gave \(reference)")
  return 0
}

private struct Parse: Equatable, CustomStringConvertible {
  var events: [ServerSentEvent] = []
  var trailing: ServerSentEvent?
  var reconnectionDelay: Duration?

  var description: String {
    let delay = String(describing: reconnectionDelay)
    return "events \(events.map(show)), trailing \(trailing.map(show) ?? "none"), retry \(delay)"
  }
}

private func show(_ event: ServerSentEvent) -> String {
  "(event: \(event.event.debugDescription), data: \(event.data.debugDescription), id: \(event.id.debugDescription))"
}

/// Feeds `chunks` to a new parser. When `noncontiguousEvery` is set, every that many chunks go in as a lazy
/// collection without contiguous storage, which takes the parser's copying path.
private func parse(_ chunks: [ArraySlice<UInt8>], noncontiguousEvery: Int? = nil) -> Parse {
  var parser = ServerSentEventParser()
  var result = Parse()
  for (position, chunk) in chunks.enumerated() {
    if let noncontiguousEvery, position % noncontiguousEvery == 0 {
      result.events += parser.feed(chunk.lazy.map { $0 })
    } else {
      result.events += parser.feed(chunk)
    }
  }
  result.reconnectionDelay = parser.reconnectionDelay
  result.trailing = parser.finish()
  return result
}

// MARK: - Reference

/// Reads the stream as the WHATWG HTML "event stream interpretation" section describes it: decode all bytes
/// as UTF-8 with replacement, drop one leading U+FEFF, split into lines at CRLF, LF or CR, and apply each line.
///
/// Two choices follow `ServerSentEventParser` where the standard leaves them to the caller: an empty event type
/// or last event ID is reported as nil, and the unterminated last block is returned as `trailing` (the standard
/// discards it).
private func referenceParse(_ input: [UInt8]) -> Parse {
  var scalars = Array(String(decoding: input, as: UTF8.self).unicodeScalars)
  if scalars.first == "\u{FEFF}" {
    scalars.removeFirst()
  }

  var lines: [[Unicode.Scalar]] = []
  var current: [Unicode.Scalar] = []
  var index = 0
  while index < scalars.count {
    let scalar = scalars[index]
    index += 1
    if scalar == "\r" || scalar == "\n" {
      lines.append(current)
      current = []
      if scalar == "\r", index < scalars.count, scalars[index] == "\n" {
        index += 1
      }
    } else {
      current.append(scalar)
    }
  }

  var result = Parse()
  var dataBuffer = ""
  var hasData = false
  var eventType = ""
  var lastEventID = ""
  func makeEvent() -> ServerSentEvent {
    ServerSentEvent(
      event: eventType.isEmpty ? nil : eventType, data: dataBuffer, id: lastEventID.isEmpty ? nil : lastEventID)
  }
  func apply(_ line: [Unicode.Scalar]) {
    if line.isEmpty {
      if hasData {
        result.events.append(makeEvent())
      }
      dataBuffer = ""
      hasData = false
      eventType = ""
      return
    }
    if line[0] == ":" {
      return
    }
    let colon = line.firstIndex(of: ":") ?? line.count
    var value = colon < line.count ? Array(line[(colon + 1)...]) : []
    if value.first == " " {
      value.removeFirst()
    }
    let name = String(String.UnicodeScalarView(line[..<colon]))
    let text = String(String.UnicodeScalarView(value))
    switch name {
    case "data":
      dataBuffer += hasData ? "\n" + text : text
      hasData = true
    case "event":
      eventType = text
    case "id":
      if !value.contains("\u{0}") {
        lastEventID = text
      }
    case "retry":
      if !value.isEmpty, value.allSatisfy({ ("0"..."9").contains($0) }), let milliseconds = Int64(text) {
        result.reconnectionDelay = .milliseconds(milliseconds)
      }
    default:
      break
    }
  }

  for line in lines {
    apply(line)
  }
  // The parser reports its delay before `finish()`, which applies the unterminated last line and then resets.
  let delayBeforeFinish = result.reconnectionDelay
  if !current.isEmpty {
    apply(current)
  }
  result.reconnectionDelay = delayBeforeFinish
  if hasData {
    result.trailing = makeEvent()
  }
  return result
}

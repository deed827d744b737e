import HTTPStreaming
import Testing

@Suite struct ServerSentEventParserTests {
  /// Feeds `chunks` in order, then returns every dispatched event.
  private func parse(_ chunks: [[UInt8]]) -> [ServerSentEvent] {
    var parser = ServerSentEventParser()
    return chunks.flatMap { parser.feed($0) }
  }

  private func parse(_ text: String) -> [ServerSentEvent] {
    parse([Array(text.utf8)])
  }

  /// A transcript exercising every field kind, comments and all three line ends.
  private static let transcript = Array(
    ("\u{FEFF}: keep-alive\r\n"
      + "event: message_start\ndata: {\"type\":\"message_start\"}\n\n"
      + "id: 7\rdata: first line\rdata:second line\r\r"
      + "retry: 2500\r\n: comment\r\ndata: caf\u{E9} \u{1F600}\r\n\r\n"
      + "event: ping\n\n"
      + "data: [DONE]\n\n").utf8)

  private static let transcriptEvents = [
    ServerSentEvent(event: "message_start", data: "{\"type\":\"message_start\"}"),
    ServerSentEvent(data: "first line\nsecond line", id: "7"),
    ServerSentEvent(data: "caf\u{E9} \u{1F600}", id: "7"),
    ServerSentEvent(data: "[DONE]", id: "7"),
  ]

  // MARK: - Fields

  @Test func dataLineDispatchesAtBlankLine() {
    #expect(parse("data: hello\n\n") == [ServerSentEvent(data: "hello")])
  }

  @Test func doneMarkerIsPlainData() {
    #expect(parse("data: [DONE]\n\n") == [ServerSentEvent(data: "[DONE]")])
  }

  @Test func eventWithoutBlankLineIsNotDispatched() {
    #expect(parse("data: pending\n").isEmpty)
  }

  @Test func eventFieldNamesEvent() {
    #expect(parse("event: ping\ndata: {}\n\n") == [ServerSentEvent(event: "ping", data: "{}")])
  }

  @Test func eventTypeResetsAfterDispatch() {
    let events = parse("event: a\ndata: 1\n\ndata: 2\n\n")
    #expect(events.map(\.event) == ["a", nil])
  }

  @Test func multiLineDataJoinsWithLineFeed() {
    #expect(parse("data: a\ndata: b\ndata: c\n\n") == [ServerSentEvent(data: "a\nb\nc")])
  }

  @Test func commentLinesAreIgnored() {
    #expect(parse(": keep-alive\ndata: x\n: another\n\n") == [ServerSentEvent(data: "x")])
  }

  @Test func commentOnlyStreamDispatchesNothing() {
    #expect(parse(": ping\n\n: ping\n\n").isEmpty)
  }

  @Test(arguments: [
    ("data:x\n\n", "x"),
    ("data: x\n\n", "x"),
    ("data:  x\n\n", " x"),
    ("data: x \n\n", "x "),
    ("data:\n\n", ""),
    ("data\n\n", ""),
    ("data: a:b\n\n", "a:b"),
  ])
  func valueLosesOneLeadingSpace(input: String, expectedData: String) {
    #expect(parse(input).map(\.data) == [expectedData])
  }

  @Test func eventWithoutDataIsNotDispatched() {
    #expect(parse("event: ping\n\nid: 3\n\nretry: 10\n\n").isEmpty)
  }

  @Test func unknownFieldIsIgnored() {
    #expect(parse("foo: bar\ndata: x\n\n") == [ServerSentEvent(data: "x")])
  }

  @Test func fieldNamesAreCaseSensitive() {
    #expect(parse("Data: x\n\n").isEmpty)
  }

  @Test func idPersistsAcrossEvents() {
    let events = parse("id: 1\ndata: a\n\ndata: b\n\n")
    #expect(events.map(\.id) == ["1", "1"])
  }

  @Test func emptyIDResetsLastEventID() {
    let events = parse("id: 1\ndata: a\n\nid\ndata: b\n\n")
    #expect(events.map(\.id) == ["1", nil])
  }

  @Test func idContainingNULIsIgnored() {
    let events = parse("id: 1\ndata: a\n\nid: 2\u{0}3\ndata: b\n\n")
    #expect(events.map(\.id) == ["1", "1"])
  }

  @Test func retrySetsReconnectionDelay() {
    var parser = ServerSentEventParser()
    _ = parser.feed(Array("retry: 2500\n".utf8))
    #expect(parser.reconnectionDelay == .milliseconds(2500))
  }

  @Test(arguments: ["retry: 25x\n", "retry: -1\n", "retry:\n", "retry: 1.5\n"])
  func retryWithNonDigitsIsIgnored(line: String) {
    var parser = ServerSentEventParser()
    _ = parser.feed(Array(line.utf8))
    #expect(parser.reconnectionDelay == nil)
  }

  // MARK: - Line ends

  @Test(arguments: [
    ("LF", "data: a\ndata: b\n\n"),
    ("CR", "data: a\rdata: b\r\r"),
    ("CRLF", "data: a\r\ndata: b\r\n\r\n"),
    ("mixed", "data: a\rdata: b\r\n\n"),
  ])
  func lineEndsAreEquivalent(name: String, input: String) {
    #expect(parse(input) == [ServerSentEvent(data: "a\nb")], "line ends: \(name)")
  }

  @Test func crlfSplitAcrossFeedsIsOneLineEnd() {
    let events = parse([Array("data: a\r".utf8), Array("\ndata: b\r".utf8), Array("\n\r".utf8), Array("\n".utf8)])
    #expect(events == [ServerSentEvent(data: "a\nb")])
  }

  @Test func crAtEndOfFeedThenDataStartsNewLine() {
    let events = parse([Array("data: a\r".utf8), Array("\r".utf8), Array("data: b\n\n".utf8)])
    #expect(events == [ServerSentEvent(data: "a"), ServerSentEvent(data: "b")])
  }

  @Test func emptyFeedKeepsPendingCarriageReturn() {
    let events = parse([Array("data: a\r".utf8), [], Array("\n\n".utf8)])
    #expect(events == [ServerSentEvent(data: "a")])
  }

  // MARK: - UTF-8 and byte order mark

  @Test(arguments: 1...3)
  func fourByteCharacterSplitAcrossFeeds(splitOffset: Int) {
    let prefix = Array("data: ".utf8)
    let character = Array("\u{1F600}".utf8)
    let chunks = [prefix + character[..<splitOffset], Array(character[splitOffset...]) + Array("\n\n".utf8)]
    #expect(parse(chunks) == [ServerSentEvent(data: "\u{1F600}")])
  }

  @Test func invalidUTF8BecomesReplacementCharacter() {
    let bytes = Array("data: a".utf8) + [0xFF] + Array("b\n\n".utf8)
    #expect(parse([bytes]) == [ServerSentEvent(data: "a\u{FFFD}b")])
  }

  @Test func byteOrderMarkAtStartIsStripped() {
    #expect(parse("\u{FEFF}data: x\n\n") == [ServerSentEvent(data: "x")])
  }

  @Test(arguments: 1...2)
  func byteOrderMarkSplitAcrossFeedsIsStripped(splitOffset: Int) {
    let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
    let chunks = [Array(mark[..<splitOffset]), Array(mark[splitOffset...]) + Array("data: x\n\n".utf8)]
    #expect(parse(chunks) == [ServerSentEvent(data: "x")])
  }

  @Test func byteOrderMarkAfterStartIsKept() {
    #expect(parse("data: a\n\ndata: \u{FEFF}b\n\n").map(\.data) == ["a", "\u{FEFF}b"])
  }

  @Test func partialByteOrderMarkIsContent() {
    // The kept 0xEF turns the first field name into "\u{FFFD}data", so only the second event is dispatched.
    let events = parse([[0xEF], Array("data: y\n\ndata: z\n\n".utf8)])
    #expect(events == [ServerSentEvent(data: "z")])
  }

  // MARK: - Splitting

  @Test func transcriptInOneFeed() {
    #expect(parse([Self.transcript]) == Self.transcriptEvents)
  }

  @Test func transcriptOneByteAtATime() {
    #expect(parse(Self.transcript.map { [$0] }) == Self.transcriptEvents)
  }

  @Test(arguments: 0..<200)
  func transcriptInRandomSplits(seed: UInt64) {
    var generator = SplitMix64(seed: seed)
    var chunks: [[UInt8]] = []
    var offset = 0
    while offset < Self.transcript.count {
      let length = Int.random(in: 0...12, using: &generator)
      let end = min(offset + length, Self.transcript.count)
      chunks.append(Array(Self.transcript[offset..<end]))
      offset = end
    }
    #expect(parse(chunks) == Self.transcriptEvents, "seed \(seed)")
  }

  @Test func feedAcceptsNonContiguousCollection() {
    var parser = ServerSentEventParser()
    let events = parser.feed("data: x\n\n".utf8.reversed().reversed())
    #expect(events == [ServerSentEvent(data: "x")])
  }

  @Test func megabyteDataLineInChunks() {
    let payload = [UInt8](repeating: UInt8(ascii: "a"), count: 1 << 20)
    let stream = Array("data: ".utf8) + payload + Array("\n\n".utf8)
    var chunks: [[UInt8]] = []
    var offset = 0
    while offset < stream.count {
      let end = min(offset + 16_384, stream.count)
      chunks.append(Array(stream[offset..<end]))
      offset = end
    }
    let events = parse(chunks)
    #expect(events.count == 1)
    #expect(events.first?.data.utf8.count == payload.count)
  }

  // MARK: - End of stream

  @Test func finishReturnsUnterminatedEvent() {
    var parser = ServerSentEventParser()
    _ = parser.feed(Array("event: delta\ndata: a\ndata: b".utf8))
    #expect(parser.finish() == ServerSentEvent(event: "delta", data: "a\nb"))
  }

  @Test func finishReturnsEventMissingOnlyBlankLine() {
    var parser = ServerSentEventParser()
    _ = parser.feed(Array("data: a\n".utf8))
    #expect(parser.finish() == ServerSentEvent(data: "a"))
  }

  @Test func finishReturnsNilAfterCompleteEvents() {
    var parser = ServerSentEventParser()
    _ = parser.feed(Array("data: a\n\n: bye\n".utf8))
    #expect(parser.finish() == nil)
  }

  @Test func finishResetsParser() {
    var parser = ServerSentEventParser()
    _ = parser.feed(Array("id: 4\ndata: a".utf8))
    _ = parser.finish()
    #expect(parser.feed(Array("data: b\n\n".utf8)) == [ServerSentEvent(data: "b")])
  }
}

/// A small seeded generator, so a failing random split can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64

  init(seed: UInt64) {
    state = seed
  }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var value = state
    value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
    value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
    return value ^ (value >> 31)
  }
}

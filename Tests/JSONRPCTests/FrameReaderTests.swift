import JSONRPC
import Testing

@Suite struct FrameReaderTests {
  private static func frame(_ body: String) -> [UInt8] {
    Array("Content-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
  }

  private static func bodies(_ items: [FrameReader.Item]) -> [String] {
    items.compactMap {
      if case .body(let bytes) = $0 { return String(decoding: bytes, as: UTF8.self) }
      return nil
    }
  }

  private static func errors(_ items: [FrameReader.Item]) -> [FrameReader.FrameError] {
    items.compactMap {
      if case .error(let error) = $0 { return error }
      return nil
    }
  }

  @Test func byteAtATimeDelivery() {
    var reader = FrameReader()
    let input = Self.frame(#"{"a":"é✓"}"#) + Self.frame("{}")
    var items: [FrameReader.Item] = []
    for byte in input {
      items += reader.feed([byte])
    }
    #expect(Self.bodies(items) == [#"{"a":"é✓"}"#, "{}"])
    #expect(reader.bufferedByteCount == 0)
  }

  @Test(arguments: 1...40)
  func splitAtEveryOffset(offset: Int) {
    var reader = FrameReader()
    let input = Self.frame(#"{"jsonrpc":"2.0","method":"ping"}"#)
    let cut = min(offset, input.count)
    let items = reader.feed(input[..<cut]) + reader.feed(input[cut...])
    #expect(Self.bodies(items) == [#"{"jsonrpc":"2.0","method":"ping"}"#])
  }

  @Test func severalFramesInOneRead() {
    var reader = FrameReader()
    let items = reader.feed(Self.frame("[1]") + Self.frame("[2]") + Self.frame("[3]"))
    #expect(Self.bodies(items) == ["[1]", "[2]", "[3]"])
  }

  @Test func contentTypeHeaderTolerated() {
    var reader = FrameReader()
    let input = Array("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: 2\r\n\r\n{}".utf8)
    #expect(Self.bodies(reader.feed(input)) == ["{}"])
  }

  @Test func missingContentLengthRecovers() {
    var reader = FrameReader()
    let items = reader.feed(Array("X-Other: 1\r\n\r\n".utf8) + Self.frame("{}"))
    #expect(Self.errors(items) == [.missingContentLength])
    #expect(Self.bodies(items) == ["{}"])
  }

  @Test(arguments: ["-5", "abc", "1.5", "", "+2"])
  func invalidLengthRejected(value: String) {
    var reader = FrameReader()
    let items = reader.feed(Array("Content-Length: \(value)\r\n\r\n".utf8))
    #expect(Self.errors(items) == [.invalidContentLength(value)])
  }

  @Test func oversizedBodySkippedWithoutBuffering() {
    var reader = FrameReader(maximumBodyLength: 10)
    var items = reader.feed(Array("Content-Length: 1000\r\n\r\n".utf8))
    #expect(Self.errors(items) == [.bodyTooLarge(length: 1000, maximum: 10)])
    for _ in 0..<10 {
      items = reader.feed([UInt8](repeating: 0x41, count: 100))
      #expect(reader.bufferedByteCount == 0)
    }
    #expect(Self.bodies(reader.feed(Self.frame("{}"))) == ["{}"])
  }

  @Test func hugeDeclaredLengthRejected() {
    var reader = FrameReader()
    let items = reader.feed(Array("Content-Length: 99999999999\r\n\r\n".utf8))
    #expect(Self.errors(items) == [.bodyTooLarge(length: 99_999_999_999, maximum: FrameReader.defaultMaximumBodyLength)])
  }

  @Test func headerWithoutBlankLineIsBounded() {
    var reader = FrameReader()
    let items = reader.feed([UInt8](repeating: 0x41, count: FrameReader.maximumHeaderLength + 10))
    #expect(Self.errors(items) == [.headerTooLong])
    #expect(reader.bufferedByteCount == 0)
  }

  @Test func writerFrameRoundTrips() {
    var reader = FrameReader()
    let message: JSONValue = ["jsonrpc": "2.0", "method": "x", "params": ["text": "a/b ✓"]]
    let items = reader.feed(FrameWriter.frame(message))
    #expect(Self.bodies(items) == [#"{"jsonrpc":"2.0","method":"x","params":{"text":"a/b ✓"}}"#])
  }
}

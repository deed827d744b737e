import JSONRPC
import Testing

@Suite struct JSONParserTests {
  @Test(arguments: [
    #"{"a":[1,-2,3.5,true,false,null],"b":"x"}"#,
    #"{"nested":{"deep":[[[]]]},"empty":{}}"#,
    #""\u00e9\ud83d\ude00\n\t\"\\""#,
    "9007199254740993",
  ])
  func roundTripsCompactJSON(text: String) throws {
    let value = try JSONParser.parse(text)
    let again = try JSONParser.parse(value.serializedString())
    #expect(again == value)
  }

  @Test func keepsKeyOrder() throws {
    let value = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
    #expect(value.serializedString() == #"{"z":1,"a":2,"m":3}"#)
  }

  @Test func keepsLargeIntegersExact() throws {
    #expect(try JSONParser.parse("9007199254740993") == .int(9_007_199_254_740_993))
  }

  @Test func doesNotEscapeSlashes() {
    #expect(JSONValue.string("file:///a").serializedString() == #""file:///a""#)
  }

  @Test(arguments: [
    "[1,]", "{\"a\":1,}", "01", "1e999", "\"\\ud800\"", "tru", "[", "{\"a\" 1}", "\"\u{01}\"", "1 2", "",
  ])
  func rejectsInvalidJSON(text: String) {
    #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
  }

  @Test func rejectsInvalidUTF8() {
    #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
  }

  @Test func rejectsDeepNesting() {
    let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
  }

  @Test func acceptsNestingAtLimit() throws {
    let depth = JSONParser.defaultMaximumDepth
    let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    #expect(throws: Never.self) { try JSONParser.parse(text) }
  }

  @Test func escapesControlCharacters() {
    #expect(JSONValue.string("a\u{01}b\n").serializedString() == #""a\u0001b\n""#)
  }
}

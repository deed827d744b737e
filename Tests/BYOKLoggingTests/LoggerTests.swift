import BYOKLogging
import Testing

@Suite struct SecretTests {
  @Test func printsRedacted() {
    let secret = Secret("sk-live-123456")
    #expect("\(secret)" == "<redacted>")
    #expect(String(reflecting: secret) == "<redacted>")
    #expect(!String(describing: [secret]).contains("sk-live"))
  }

  @Test func mirrorHasNoChildren() {
    #expect(Mirror(reflecting: Secret("sk-live-123456")).children.isEmpty)
  }
}

@Suite struct LoggerTests {
  private func logger(level: LogLevel?) -> (Logger, InMemoryLogSink) {
    let sink = InMemoryLogSink()
    return (Logger(subsystem: "test", configuration: LogConfiguration(level: level, sink: sink)), sink)
  }

  @Test func writesOneLinePerEventWithMetadata() {
    let (logger, sink) = logger(level: .info)
    logger.info("Session created", ["session": "s1", "model": "gpt 4"])
    #expect(sink.lines.count == 1)
    #expect(sink.lines.first?.contains("info [test] Session created session=s1 model=\"gpt 4\"") == true)
  }

  @Test func filtersBelowLevel() {
    let (logger, sink) = logger(level: .warning)
    logger.debug("Hidden")
    logger.info("Hidden")
    logger.warning("Shown")
    #expect(sink.lines.count == 1)
  }

  @Test func noneTurnsLoggingOff() {
    let (logger, sink) = logger(level: nil)
    logger.error("Hidden")
    #expect(sink.lines.isEmpty)
  }

  @Test func secretMetadataIsRedacted() {
    let (logger, sink) = logger(level: .debug)
    logger.debug("Key", ["key": Secret("sk-live-123456")])
    #expect(sink.lines.first?.contains("sk-live") == false)
    #expect(sink.lines.first?.contains("key=<redacted>") == true)
  }

  @Test func newlinesInValuesStayOnOneLine() {
    let (logger, sink) = logger(level: .debug)
    logger.debug("Multi", ["text": "a\nb"])
    #expect(sink.lines.first?.contains("\n") == false)
  }

  @Test(arguments: [
    ("none", Optional<LogLevel>.none), ("error", .error), ("warning", .warning), ("info", .info), ("debug", .debug),
    ("all", .debug),
  ])
  func parsesSDKLevelNames(name: String, expected: LogLevel?) {
    #expect(LogLevel.parse(name) == .some(expected))
  }

  @Test func rejectsUnknownLevel() {
    #expect(LogLevel.parse("loud") == nil)
  }
}

extension MockScript {
  /// The script behind `byok-host chat --mock`: one friendly reply in seven chunks, 30 ms apart so streaming
  /// is visible in a terminal, repeated for every turn.
  public static let `default` = MockScript(
    model: "mock-model",
    replies: [
      MockReply(
        .text(
          MockTextReply(
            text: "Hello! This reply comes from the built-in mock provider: no API key or network was used.",
            chunks: [
              "Hello! ", "This reply comes ", "from the built-in ", "mock provider: ", "no API key ", "or network ",
              "was used.",
            ],
            delayMilliseconds: 30)))
    ],
    afterLast: .repeatLast)
}

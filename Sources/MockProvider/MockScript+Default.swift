extension MockScript {
  /// The script behind `byok-host chat --mock`: one friendly streamed answer, repeated for every turn, with
  /// 30 ms between word chunks so streaming is visible in a terminal.
  public static let `default` = MockScript(
    model: "mock-model",
    replies: [
      MockReply(
        .text(
          MockTextReply(
            text: "Hello! This answer comes from the built-in mock provider, so no API key or network was used. "
              + "Configure a real provider to talk to a model.",
            delayMilliseconds: 30)))
    ],
    afterLast: .repeatLast)
}

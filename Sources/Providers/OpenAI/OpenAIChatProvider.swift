import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC

/// OpenAI Chat Completions, as OpenAI, Azure OpenAI and every compatible server (Ollama, vLLM, LM Studio,
/// llama.cpp, …) speak it.
struct OpenAIChatProvider: ModelProvider {
  var builder: OpenAIChatRequestBuilder
  var transport: ProviderTransport

  var apiEndpoint: String { "/chat/completions" }

  func stream(_ request: ModelRequest) -> AsyncThrowingStream<ModelStreamEvent, any Error> {
    ProviderStream.make { continuation in
      var response = try await transport.open { token in builder.httpRequest(for: request, clientToken: token) }
      var decoder = OpenAIChatStreamDecoder()
      var parser = ServerSentEventParser()
      try await ProviderStream.forEachBody(of: &response, errors: transport.errors) { bytes in
        for event in parser.feed(bytes) {
          for output in try decoder.decode(event, errors: transport.errors) {
            continuation.yield(output)
          }
        }
      }
      for output in try decoder.finish() {
        continuation.yield(output)
      }
    }
  }
}

/// Runs a provider's streaming work as an `AsyncThrowingStream` that cancels the work when dropped.
enum ProviderStream {
  static func make(
    _ body: @escaping @Sendable (AsyncThrowingStream<ModelStreamEvent, any Error>.Continuation) async throws -> Void
  ) -> AsyncThrowingStream<ModelStreamEvent, any Error> {
    AsyncThrowingStream { continuation in
      let task = Task {
        do {
          try await body(continuation)
          continuation.finish()
        } catch {
          continuation.finish(throwing: error)
        }
      }
      continuation.onTermination = { _ in task.cancel() }
    }
  }

  /// Feeds each body chunk of an open response to `handle`, mapping transport failures to `ProviderError`.
  static func forEachBody(
    of response: inout ProviderTransport.OpenResponse, errors: ProviderErrorMapper,
    _ handle: ([UInt8]) throws -> Void
  ) async throws {
    do {
      while let event = try await response.body.next() {
        if case .body(let bytes) = event { try handle(bytes) }
      }
    } catch let error as ProviderError {
      throw error
    } catch {
      if Task.isCancelled || (error as? HTTPClientError) == .cancelled { throw CancellationError() }
      throw errors.map(transportError: error)
    }
  }
}

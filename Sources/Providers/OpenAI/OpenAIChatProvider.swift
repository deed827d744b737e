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
    ProviderStream.serverSentEvents(transport: transport, decoder: OpenAIChatStreamDecoder()) { token in
      builder.httpRequest(for: request, clientToken: token)
    }
  }
}

/// Turns a provider's server-sent events into neutral events; `finish` closes the answer or fails it.
protocol ServerSentEventDecoder: Sendable {
  mutating func decode(_ event: ServerSentEvent, errors: ProviderErrorMapper) throws -> [ModelStreamEvent]
  mutating func finish() throws -> [ModelStreamEvent]
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

  /// Opens the request and passes each server-sent event through `decoder`, yielding what it decodes.
  static func serverSentEvents<Decoder: ServerSentEventDecoder>(
    transport: ProviderTransport,
    decoder: Decoder,
    makeRequest: @escaping @Sendable (Secret?) -> HTTPRequest
  ) -> AsyncThrowingStream<ModelStreamEvent, any Error> {
    make { continuation in
      var response = try await transport.open(makeRequest)
      var decoder = decoder
      var parser = ServerSentEventParser()
      try await forEachBody(of: &response, errors: transport.errors) { bytes in
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

  /// Feeds each body chunk of an open response to `handle`, mapping transport failures to `ProviderError`.
  static func forEachBody(
    of response: inout ProviderTransport.OpenResponse, errors: ProviderErrorMapper,
    _ handle: ([UInt8]) throws -> Void
  ) async throws {
    do {
      while let event = try await response.body.next() {
        if case .body(let bytes) = event { try handle(bytes) }
      }
      // NOTE: A stream whose consumer was cancelled between two events ends as if complete, because
      // AsyncThrowingStream(unfolding:) returns nil once its task is cancelled; this check turns that
      // end back into a cancellation.
      try Task.checkCancellation()
    } catch let error as ProviderError {
      throw error
    } catch {
      if Task.isCancelled || (error as? HTTPClientError) == .cancelled { throw CancellationError() }
      throw errors.map(transportError: error)
    }
  }
}

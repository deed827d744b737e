import AgentCore
import BYOKLogging
import HTTPStreaming
import JSONRPC

/// OpenAI Chat Completions, and every server that speaks it (Ollama, vLLM, LM Studio, llama.cpp, …).
struct OpenAIChatProvider: ModelProvider {
  var builder: OpenAIChatRequestBuilder
  var httpClient: any HTTPClient
  var errors: ProviderErrorMapper
  let logger = Logger(subsystem: "provider.openai")

  var apiEndpoint: String { "/chat/completions" }

  func stream(_ request: ModelRequest) -> AsyncThrowingStream<ModelStreamEvent, any Error> {
    AsyncThrowingStream { continuation in
      let task = Task {
        do {
          try await run(request, continuation: continuation)
          continuation.finish()
        } catch {
          continuation.finish(throwing: error)
        }
      }
      continuation.onTermination = { _ in task.cancel() }
    }
  }

  private func run(
    _ request: ModelRequest, continuation: AsyncThrowingStream<ModelStreamEvent, any Error>.Continuation
  ) async throws {
    let httpRequest = builder.httpRequest(for: request, bearerToken: nil)
    logger.debug("Sending request", ["url": httpRequest.redactedURL, "model": request.model])
    var decoder = OpenAIChatStreamDecoder()
    var parser = ServerSentEventParser()
    var status = 0
    var errorBody: [UInt8] = []
    do {
      for try await event in httpClient.stream(httpRequest) {
        switch event {
        case .response(let code, _):
          status = code
          logger.debug("Response received", ["url": httpRequest.redactedURL, "status": code])
        case .body(let bytes):
          guard (200..<300).contains(status) else {
            errorBody.append(contentsOf: bytes)
            continue
          }
          for sse in parser.feed(bytes) {
            for output in try decoder.decode(sse, errors: errors) {
              continuation.yield(output)
            }
          }
        }
      }
    } catch let error as ProviderError {
      throw error
    } catch is CancellationError {
      throw CancellationError()
    } catch {
      if Task.isCancelled { throw CancellationError() }
      throw errors.map(transportError: error)
    }
    guard (200..<300).contains(status) else {
      throw errors.map(status: status, body: errorBody)
    }
    for output in try decoder.finish() {
      continuation.yield(output)
    }
  }
}

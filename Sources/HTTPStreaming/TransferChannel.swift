import Synchronization

/// A bounded single-consumer queue between one transfer on the libcurl thread and the task reading its stream.
///
/// Body bytes that arrive while the consumer is busy are appended to one buffer. Once that buffer contains
/// `maximumBufferedBytes`, further offers are rejected and the producer pauses the transfer. The consumer's next
/// read then has the engine resume it, so memory stays bounded and no byte is dropped.
final class TransferChannel: Sendable {
  /// The outcome of offering body bytes, which decides the producer's next step.
  enum OfferResult {
    /// The bytes were taken.
    case accepted
    /// The bytes were not taken because the buffer is full; pause the transfer and offer them again later.
    case paused
    /// The consumer is gone; drop the bytes.
    case closed
  }

  private enum Termination {
    case finished
    case failed(HTTPClientError)
  }

  private struct State {
    var pendingResponse: HTTPStreamEvent?
    var pendingBody: [UInt8] = []
    var termination: Termination?
    var isTerminationDelivered = false
    var waiter: CheckedContinuation<HTTPStreamEvent?, any Error>?
    var isProducerPaused = false
  }

  let transferID: UInt64
  private let engine: CurlEngine
  private let maximumBufferedBytes: Int
  private let state = Mutex(State())

  init(transferID: UInt64, engine: CurlEngine, maximumBufferedBytes: Int) {
    self.transferID = transferID
    self.engine = engine
    self.maximumBufferedBytes = maximumBufferedBytes
  }

  // MARK: - Producer (libcurl thread)

  func deliverResponse(status: Int, headers: [HTTPHeader]) {
    let event = HTTPStreamEvent.response(status: status, headers: headers)
    let waiter = state.withLock { state -> CheckedContinuation<HTTPStreamEvent?, any Error>? in
      guard state.termination == nil else { return nil }
      guard let waiter = state.waiter else {
        state.pendingResponse = event
        return nil
      }
      state.waiter = nil
      return waiter
    }
    waiter?.resume(returning: event)
  }

  func offerBody(_ bytes: UnsafeRawBufferPointer) -> OfferResult {
    let (result, waiter) = state.withLock {
      state -> (OfferResult, CheckedContinuation<HTTPStreamEvent?, any Error>?) in
      guard state.termination == nil else { return (.closed, nil) }
      guard state.pendingBody.count < maximumBufferedBytes else {
        state.isProducerPaused = true
        return (.paused, nil)
      }
      if let waiter = state.waiter {
        state.waiter = nil
        return (.accepted, waiter)
      }
      state.pendingBody.append(contentsOf: bytes)
      return (.accepted, nil)
    }
    waiter?.resume(returning: .body(Array(bytes)))
    return result
  }

  /// Ends the stream after the buffered events: normally when `error` is nil, otherwise by throwing it.
  func finish(throwing error: HTTPClientError?) {
    let waiter = state.withLock { state -> CheckedContinuation<HTTPStreamEvent?, any Error>? in
      guard state.termination == nil else { return nil }
      state.termination = error.map(Termination.failed) ?? .finished
      guard let waiter = state.waiter else { return nil }
      state.waiter = nil
      state.isTerminationDelivered = true
      return waiter
    }
    guard let waiter else { return }
    if let error {
      waiter.resume(throwing: error)
    } else {
      waiter.resume(returning: nil)
    }
  }

  // MARK: - Consumer

  /// Returns the next event, `nil` after the end, or throws the transfer's error once.
  func next() async throws -> HTTPStreamEvent? {
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        receive(into: continuation)
      }
    } onCancel: {
      cancel()
    }
  }

  /// Ends the stream with ``HTTPClientError/cancelled``, drops buffered bytes and cancels the transfer.
  ///
  /// Does nothing once the stream has ended.
  func cancel() {
    let (isNewlyCancelled, waiter) = state.withLock {
      state -> (Bool, CheckedContinuation<HTTPStreamEvent?, any Error>?) in
      guard state.termination == nil else { return (false, nil) }
      state.termination = .failed(.cancelled)
      state.pendingResponse = nil
      state.pendingBody = []
      let waiter = state.waiter
      state.waiter = nil
      state.isTerminationDelivered = waiter != nil
      return (true, waiter)
    }
    guard isNewlyCancelled else { return }
    waiter?.resume(throwing: HTTPClientError.cancelled)
    engine.cancel(transferID: transferID)
  }

  private func receive(into continuation: CheckedContinuation<HTTPStreamEvent?, any Error>) {
    enum Outcome {
      case event(HTTPStreamEvent, resumeProducer: Bool)
      case end(Termination?)
      case wait
    }
    let outcome = state.withLock { state -> Outcome in
      if let response = state.pendingResponse {
        state.pendingResponse = nil
        return .event(response, resumeProducer: false)
      }
      if !state.pendingBody.isEmpty {
        let body = state.pendingBody
        state.pendingBody = []
        let resumeProducer = state.isProducerPaused
        state.isProducerPaused = false
        return .event(.body(body), resumeProducer: resumeProducer)
      }
      if let termination = state.termination {
        guard !state.isTerminationDelivered else { return .end(nil) }
        state.isTerminationDelivered = true
        return .end(termination)
      }
      state.waiter = continuation
      return .wait
    }
    switch outcome {
    case .event(let event, let resumeProducer):
      continuation.resume(returning: event)
      if resumeProducer {
        engine.resume(transferID: transferID)
      }
    case .end(.failed(let error)):
      continuation.resume(throwing: error)
    case .end(.finished), .end(nil):
      continuation.resume(returning: nil)
    case .wait:
      break
    }
  }
}

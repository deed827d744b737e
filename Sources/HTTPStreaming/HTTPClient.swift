/// Sends HTTP requests and streams their responses.
public protocol HTTPClient: Sendable {
  /// Starts `request` and returns its response as events: `.response` once, then `.body` chunks as they arrive.
  ///
  /// The stream finishes after the last body byte, or throws an ``HTTPClientError``. Cancelling the consuming
  /// task or dropping the stream cancels the request and closes its connection.
  func stream(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPStreamEvent, any Error>
}

extension HTTPClient {
  /// Sends `request` and collects the status, headers and whole body, whatever the status.
  ///
  /// Meant for small responses such as a model list or an error body; use ``stream(_:)`` for long ones.
  public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
    var response = HTTPResponse(status: 0, headers: [], body: [])
    for try await event in stream(request) {
      switch event {
      case .response(let status, let headers):
        response.status = status
        response.headers = headers
      case .body(let bytes):
        if response.body.isEmpty {
          response.body = bytes
        } else {
          response.body.append(contentsOf: bytes)
        }
      }
    }
    return response
  }
}

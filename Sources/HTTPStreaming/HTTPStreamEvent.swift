/// One step of a streamed HTTP response.
///
/// - Important: Every ``HTTPClient`` stream must yield `.response` exactly once, before any `.body`.
///   Interim 1xx responses are not reported.
public enum HTTPStreamEvent: Sendable, Hashable {
  /// The final status and header fields, in the order the server sent them.
  case response(status: Int, headers: [HTTPHeader])
  /// Body bytes as they arrived, after any content decoding (such as gzip) by the client.
  case body([UInt8])
}

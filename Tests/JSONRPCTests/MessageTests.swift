import JSONRPC
import Testing

@Suite struct MessageTests {
  private func decode(_ text: String) -> Result<Message, MessageDecodingError> {
    do {
      return .success(try Message.decode(Array(text.utf8)))
    } catch {
      return .failure(error)
    }
  }

  private func failure(_ text: String) -> MessageDecodingError? {
    if case .failure(let error) = decode(text) { return error }
    return nil
  }

  @Test func requestWithStringID() {
    let result = try? decode(#"{"jsonrpc":"2.0","id":"a-1","method":"ping","params":{}}"#).get()
    #expect(result == .request(id: .string("a-1"), method: "ping", params: [:]))
  }

  @Test func notificationWithoutID() {
    let result = try? decode(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":3}}"#).get()
    #expect(result == .notification(method: "$/cancelRequest", params: ["id": 3]))
  }

  @Test func responseWithError() {
    let result = try? decode(#"{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"nope"}}"#).get()
    #expect(result == .response(id: .number(7), result: .failure(ResponseError(code: .methodNotFound, message: "nope"))))
  }

  @Test func invalidJSONIsParseError() {
    let error = failure(#"{"jsonrpc":"2.0","#)
    #expect(error?.error.code == .parseError)
    #expect(error?.id == nil)
  }

  @Test(arguments: [
    (#"[]"#, "batch"),
    (#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#, "batch"),
    (#""text""#, "JSON object"),
    (#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#, "jsonrpc"),
    (#"{"id":1,"method":"ping"}"#, "jsonrpc"),
    (#"{"jsonrpc":"2.0","id":1}"#, "missing method"),
    (#"{"jsonrpc":"2.0","id":1,"method":5}"#, "method must be a string"),
    (#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#, "id must be"),
    (#"{"jsonrpc":"2.0","id":1,"method":"ping","params":3}"#, "params"),
  ])
  func invalidRequests(text: String, expectedFragment: String) {
    let error = failure(text)
    #expect(error?.error.code == .invalidRequest)
    #expect(error?.error.message.contains(expectedFragment) == true)
  }

  @Test func invalidRequestKeepsReadableID() {
    #expect(failure(#"{"jsonrpc":"1.0","id":"x","method":"ping"}"#)?.id == .string("x"))
  }

  @Test func responseSerializesResultNull() {
    let text = Message.response(id: .number(1), result: .success(.null)).jsonValue.serializedString()
    #expect(text == #"{"jsonrpc":"2.0","id":1,"result":null}"#)
  }

  @Test func methodNotFoundMessageNamesMethod() {
    #expect(ResponseError.methodNotFound("foo.bar").message == "Unhandled method foo.bar")
    #expect(ResponseError.methodNotFound("foo.bar").code.rawValue == -32601)
  }

  @Test func errorCodeValues() {
    #expect(ErrorCode.parseError.rawValue == -32700)
    #expect(ErrorCode.invalidRequest.rawValue == -32600)
    #expect(ErrorCode.invalidParams.rawValue == -32602)
    #expect(ErrorCode.internalError.rawValue == -32603)
    #expect(ErrorCode.requestCancelled.rawValue == -32800)
  }
}

import Foundation
import JSONRPC
import Testing

/// `Content-Length` framing on the host's stdin, split and combined in the ways real pipes deliver it.
@Suite(.timeLimit(.minutes(1)))
struct FramingTests {
  private func pingFrame(id: String) -> [UInt8] {
    FrameWriter.frame(["jsonrpc": "2.0", "id": .string(id), "method": "ping", "params": ["message": .string(id)]])
  }

  private func expectPong(_ host: HostProcess, id: String, timeout: Duration = HostProcess.defaultTimeout) async throws {
    let response = try await host.waitForResponse(id: .string(id), timeout: timeout, describing: "ping \(id)")
    #expect(response.result?["message"] == .string("pong: \(id)"), "ping \(id) returned \(response.message)")
  }

  @Test func frameSentByteByByte() async throws {
    try await withFixture { fixture in
      let host = try fixture.startHost()
      for byte in pingFrame(id: "slow") {
        try host.writeRaw([byte])
        try await Task.sleep(for: .milliseconds(1))
      }
      try await expectPong(host, id: "slow")
    }
  }

  @Test func twoFramesInOneWrite() async throws {
    try await withFixture { fixture in
      let host = try fixture.startHost()
      try host.writeRaw(pingFrame(id: "first") + pingFrame(id: "second"))
      try await expectPong(host, id: "first")
      try await expectPong(host, id: "second")
    }
  }

  @Test func contentTypeHeaderTolerated() async throws {
    try await withFixture { fixture in
      let host = try fixture.startHost()
      let body = Array(#"{"jsonrpc":"2.0","id":"typed","method":"ping","params":{"message":"typed"}}"#.utf8)
      let header = "Content-Length: \(body.count)\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
      try host.writeRaw(Array(header.utf8) + body)
      try await expectPong(host, id: "typed")
    }
  }

  /// The host must reject a 100 MB declared body as soon as it reads the header, then skip exactly that many
  /// bytes and keep serving.
  @Test func oversizedFrameRejected() async throws {
    try await withFixture { fixture in
      let host = try fixture.startHost()
      let declaredLength = 100 * 1024 * 1024
      let before = host.messages.count
      try host.writeRaw(Array("Content-Length: \(declaredLength)\r\n\r\n".utf8))

      let rejection = try await host.waitForMessage(describing: "an error for the oversized frame") {
        $0.sequence >= before && $0.isResponse && $0.json["error"] != nil
      }
      let message = rejection.json["error"]?["message"]?.stringValue ?? ""
      #expect(rejection.json["id"] == .null)
      #expect(rejection.json["error"]?["code"]?.intValue == -32600, "response: \(rejection.json)")
      #expect(message.contains(String(declaredLength)), "error message: \(message)")

      let chunk = [UInt8](repeating: UInt8(ascii: " "), count: 1024 * 1024)
      let body = BackgroundWriter(process: host.process, chunk: chunk, count: declaredLength / chunk.count)
      try await body.wait(timeout: .seconds(30))

      try host.writeRaw(pingFrame(id: "after"))
      try await expectPong(host, id: "after", timeout: .seconds(30))
    }
  }
}

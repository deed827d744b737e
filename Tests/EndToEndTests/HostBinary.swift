import Foundation

/// Locates the built `byok-host` executable that every test runs.
enum HostBinary {
  /// `BYOK_HOST_BINARY` when set, else `<package root>/.build/debug/byok-host`.
  static var path: String {
    if let override = ProcessInfo.processInfo.environment["BYOK_HOST_BINARY"], !override.isEmpty {
      return override
    }
    // This file is <root>/Tests/EndToEndTests/HostBinary.swift.
    let root = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent()
      .deletingLastPathComponent()
      .deletingLastPathComponent()
    return root.appendingPathComponent(".build/debug/byok-host").path
  }

  /// Returns the path of the executable, or throws a message saying how to build it.
  static func requirePath() throws -> String {
    let path = self.path
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw HarnessError(
        "The byok-host executable was not found at \(path). Run 'swift build' before 'swift test', "
          + "or set BYOK_HOST_BINARY to the executable's path.")
    }
    return path
  }
}

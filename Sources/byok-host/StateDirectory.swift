import Foundation

/// Resolves where sessions are stored.
enum StateDirectory {
  /// `--home`, else `BYOK_HOST_HOME`, else `COPILOT_HOME` (the Copilot SDKs set it), else
  /// `$XDG_STATE_HOME/byok-host`, else `~/.local/state/byok-host`.
  static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
    if let flag, !flag.isEmpty { return absolute(flag) }
    for name in ["BYOK_HOST_HOME", "COPILOT_HOME"] {
      if let value = environment[name], !value.isEmpty { return absolute(value) }
    }
    if let state = environment["XDG_STATE_HOME"], !state.isEmpty {
      return absolute(state) + "/byok-host"
    }
    let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
    return home + "/.local/state/byok-host"
  }

  private static func absolute(_ path: String) -> String {
    if path.hasPrefix("/") { return path }
    if path == "~" || path.hasPrefix("~/") {
      return NSHomeDirectory() + path.dropFirst()
    }
    return FileManager.default.currentDirectoryPath + "/" + path
  }
}

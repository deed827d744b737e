#if canImport(Glibc)
  import Glibc
#endif

/// Separates the protocol stream from fd 1 so that a stray `print` cannot corrupt it.
enum StandardStreams {
  /// Duplicates fd 1 for the protocol and points fd 1 at stderr; returns the protocol's descriptor.
  static func takeStandardOutput() -> Int32 {
    let protocolDescriptor = dup(STDOUT_FILENO)
    guard protocolDescriptor >= 0 else { return STDOUT_FILENO }
    _ = fcntl(protocolDescriptor, F_SETFD, FD_CLOEXEC)
    dup2(STDERR_FILENO, STDOUT_FILENO)
    return protocolDescriptor
  }

  /// Whether stdin is `/dev/null`, as when a parent process gives the host no input stream at all.
  static func standardInputIsNullDevice() -> Bool {
    var input = stat()
    var null = stat()
    guard fstat(STDIN_FILENO, &input) == 0, stat("/dev/null", &null) == 0 else { return false }
    return input.st_rdev == null.st_rdev && (input.st_mode & S_IFMT) == S_IFCHR
  }

  /// Writes text to stderr at once, without buffering.
  static func writeError(_ text: String) {
    var bytes = Array(text.utf8)
    if bytes.last != 0x0A { bytes.append(0x0A) }
    write(to: STDERR_FILENO, bytes)
  }

  /// Writes text to stdout at once, without buffering.
  static func writeOutput(_ text: String) {
    write(to: STDOUT_FILENO, Array(text.utf8))
  }

  private static func write(to descriptor: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
      if written < 0 {
        if errno == EINTR { continue }
        return
      }
      offset += written
    }
  }
}

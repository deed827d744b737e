#if canImport(Glibc)
  import Glibc
#endif
import Foundation
import Synchronization

/// How a child process ended.
enum ExitStatus: Equatable, CustomStringConvertible {
  case exited(Int32)
  case signaled(Int32)

  /// Decodes a `waitpid` status word (the `WIFEXITED` and `WTERMSIG` macros are not imported into Swift).
  init(waitStatus: Int32) {
    let signal = waitStatus & 0x7F
    self = signal == 0 ? .exited((waitStatus >> 8) & 0xFF) : .signaled(signal)
  }

  var description: String {
    switch self {
    case .exited(let code): return "exit status \(code)"
    case .signaled(let signal): return "killed by signal \(signal)"
    }
  }
}

/// A child process started with `posix_spawn`, with pipes on its stdin, stdout and stderr.
///
/// The child starts with an empty signal mask and default signal handlers, because a child spawned from a
/// Dispatch or cooperative-pool thread would otherwise inherit a mask that blocks SIGTERM. One thread per
/// output pipe reads until end of file, and one thread reaps the child. Signals are only sent while the
/// child is not yet reaped, so a recycled pid is never hit.
final class ChildProcess: Sendable {
  private struct State {
    var standardOutput: [UInt8] = []
    var standardError: [UInt8] = []
    var openOutputs = 2
    var isReaping = false
    var exitStatus: ExitStatus?
    /// The write end of the child's stdin, or -1 once closed.
    var standardInput: Int32
  }

  let pid: pid_t
  let name: String
  private let state: Mutex<State>

  /// Held from creating a child's pipes until its spawn has closed the child's ends. Without it a child
  /// spawned by a parallel test could inherit a pipe end before close-on-exec is set, and the pipe would
  /// then never reach end of file.
  private static let spawnLock = Mutex(())

  /// Writing to a pipe whose reader has exited must fail with `EPIPE`, not kill the test process.
  private static let ignoreBrokenPipes: Void = {
    signal(SIGPIPE, SIG_IGN)
  }()

  /// Starts `executable` with `arguments`; `onStandardOutput` receives each chunk read from its stdout,
  /// on the reader thread, in order.
  init(
    executable: String,
    arguments: [String],
    name: String,
    onStandardOutput: @escaping @Sendable ([UInt8]) -> Void = { _ in }
  ) throws {
    Self.ignoreBrokenPipes
    self.name = name
    let child = try Self.spawnLock.withLock { _ in try Self.spawn(executable: executable, arguments: arguments) }
    pid = child.pid
    state = Mutex(State(standardInput: child.standardInput))

    startReader(child.standardOutput, name: "stdout") { [self] bytes in
      state.withLock { $0.standardOutput.append(contentsOf: bytes) }
      onStandardOutput(bytes)
    }
    startReader(child.standardError, name: "stderr") { [self] bytes in
      state.withLock { $0.standardError.append(contentsOf: bytes) }
    }
    startReaper()
  }

  /// Spawns the child with clean signal state; returns its pid and the parent's ends of its three pipes.
  private static func spawn(executable: String, arguments: [String]) throws
    -> (pid: pid_t, standardInput: Int32, standardOutput: Int32, standardError: Int32)
  {
    let input = try makePipe()
    let output = try makePipe()
    let error = try makePipe()

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    // dup2 clears close-on-exec on the target, so only these three descriptors reach the child.
    posix_spawn_file_actions_adddup2(&actions, input.read, STDIN_FILENO)
    posix_spawn_file_actions_adddup2(&actions, output.write, STDOUT_FILENO)
    posix_spawn_file_actions_adddup2(&actions, error.write, STDERR_FILENO)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv = ([executable] + arguments).map { strdup($0) }
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let result = (argv + [nil]).withUnsafeBufferPointer { argumentPointers in
      posix_spawn(
        &pid, executable, &actions, &attributes, UnsafeMutablePointer(mutating: argumentPointers.baseAddress!),
        environ)
    }
    for descriptor in [input.read, output.write, error.write] {
      close(descriptor)
    }
    guard result == 0 else {
      for descriptor in [input.write, output.read, error.read] {
        close(descriptor)
      }
      throw HarnessError("Could not start \(executable): \(String(cString: strerror(result)))")
    }
    return (pid, input.write, output.read, error.read)
  }

  /// Creates a pipe whose ends are closed on exec; call it with `spawnLock` held.
  private static func makePipe() throws -> (read: Int32, write: Int32) {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else {
      throw HarnessError("Could not create a pipe: \(String(cString: strerror(errno)))")
    }
    for end in ends {
      _ = fcntl(end, F_SETFD, FD_CLOEXEC)
    }
    return (ends[0], ends[1])
  }

  // MARK: - Threads

  private func startReader(_ descriptor: Int32, name stream: String, _ deliver: @escaping @Sendable ([UInt8]) -> Void) {
    let thread = Thread { [self] in
      var buffer = [UInt8](repeating: 0, count: 64 * 1024)
      while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        deliver(Array(buffer[0..<count]))
      }
      close(descriptor)
      state.withLock { $0.openOutputs -= 1 }
    }
    thread.name = "\(name) \(stream) reader"
    thread.start()
  }

  private func startReaper() {
    let thread = Thread { [self] in
      // Wait without reaping first: while the child is a zombie its pid stays reserved, so `send(signal:)`
      // can still target it safely until `isReaping` is set under the lock.
      var information = siginfo_t()
      while waitid(P_PID, id_t(pid), &information, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
      state.withLock { $0.isReaping = true }
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
      state.withLock { $0.exitStatus = ExitStatus(waitStatus: status) }
    }
    thread.name = "\(name) reaper"
    thread.start()
  }

  // MARK: - Input

  /// Writes all of `bytes` to the child's stdin; throws when stdin is closed or the child stopped reading.
  func write(_ bytes: [UInt8]) throws {
    let descriptor = state.withLock { $0.standardInput }
    guard descriptor >= 0 else {
      throw HarnessError("Cannot write to \(name): its stdin is already closed")
    }
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
      if written < 0 {
        if errno == EINTR { continue }
        throw HarnessError("Writing to the stdin of \(name) failed: \(String(cString: strerror(errno)))")
      }
      offset += written
    }
  }

  /// Closes the child's stdin, so it reads end of file; does nothing when already closed.
  func closeStandardInput() {
    let descriptor = state.withLock { state -> Int32 in
      defer { state.standardInput = -1 }
      return state.standardInput
    }
    if descriptor >= 0 { close(descriptor) }
  }

  // MARK: - Signals and exit

  /// Sends `signal` to the child unless it has already been reaped.
  func send(signal: Int32) {
    state.withLock { state in
      guard !state.isReaping else { return }
      kill(pid, signal)
    }
  }

  var exitStatus: ExitStatus? {
    state.withLock { $0.exitStatus }
  }

  /// Waits until the child exits; returns its status, or `nil` when it is still running after `timeout`.
  func waitForExit(timeout: Duration) async -> ExitStatus? {
    await Polling.value(within: timeout) { exitStatus }
  }

  /// Waits until both output pipes reached end of file; returns whether they did within `timeout`.
  func waitForOutputEnd(timeout: Duration) async -> Bool {
    await Polling.until(within: timeout) { state.withLock { $0.openOutputs == 0 } }
  }

  /// Every byte the child wrote to stdout so far.
  var standardOutput: [UInt8] {
    state.withLock { $0.standardOutput }
  }

  /// Everything the child wrote to stderr so far, decoded as UTF-8.
  var standardErrorText: String {
    String(decoding: state.withLock { $0.standardError }, as: UTF8.self)
  }

  /// Sends SIGTERM, then SIGKILL when the child still runs after `gracePeriod`; returns how it ended.
  @discardableResult
  func terminate(gracePeriod: Duration = .seconds(5)) async -> ExitStatus? {
    send(signal: SIGTERM)
    if let status = await waitForExit(timeout: gracePeriod) { return status }
    send(signal: SIGKILL)
    return await waitForExit(timeout: gracePeriod)
  }
}

import Glibc
import Synchronization

/// The write end of the pipe that the SIGINT and SIGTERM handler writes to, or -1 when none is installed.
private let stopSignalPipe = Atomic<Int32>(-1)

/// Writes the signal number to the stop pipe. It calls only `write(2)` and an atomic load, which are async-signal-safe.
private func handleStopSignal(_ number: Int32) {
  var byte = UInt8(truncatingIfNeeded: number)
  _ = write(stopSignalPipe.load(ordering: .relaxed), &byte, 1)
}

/// SIGINT and SIGTERM handlers that wake a waiting thread through a pipe.
///
/// A handler runs on whichever thread the kernel picks, so this works whatever the other threads' signal
/// masks are, and it replaces an inherited `SIG_IGN` (as a shell sets for background jobs). Only one
/// instance may be installed at a time.
final class StopSignals {
  private static let numbers = [SIGINT, SIGTERM]

  private let readEnd: Int32
  private let writeEnd: Int32
  private var previousHandlers: [sighandler_t?] = []

  /// Installs the handlers and unblocks both signals on the calling thread. Fails when the pipe cannot be created.
  init?() {
    var ends: [Int32] = [-1, -1]
    guard pipe(&ends) == 0 else { return nil }
    readEnd = ends[0]
    writeEnd = ends[1]
    _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
    _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
    stopSignalPipe.store(writeEnd, ordering: .relaxed)

    var mask = sigset_t()
    sigemptyset(&mask)
    for number in Self.numbers {
      sigaddset(&mask, number)
      previousHandlers.append(signal(number, handleStopSignal))
    }
    pthread_sigmask(SIG_UNBLOCK, &mask, nil)
  }

  /// Blocks until SIGINT or SIGTERM arrives and returns its number.
  func wait() -> Int32 {
    var byte: UInt8 = 0
    while true {
      let count = read(readEnd, &byte, 1)
      if count == 1 { return Int32(byte) }
      if count < 0, errno == EINTR { continue }
      return 0
    }
  }

  /// Puts back the handlers that were installed before and closes the pipe.
  func restore() {
    for (number, handler) in zip(Self.numbers, previousHandlers) {
      signal(number, handler)
    }
    stopSignalPipe.store(-1, ordering: .relaxed)
    close(readEnd)
    close(writeEnd)
  }
}

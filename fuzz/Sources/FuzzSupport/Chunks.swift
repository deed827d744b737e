/// SplitMix64, a small deterministic generator, so that each input always splits the same way and a crash
/// reproduces from its artifact alone.
public struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64

  public init(seed: UInt64) {
    state = seed
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var mixed = state
    mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
    mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
    return mixed ^ (mixed >> 31)
  }
}

/// The 64-bit FNV-1a hash of `bytes`, used to seed a generator from the input itself.
public func fnv1a(_ bytes: [UInt8]) -> UInt64 {
  var hash: UInt64 = 0xCBF2_9CE4_8422_2325
  for byte in bytes {
    hash ^= UInt64(byte)
    hash &*= 0x0000_0100_0000_01B3
  }
  return hash
}

/// Splits `bytes` into consecutive chunks whose lengths come from `generator`: a third of them one byte
/// long, the rest up to a quarter of the input, with an empty chunk now and then.
public func randomChunks(of bytes: [UInt8], using generator: inout SplitMix64) -> [ArraySlice<UInt8>] {
  var chunks: [ArraySlice<UInt8>] = []
  var start = 0
  let longest = max(1, bytes.count / 4)
  while start < bytes.count {
    let length: Int
    switch generator.next() % 12 {
    case 0: length = 0
    case 1...4: length = 1
    default: length = Int(generator.next() % UInt64(longest)) + 1
    }
    let end = min(bytes.count, start + length)
    chunks.append(bytes[start..<end])
    start = end
  }
  return chunks
}

/// Splits `bytes` into one-byte chunks.
public func singleByteChunks(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
  bytes.indices.map { bytes[$0..<$0 + 1] }
}

/// Stops the process with `message` when `condition` is false, so libFuzzer records the input as a crash.
///
/// `fatalError` prints its message in release builds too, which `precondition` does not.
public func require(
  _ condition: @autoclosure () -> Bool,
  _ message: @autoclosure () -> String,
  file: StaticString = #fileID,
  line: UInt = #line
) {
  if !condition() {
    fatalError("Fuzzing property failed: \(message())", file: file, line: line)
  }
}

import FuzzSupport
import JSONRPC

// Feeds the input to `FrameReader` whole, in random chunks and one byte at a time, and checks:
// - no body is longer than the reader's maximum, and the bytes it keeps buffered stay bounded;
// - every split returns the same items, unless a split ran into the header length limit, which depends on
//   how much of an unfinished header one read delivers;
// - the bodies it returns, framed again by `FrameWriter`, read back unchanged and without errors.

/// Maximum body lengths to fuzz with. The input's hash picks one, so that small limits are exercised too.
private let maximumBodyLengths = [0, 1, 16, 256, 4096, FrameReader.defaultMaximumBodyLength]

/// Inputs up to this size are also fed one byte at a time. The reader scans an unfinished header again from its
/// start on every feed, so longer inputs fed byte by byte would take most of the run.
private let singleByteLimit = 512

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFrameReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  var generator = SplitMix64(seed: fnv1a(input))
  let maximum = maximumBodyLengths[Int(generator.next() % UInt64(maximumBodyLengths.count))]

  let whole = read([input[...]], maximum: maximum)
  let random = read(randomChunks(of: input, using: &generator), maximum: maximum)
  compare(whole, random, "random chunks")
  if input.count <= singleByteLimit {
    let single = read(singleByteChunks(of: input), maximum: maximum)
    compare(whole, single, "single bytes")
  }

  let bodies = whole.items.compactMap { item -> [UInt8]? in
    if case .body(let body) = item { return body }
    return nil
  }
  var reframed = FrameReader(maximumBodyLength: maximum)
  let again = reframed.feed(bodies.flatMap { FrameWriter.frame(body: $0) })
  require(again == bodies.map { .body($0) }, "reframed bodies read back as \(again.count) different items")
  require(reframed.bufferedByteCount == 0, "\(reframed.bufferedByteCount) bytes left after reframed bodies")
  return 0
}

private struct Reading {
  var items: [FrameReader.Item] = []
  var hitHeaderLimit = false
}

/// Feeds `chunks` to a new reader, checking the bounds after every feed.
private func read(_ chunks: [ArraySlice<UInt8>], maximum: Int) -> Reading {
  var reader = FrameReader(maximumBodyLength: maximum)
  var reading = Reading()
  let bufferBound = max(FrameReader.maximumHeaderLength, maximum)
  for chunk in chunks {
    let items = reader.feed(chunk)
    for item in items {
      switch item {
      case .body(let body):
        require(body.count <= maximum, "body of \(body.count) bytes exceeds the maximum of \(maximum)")
      case .error(.headerTooLong):
        reading.hitHeaderLimit = true
      case .error(.bodyTooLarge(let length, let reported)):
        require(length > maximum, "bodyTooLarge for \(length) bytes with a maximum of \(maximum)")
        require(reported == maximum, "bodyTooLarge reports maximum \(reported) instead of \(maximum)")
      case .error:
        break
      }
    }
    reading.items += items
    require(
      reader.bufferedByteCount <= bufferBound,
      "\(reader.bufferedByteCount) bytes buffered, above the bound of \(bufferBound)")
  }
  return reading
}

private func compare(_ whole: Reading, _ split: Reading, _ splitName: String) {
  guard !whole.hitHeaderLimit, !split.hitHeaderLimit else { return }
  require(
    whole.items == split.items,
    "\(splitName) gave \(split.items.count) items where the whole input gave \(whole.items.count): "
      + "\(split.items.map(describe)) versus \(whole.items.map(describe))")
}

private func describe(_ item: FrameReader.Item) -> String {
  switch item {
  case .body(let body): return "body(\(body.count) bytes)"
  case .error(let error): return "error(\(error))"
  }
}

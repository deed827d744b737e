/// Splits reply text into the content deltas of a streamed reply.
enum TextChunker {
  /// Splits `text` into words, each followed by the whitespace after it: `"Hello there!"` becomes
  /// `["Hello ", "there!"]`. Leading whitespace stays with the first word.
  static func words(_ text: String) -> [String] {
    var chunks: [String] = []
    var current = ""
    var currentHasWord = false
    var previousWasWhitespace = false
    for character in text {
      if previousWasWhitespace, currentHasWord, !character.isWhitespace {
        chunks.append(current)
        current = ""
        currentHasWord = false
      }
      current.append(character)
      previousWasWhitespace = character.isWhitespace
      currentHasWord = currentHasWord || !character.isWhitespace
    }
    if !current.isEmpty {
      chunks.append(current)
    }
    return chunks
  }

  /// Splits `text` into pieces of `size` characters. The last piece may be shorter.
  static func pieces(_ text: String, size: Int) -> [String] {
    precondition(size > 0, "A chunk size must be positive")
    var chunks: [String] = []
    var current = ""
    var currentCount = 0
    for character in text {
      current.append(character)
      currentCount += 1
      if currentCount == size {
        chunks.append(current)
        current = ""
        currentCount = 0
      }
    }
    if !current.isEmpty {
      chunks.append(current)
    }
    return chunks
  }
}

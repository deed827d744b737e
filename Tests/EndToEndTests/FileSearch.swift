import Foundation

/// Searches the files a test leaves behind, such as a host's state directory, for text that must not be there.
enum FileSearch {
  /// Returns the paths of the regular files under `directory` whose bytes contain `text`, and the number of
  /// files read.
  static func files(under directory: String, containing text: String) -> (matches: [String], searched: Int) {
    let needle = Data(text.utf8)
    var matches: [String] = []
    var searched = 0
    let enumerator = FileManager.default.enumerator(atPath: directory)
    while let relative = enumerator?.nextObject() as? String {
      let path = directory + "/" + relative
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
        let contents = FileManager.default.contents(atPath: path)
      else { continue }
      searched += 1
      if contents.range(of: needle) != nil { matches.append(path) }
    }
    return (matches, searched)
  }
}

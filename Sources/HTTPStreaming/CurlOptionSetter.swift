import CCurl

/// Sets options on one easy handle and remembers the first one libcurl rejected.
struct CurlOptionSetter {
  let easy: UnsafeMutableRawPointer
  private(set) var firstFailure: (option: CURLoption, code: CURLcode)?

  init(easy: UnsafeMutableRawPointer) {
    self.easy = easy
  }

  mutating func set(_ option: CURLoption, _ value: Int) {
    record(option, byok_easy_setopt_long(easy, option, value))
  }

  mutating func set(_ option: CURLoption, _ value: Int64) {
    record(option, byok_easy_setopt_offset(easy, option, curl_off_t(value)))
  }

  mutating func set(_ option: CURLoption, _ value: String) {
    record(option, byok_easy_setopt_string(easy, option, value))
  }

  mutating func set(_ option: CURLoption, _ value: UnsafeMutableRawPointer?) {
    record(option, byok_easy_setopt_pointer(easy, option, value))
  }

  mutating func set(_ option: CURLoption, _ value: UnsafeRawPointer) {
    record(option, byok_easy_setopt_pointer(easy, option, UnsafeMutableRawPointer(mutating: value)))
  }

  mutating func set(_ option: CURLoption, _ callback: byok_data_callback) {
    record(option, byok_easy_setopt_data_callback(easy, option, callback))
  }

  private mutating func record(_ option: CURLoption, _ code: CURLcode) {
    if code != CURLE_OK && firstFailure == nil {
      firstFailure = (option, code)
    }
  }
}

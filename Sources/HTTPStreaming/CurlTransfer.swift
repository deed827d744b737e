import BYOKLogging
import CCurl

/// One request's libcurl easy handle and the state its callbacks update.
///
/// Created by the client, then owned by the libcurl thread: after `CurlEngine.submit`, only that thread reads
/// or writes its mutable fields, which is why the `@unchecked Sendable` hand-over is safe.
final class CurlTransfer: @unchecked Sendable {
  let id: UInt64
  let request: HTTPRequest
  let channel: TransferChannel

  /// The last time a byte was received, or sent, or the transfer was resumed.
  var lastActivity: ContinuousClock.Instant
  /// Whether the write callback paused the transfer because the consumer is behind.
  var isPaused = false

  private(set) var easy: UnsafeMutableRawPointer?
  private var headerList: UnsafeMutablePointer<curl_slist>?
  private let errorBuffer: UnsafeMutablePointer<CChar>
  private var responseHeaders: [HTTPHeader] = []
  private var isResponseDelivered = false
  private var uploadedBytesAtLastCheck: Int64 = 0
  private(set) var receivedBodyBytes = 0
  let startTime: ContinuousClock.Instant

  init(id: UInt64, request: HTTPRequest, channel: TransferChannel) {
    self.id = id
    self.request = request
    self.channel = channel
    self.startTime = .now
    self.lastActivity = startTime
    self.errorBuffer = .allocate(capacity: Int(byok_error_buffer_size))
    self.errorBuffer.initialize(repeating: 0, count: Int(byok_error_buffer_size))
  }

  deinit {
    errorBuffer.deallocate()
  }

  // MARK: - Set-up and tear-down (libcurl thread)

  /// Creates and configures the easy handle; throws when libcurl rejects an option.
  func makeEasyHandle(configuration: CurlEngine.Configuration) throws(HTTPClientError) -> UnsafeMutableRawPointer {
    guard let easy = curl_easy_init() else {
      throw .transport(code: -1, message: "curl_easy_init failed")
    }
    self.easy = easy
    var options = CurlOptionSetter(easy: easy)

    let context = Unmanaged.passUnretained(self).toOpaque()
    options.set(CURLOPT_PRIVATE, context)
    options.set(CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
    options.set(CURLOPT_WRITEFUNCTION, curlWriteCallback)
    options.set(CURLOPT_WRITEDATA, context)
    options.set(CURLOPT_HEADERFUNCTION, curlHeaderCallback)
    options.set(CURLOPT_HEADERDATA, context)

    // Without this, libcurl may use SIGALRM for DNS timeouts, which is unsafe in a multi-threaded process.
    options.set(CURLOPT_NOSIGNAL, 1)
    options.set(CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout / .milliseconds(1)))
    options.set(CURLOPT_TCP_KEEPALIVE, 1)
    options.set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1)
    if let file = configuration.certificateFile {
      options.set(CURLOPT_CAINFO, file)
    }
    if let directory = configuration.certificateDirectory {
      options.set(CURLOPT_CAPATH, directory)
    }
    if let proxy = configuration.httpProxy, request.url.lowercased().hasPrefix("http://") {
      options.set(CURLOPT_PROXY, proxy)
    }
    if let noProxy = configuration.noProxy {
      options.set(CURLOPT_NOPROXY, noProxy)
    }

    options.set(CURLOPT_URL, request.url)
    // An empty string offers every content encoding this libcurl build can decode.
    options.set(CURLOPT_ACCEPT_ENCODING, "")
    setMethodAndBody(&options)
    headerList = makeHeaderList()
    options.set(CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))

    if let failure = options.firstFailure {
      let reason = String(cString: curl_easy_strerror(failure.code))
      throw .transport(
        code: Int(failure.code.rawValue), message: "libcurl rejected option \(failure.option.rawValue): \(reason)")
    }
    return easy
  }

  /// Frees the easy handle and header list; the caller removed the handle from the multi handle first.
  func releaseEasyHandle() {
    if let easy {
      curl_easy_cleanup(easy)
      self.easy = nil
    }
    if let headerList {
      curl_slist_free_all(headerList)
      self.headerList = nil
    }
  }

  private func setMethodAndBody(_ options: inout CurlOptionSetter) {
    switch request.method {
    case .get where request.body.isEmpty:
      options.set(CURLOPT_HTTPGET, 1)
    case .head:
      options.set(CURLOPT_NOBODY, 1)
    default:
      options.set(CURLOPT_POSTFIELDSIZE_LARGE, Int64(request.body.count))
      request.body.withUnsafeBytes { bytes in
        // CURLOPT_COPYPOSTFIELDS copies the body, so the pointer only needs to live for this call.
        options.set(CURLOPT_COPYPOSTFIELDS, bytes.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start))
      }
      if request.method != .post {
        options.set(CURLOPT_CUSTOMREQUEST, request.method.rawValue)
      }
    }
  }

  private func makeHeaderList() -> UnsafeMutablePointer<curl_slist>? {
    var lines = request.headers.map { header in
      // libcurl drops a header written as "Name:" and sends "Name;" as a header with an empty value.
      header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
    }
    // An empty value removes a header libcurl would add. "Expect: 100-continue" delays a large body by up to
    // 1 s (CURLOPT_EXPECT_100_TIMEOUT_MS), and a body without Content-Type would go out as a URL-encoded form.
    lines.append("Expect:")
    let hasContentType = request.headers.firstValue(named: "content-type") != nil
    if !hasContentType {
      lines.append("Content-Type:")
    }
    var list: UnsafeMutablePointer<curl_slist>?
    for line in lines {
      list = curl_slist_append(list, line)
    }
    return list
  }

  // MARK: - Callbacks (libcurl thread)

  fileprivate func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
    lastActivity = .now
    guard !isResponseDelivered else { return }  // Trailer fields after a chunked body.

    var end = line.count
    while end > 0 && (line[end - 1] == 0x0A || line[end - 1] == 0x0D) {
      end -= 1
    }
    let content = UnsafeRawBufferPointer(rebasing: line[..<end])
    if content.isEmpty {
      finishResponseHead()
    } else if content.starts(with: "HTTP/".utf8) {
      responseHeaders.removeAll()
    } else if content[0] == 0x20 || content[0] == 0x09 {
      // An obsolete folded line continues the previous field's value.
      if !responseHeaders.isEmpty {
        responseHeaders[responseHeaders.count - 1].value += " " + HeaderText.trimmed(content)
      }
    } else if let colon = content.firstIndex(of: UInt8(ascii: ":")) {
      let name = HeaderText.trimmed(UnsafeRawBufferPointer(rebasing: content[..<colon]))
      let value = HeaderText.trimmed(UnsafeRawBufferPointer(rebasing: content[(colon + 1)...]))
      responseHeaders.append(HTTPHeader(name: name, value: value))
    }
  }

  fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
    lastActivity = .now
    if !isResponseDelivered {
      deliverResponse()
    }
    switch channel.offerBody(bytes) {
    case .accepted:
      receivedBodyBytes += bytes.count
      return bytes.count
    case .paused:
      isPaused = true
      return Int(byok_write_pause)
    case .closed:
      return bytes.count
    }
  }

  /// Ends one response head: an interim 1xx head is discarded, a final one is delivered.
  private func finishResponseHead() {
    let status = responseStatus()
    guard !(100...199).contains(status) else {
      responseHeaders.removeAll()
      return
    }
    deliverResponse()
  }

  private func deliverResponse() {
    isResponseDelivered = true
    channel.deliverResponse(status: responseStatus(), headers: responseHeaders)
    responseHeaders = []
  }

  // MARK: - Completion (libcurl thread)

  /// Ends the stream with the result of a transfer libcurl finished and returns the error it reported, if any.
  func complete(with code: CURLcode) -> HTTPClientError? {
    guard code == CURLE_OK else {
      let error = error(for: code)
      channel.finish(throwing: error)
      return error
    }
    if !isResponseDelivered {
      deliverResponse()
    }
    channel.finish(throwing: nil)
    return nil
  }

  /// Reports whether request bytes were sent since the last call, because an upload in progress counts as activity.
  func hasUploadedSinceLastCheck() -> Bool {
    guard let easy else { return false }
    var uploaded: curl_off_t = 0
    _ = byok_easy_getinfo_offset(easy, CURLINFO_SIZE_UPLOAD_T, &uploaded)
    defer { uploadedBytesAtLastCheck = Int64(uploaded) }
    return Int64(uploaded) > uploadedBytesAtLastCheck
  }

  func responseStatus() -> Int {
    guard let easy else { return 0 }
    var status = 0
    _ = byok_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
    return status
  }

  private func error(for code: CURLcode) -> HTTPClientError {
    let detail = errorBuffer.pointee == 0 ? String(cString: curl_easy_strerror(code)) : String(cString: errorBuffer)
    switch code {
    case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
      return .invalidURL(request.redactedURL)
    case CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT:
      return .connectionFailed(detail)
    case CURLE_OPERATION_TIMEDOUT where !isResponseDelivered:
      // Only CURLOPT_CONNECTTIMEOUT_MS is set, so libcurl's timeout means the connection never completed.
      return .connectionFailed(detail)
    default:
      return .transport(code: Int(code.rawValue), message: detail)
    }
  }
}

/// Receives body bytes from libcurl; `context` is the unretained `CurlTransfer` set as CURLOPT_WRITEDATA.
private let curlWriteCallback: byok_data_callback = { buffer, size, count, context in
  let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
  return transfer.receiveBody(UnsafeRawBufferPointer(start: buffer, count: size * count))
}

/// Receives one complete header line from libcurl; `context` is the `CurlTransfer` set as CURLOPT_HEADERDATA.
private let curlHeaderCallback: byok_data_callback = { buffer, size, count, context in
  let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
  transfer.receiveHeaderLine(UnsafeRawBufferPointer(start: buffer, count: size * count))
  return size * count
}

/// Decodes header bytes, which are ASCII in practice and decoded as UTF-8 with replacement otherwise.
private enum HeaderText {
  static func trimmed(_ bytes: UnsafeRawBufferPointer) -> String {
    var start = 0
    var end = bytes.count
    while start < end && (bytes[start] == 0x20 || bytes[start] == 0x09) {
      start += 1
    }
    while end > start && (bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09) {
      end -= 1
    }
    return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
  }
}

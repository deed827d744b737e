'use strict';

// Content-Length framing of the Language Server Protocol base protocol, as byok-host speaks it.

const HEADER_END = Buffer.from('\r\n\r\n', 'ascii');
const MAX_HEADER_BYTES = 8192;

/** Encodes one JSON-RPC message as a frame: `Content-Length: N\r\n\r\n` and the UTF-8 body. */
function encodeFrame(message) {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  const header = Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii');
  return Buffer.concat([header, body]);
}

/**
 * Reads frames from chunks that may split a frame anywhere, including inside a multibyte UTF-8
 * character, or hold several frames. Bytes are buffered and each body is decoded only once it is
 * complete.
 */
class FrameReader {
  /**
   * @param {(message: any) => void} onMessage called with each parsed body, in order
   * @param {(error: Error) => void} onError called for a malformed header or a body that is not JSON
   */
  constructor(onMessage, onError) {
    this.onMessage = onMessage;
    this.onError = onError;
    this.chunks = [];
    this.bufferedBytes = 0;
    this.bodyLength = null;
  }

  /** Appends a chunk of bytes and delivers every frame it completes. */
  push(chunk) {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    while (this.deliverNextFrame()) {
      // Each iteration consumes one frame.
    }
  }

  /** Joins the buffered chunks into one buffer, so headers can be searched across chunk edges. */
  takeBuffered() {
    const buffer = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.bufferedBytes);
    this.chunks = [buffer];
    return buffer;
  }

  keepRemainder(buffer, offset) {
    const rest = buffer.subarray(offset);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
  }

  /** Returns whether a whole frame was consumed, so the caller should try again. */
  deliverNextFrame() {
    if (this.bodyLength === null) {
      if (this.bufferedBytes === 0) return false;
      const buffer = this.takeBuffered();
      const headerEnd = buffer.indexOf(HEADER_END);
      if (headerEnd < 0) {
        if (buffer.length > MAX_HEADER_BYTES) {
          this.keepRemainder(buffer, buffer.length);
          this.onError(new Error(`invalid frame: no blank line within ${MAX_HEADER_BYTES} header bytes; dropped them`));
        }
        return false;
      }
      const length = parseContentLength(buffer.subarray(0, headerEnd).toString('ascii'));
      this.keepRemainder(buffer, headerEnd + HEADER_END.length);
      if (length === null) {
        this.onError(new Error('invalid frame: the header block has no valid Content-Length'));
        return true;
      }
      this.bodyLength = length;
    }

    // Bodies are joined only once complete, so a large body split into many chunks is copied once.
    if (this.bufferedBytes < this.bodyLength) return false;
    const buffer = this.takeBuffered();
    const body = buffer.subarray(0, this.bodyLength);
    this.keepRemainder(buffer, this.bodyLength);
    this.bodyLength = null;

    let message;
    try {
      message = JSON.parse(body.toString('utf8'));
    } catch (error) {
      this.onError(new Error(`invalid frame body: ${error.message}`));
      return true;
    }
    this.onMessage(message);
    return true;
  }
}

/** Returns the Content-Length of a header block (names are case-insensitive), or null when missing or invalid. */
function parseContentLength(headerBlock) {
  for (const line of headerBlock.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    if (line.slice(0, colon).trim().toLowerCase() !== 'content-length') continue;
    const value = line.slice(colon + 1).trim();
    if (!/^[0-9]+$/.test(value)) return null;
    const length = Number(value);
    return Number.isSafeInteger(length) ? length : null;
  }
  return null;
}

module.exports = { encodeFrame, FrameReader, parseContentLength, MAX_HEADER_BYTES };

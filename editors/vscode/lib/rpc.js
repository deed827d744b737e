'use strict';

const { encodeFrame, FrameReader } = require('./framing');

const METHOD_NOT_FOUND = -32601;
const INTERNAL_ERROR = -32603;

/** An error response from the other side, or one this side sends back. */
class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
  }
}

/**
 * A JSON-RPC 2.0 connection over a readable and a writable byte stream with Content-Length framing.
 *
 * Requests from the other side go to the handler registered for their method. A request for a
 * method with no handler gets the error -32601 (method not found), as JSON-RPC requires.
 */
class RpcConnection {
  constructor(readable, writable, { onProtocolError = () => {} } = {}) {
    this.writable = writable;
    this.nextId = 1;
    this.pending = new Map();
    this.requestHandlers = new Map();
    this.notificationHandler = () => {};
    this.closed = false;
    this.reader = new FrameReader((message) => this.dispatch(message), onProtocolError);
    readable.on('data', (chunk) => this.reader.push(chunk));
  }

  /** Sets the function called with `(method, params)` for every notification. */
  onNotification(handler) {
    this.notificationHandler = handler;
  }

  /** Sets the handler of requests for `method`; it returns the result or a promise of it, or throws an RpcError. */
  onRequest(method, handler) {
    this.requestHandlers.set(method, handler);
  }

  /** Sends a request and resolves with its result; rejects with an RpcError, or an Error on timeout or close. */
  request(method, params = {}, { timeoutMs = 30000 } = {}) {
    if (this.closed) return Promise.reject(new Error(`cannot send ${method}: the connection is closed`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { method, resolve, reject, timer });
      this.write({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method, params = {}) {
    if (!this.closed) this.write({ jsonrpc: '2.0', method, params });
  }

  write(message) {
    this.writable.write(encodeFrame(message));
  }

  /** Rejects every request still waiting for a response; later sends fail at once. */
  close(reason = 'the connection is closed') {
    this.closed = true;
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new Error(`${entry.method} failed: ${reason}`));
      this.pending.delete(id);
    }
  }

  dispatch(message) {
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return;
    const hasId = message.id !== undefined && message.id !== null;
    if (typeof message.method === 'string') {
      if (hasId) {
        this.answerRequest(message);
      } else {
        this.notificationHandler(message.method, message.params ?? {});
      }
      return;
    }
    if (!hasId) return;
    const entry = this.pending.get(message.id);
    if (!entry) return;
    this.pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.error) {
      entry.reject(new RpcError(message.error.code, message.error.message));
    } else {
      entry.resolve(message.result);
    }
  }

  async answerRequest({ id, method, params }) {
    const handler = this.requestHandlers.get(method);
    if (!handler) {
      this.write({ jsonrpc: '2.0', id, error: { code: METHOD_NOT_FOUND, message: `Unhandled method ${method}` } });
      return;
    }
    try {
      const result = await handler(params ?? {});
      this.write({ jsonrpc: '2.0', id, result: result ?? {} });
    } catch (error) {
      const code = error instanceof RpcError ? error.code : INTERNAL_ERROR;
      this.write({ jsonrpc: '2.0', id, error: { code, message: String(error.message ?? error) } });
    }
  }
}

module.exports = { RpcConnection, RpcError, METHOD_NOT_FOUND };

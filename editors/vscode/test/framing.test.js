'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { encodeFrame, FrameReader, MAX_HEADER_BYTES } = require('../lib/framing');

function collect() {
  const messages = [];
  const errors = [];
  const reader = new FrameReader((message) => messages.push(message), (error) => errors.push(error.message));
  return { reader, messages, errors };
}

// "é" is 2 bytes, "€" 3 and "🎉" 4 in UTF-8, so some split points fall inside a character.
const SAMPLES = [
  { jsonrpc: '2.0', method: 'session.event', params: { event: { type: 'assistant.message_delta', data: { deltaContent: 'Café € 🎉' } } } },
  { jsonrpc: '2.0', id: 1, result: { ok: true, protocolVersion: 3 } },
  { jsonrpc: '2.0', method: 'session.event', params: { text: '日本語のテキスト' } },
];

test('framing split at every byte', () => {
  const bytes = Buffer.concat(SAMPLES.map(encodeFrame));
  for (let split = 1; split < bytes.length; split += 1) {
    const { reader, messages, errors } = collect();
    reader.push(bytes.subarray(0, split));
    reader.push(bytes.subarray(split));
    assert.deepEqual(messages, SAMPLES, `split at byte ${split}`);
    assert.deepEqual(errors, []);
  }
});

test('framing one byte per chunk', () => {
  const bytes = Buffer.concat(SAMPLES.map(encodeFrame));
  const { reader, messages } = collect();
  for (let index = 0; index < bytes.length; index += 1) reader.push(bytes.subarray(index, index + 1));
  assert.deepEqual(messages, SAMPLES);
});

test('framing several frames in one chunk', () => {
  const { reader, messages } = collect();
  reader.push(Buffer.concat(SAMPLES.map(encodeFrame)));
  assert.deepEqual(messages, SAMPLES);
});

test('framing counts bytes, not characters', () => {
  const frame = encodeFrame({ text: '🎉' });
  const header = frame.toString('ascii', 0, frame.indexOf('\r\n\r\n'));
  assert.equal(header, `Content-Length: ${Buffer.byteLength('{"text":"🎉"}')}`);
  assert.equal(header, 'Content-Length: 15');
});

test('framing header names ignore case and other headers', () => {
  const body = Buffer.from('{"id":7}', 'utf8');
  const { reader, messages } = collect();
  reader.push(Buffer.from(`content-type: application/json\r\ncontent-LENGTH: ${body.length}\r\n\r\n`, 'ascii'));
  reader.push(body);
  assert.deepEqual(messages, [{ id: 7 }]);
});

test('framing reports a missing Content-Length and continues', () => {
  const { reader, messages, errors } = collect();
  reader.push(Buffer.from('X-Other: 1\r\n\r\n', 'ascii'));
  reader.push(encodeFrame({ id: 2 }));
  assert.equal(errors.length, 1);
  assert.match(errors[0], /no valid Content-Length/);
  assert.deepEqual(messages, [{ id: 2 }]);
});

test('framing reports a body that is not JSON and continues', () => {
  const { reader, messages, errors } = collect();
  reader.push(Buffer.from('Content-Length: 3\r\n\r\n{x}', 'ascii'));
  reader.push(encodeFrame({ id: 3 }));
  assert.equal(errors.length, 1);
  assert.match(errors[0], /invalid frame body/);
  assert.deepEqual(messages, [{ id: 3 }]);
});

test('framing drops an endless header block', () => {
  const { reader, messages, errors } = collect();
  reader.push(Buffer.alloc(MAX_HEADER_BYTES + 1, 'a'));
  assert.equal(errors.length, 1);
  assert.match(errors[0], /no blank line/);
  reader.push(encodeFrame({ id: 4 }));
  assert.deepEqual(messages, [{ id: 4 }]);
});

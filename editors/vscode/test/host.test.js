'use strict';

// End-to-end tests of the extension against the real byok-host binary and the scripted mock
// provider that test.sh starts. The tests share the mock's reply script, so they run in file order
// and each consumes the replies listed in test/mock-script.json for it.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const Module = require('node:module');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const { ByokClient } = require('../lib/client');
const { RpcConnection } = require('../lib/rpc');

const BINARY = requireEnv('BYOK_HOST_BINARY');
const BASE_URL = requireEnv('BYOK_MOCK_BASE_URL');
const HOME = requireEnv('BYOK_TEST_HOME');
const KEY_VARIABLE = 'BYOK_VSCODE_TEST_KEY';
const KEY = requireEnv(KEY_VARIABLE);
const PID_FILE = requireEnv('BYOK_TEST_PID_FILE');
const WAIT_MS = 10000;

function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the tests through editors/vscode/test.sh`);
  return value;
}

/** Appends a host pid to the file test.sh reads, so it can check that every host exited. */
function recordPid(pid) {
  fs.appendFileSync(PID_FILE, `${pid}\n`);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code !== 'ESRCH';
  }
}

/** Polls `predicate` every 10 ms and rejects after `timeoutMs` with `what` in the message. */
async function waitFor(predicate, what, timeoutMs = WAIT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Creates a client whose `ui` callbacks record what the user would see. */
function makeClient(extraOptions = {}) {
  const seen = { text: '', errors: [], log: '', permissionPrompts: [], permissionAnswers: [], events: [], toolCalls: [] };
  const options = {
    hostPath: BINARY,
    hostArgs: ['--home', HOME, '--log-level', 'info'],
    model: 'mock-model',
    provider: { type: 'openai', baseUrl: BASE_URL, apiKeyEnv: KEY_VARIABLE },
    tools: [{
      name: 'read_note',
      description: 'Reads the note about a topic',
      parameters: { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] },
      handler: async ({ topic }) => {
        seen.toolCalls.push(topic);
        return `note about ${topic}`;
      },
    }],
    ...extraOptions,
  };
  const client = new ByokClient(options, {
    appendText: (text) => { seen.text += text; },
    showError: (message) => seen.errors.push(message),
    askPermission: async (request) => {
      seen.permissionPrompts.push(request);
      return seen.permissionAnswers.shift() ?? false;
    },
    appendLog: (line) => {
      seen.log += `${line}\n`;
      const started = /^\[client\] started .* \(pid (\d+)\)$/.exec(line);
      if (started) recordPid(started[1]);
    },
  });
  client.onEvent((type, data) => seen.events.push({ type, data }));
  return { client, seen };
}

function idleCount(seen) {
  return seen.events.filter((event) => event.type === 'session.idle').length;
}

async function sendAndWaitForIdle(client, seen, prompt) {
  const before = idleCount(seen);
  await client.send(prompt);
  await waitFor(() => idleCount(seen) > before, `session.idle after '${prompt}'`);
}

const first = makeClient();
let firstSessionId = null;

test('answer streams in order', async () => {
  const { client, seen } = first;
  const chunks = ['Alpha ', 'beta ', 'gamma ', 'delta'];
  const snapshots = [];
  client.onEvent((type) => {
    if (type === 'assistant.message_delta') snapshots.push(seen.text);
  });
  await sendAndWaitForIdle(client, seen, 'Name four Greek letters');
  firstSessionId = client.sessionId;

  const deltas = seen.events.filter((event) => event.type === 'assistant.message_delta').map((event) => event.data.deltaContent);
  assert.deepEqual(deltas, chunks);
  assert.ok(seen.text.includes('> Name four Greek letters\n\nAlpha beta gamma delta\n'), JSON.stringify(seen.text));
  // Each delta was on screen before the next arrived: the text grew one chunk at a time.
  snapshots.forEach((snapshot, index) => {
    assert.ok(snapshot.endsWith(chunks.slice(0, index + 1).join('')), `after delta ${index}: ${JSON.stringify(snapshot)}`);
  });
});

test('approved tool call runs', async () => {
  const { client, seen } = first;
  seen.permissionAnswers.push(true);
  await sendAndWaitForIdle(client, seen, 'Read the note about tides');

  assert.equal(seen.permissionPrompts.length, 1);
  assert.equal(seen.permissionPrompts[0].toolName, 'read_note');
  assert.deepEqual(seen.permissionPrompts[0].args, { topic: 'tides' });
  const completed = seen.events.filter((event) => event.type === 'permission.completed');
  assert.equal(completed.length, 1);
  assert.equal(completed[0].data.result.kind, 'approved');
  assert.deepEqual(seen.toolCalls, ['tides']);
  // The mock's reply expects the tool result in the request, so this text proves the result arrived.
  assert.ok(seen.text.includes('The note says tides rise twice a day.'), JSON.stringify(seen.text));
});

test('rejected tool call does not run', async () => {
  const { client, seen } = first;
  seen.permissionAnswers.push(false);
  await sendAndWaitForIdle(client, seen, 'Read the note about secrets');

  assert.equal(seen.permissionPrompts.length, 2);
  assert.deepEqual(seen.permissionPrompts[1].args, { topic: 'secrets' });
  const completed = seen.events.filter((event) => event.type === 'permission.completed');
  assert.equal(completed[1].data.result.kind, 'denied-interactively-by-user');
  assert.deepEqual(seen.toolCalls, ['tides']);
  assert.ok(seen.text.includes('Understood, I will not read it.'), JSON.stringify(seen.text));
});

test('provider 401 is shown', async () => {
  const { client, seen } = first;
  await sendAndWaitForIdle(client, seen, 'This request is rejected');

  assert.equal(seen.errors.length, 1);
  assert.match(seen.errors[0], /HTTP 401/);
  assert.match(seen.errors[0], /Incorrect API key provided/);
  assert.ok(seen.text.includes(`[error] ${seen.errors[0]}`), JSON.stringify(seen.text));
});

test('abort stops a running turn', async () => {
  const { client, seen } = first;
  const deltasBefore = seen.events.filter((event) => event.type === 'assistant.message_delta').length;
  const idleBefore = idleCount(seen);
  await client.send('Start an answer that never ends');
  // The mock holds the reply open after two chunks, so this text can only come from deltas shown as
  // they arrived.
  await waitFor(() => seen.text.endsWith('Partial answer '), 'the first two deltas');
  assert.equal(await client.abort(), true);
  await waitFor(() => idleCount(seen) > idleBefore, 'session.idle after the abort');

  const idle = seen.events.filter((event) => event.type === 'session.idle').at(-1);
  assert.deepEqual(idle.data, { aborted: true });
  assert.ok(seen.events.some((event) => event.type === 'abort'));
  assert.ok(seen.text.includes('Partial answer \n[aborted]'), JSON.stringify(seen.text));
  const deltas = seen.events.filter((event) => event.type === 'assistant.message_delta').length - deltasBefore;
  assert.equal(deltas, 2);
});

test('stop ends the host process', async () => {
  const { client, seen } = first;
  const pid = client.pid;
  assert.ok(pid > 0);
  assert.ok(isAlive(pid));
  await client.stop();
  assert.equal(isAlive(pid), false, `byok-host pid ${pid} is still running`);
  assert.match(seen.log, new RegExp(`pid ${pid}\\) exited with status 0`));
  assert.ok(!seen.log.includes(KEY), 'the API key appears in the log');
});

test('resume continues the last session', async () => {
  const { client, seen } = makeClient();
  try {
    const sessionId = await client.resumeLast();
    assert.equal(sessionId, firstSessionId);
    assert.ok(seen.text.includes(`[resumed session ${firstSessionId}]`));
    assert.ok(seen.text.includes('> Name four Greek letters\n\nAlpha beta gamma delta\n'), JSON.stringify(seen.text));
    // The mock's reply expects the first prompt in the request, so the history came back too.
    await sendAndWaitForIdle(client, seen, 'Are you still there?');
    assert.ok(seen.text.includes('Resumed fine.'), JSON.stringify(seen.text));
    assert.deepEqual(seen.errors, []);
  } finally {
    await client.stop();
  }
});

test('unknown host request gets -32601', async () => {
  // With hasBearerTokenProvider the host requests a token from the client, which this client does not offer.
  const child = spawn(BINARY, ['--stdio', '--home', HOME], { stdio: ['pipe', 'pipe', 'ignore'] });
  recordPid(child.pid);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const rpc = new RpcConnection(child.stdout, child.stdin);
    const errors = [];
    let idle = false;
    rpc.onNotification((method, params) => {
      if (method !== 'session.event') return;
      if (params.event.type === 'session.error') errors.push(params.event.data.message);
      if (params.event.type === 'session.idle') idle = true;
    });
    const { sessionId } = await rpc.request('session.create', {
      model: 'mock-model',
      provider: { type: 'openai', baseUrl: BASE_URL, hasBearerTokenProvider: true },
    });
    await rpc.request('session.send', { sessionId, prompt: 'Needs a token' });
    await waitFor(() => idle, 'session.idle');
    assert.equal(errors.length, 1);
    assert.match(errors[0], /providerToken\.getToken/);
    assert.match(errors[0], /JSON-RPC error -32601: Unhandled method providerToken\.getToken/);
  } finally {
    child.stdin.end();
    await exited;
  }
});

test('extension streams and deactivates', async () => {
  const stubPath = path.join(__dirname, 'support', 'vscode-stub.js');
  const originalResolve = Module._resolveFilename;
  Module._resolveFilename = function resolve(request, ...rest) {
    return request === 'vscode' ? stubPath : originalResolve.call(this, request, ...rest);
  };
  const vscode = require(stubPath);
  const extension = require('../extension');
  Module._resolveFilename = originalResolve;

  Object.assign(vscode.state.settings, {
    hostPath: BINARY,
    hostArgs: ['--home', HOME, '--log-level', 'info'],
    model: 'mock-model',
    'provider.type': 'openai',
    'provider.baseUrl': BASE_URL,
    'provider.apiKeyEnv': KEY_VARIABLE,
  });
  const context = { subscriptions: [] };
  const api = extension.activate(context);
  assert.deepEqual([...vscode.state.commands.keys()].sort(),
    ['byok.abort', 'byok.ask', 'byok.resumeLast', 'byok.sendSelection', 'byok.showLog', 'byok.stop']);

  const clockCalls = [];
  api.registerTool({ name: 'editor_clock', description: 'Returns the editor time', handler: async () => { clockCalls.push(1); return 'It is noon.'; } });
  vscode.state.inputBoxAnswers.push('What time is it in the editor?');
  vscode.state.warningAnswers.push('Allow once');
  await vscode.state.commands.get('byok.ask')();

  const answers = vscode.state.channels.get('BYOK');
  const log = vscode.state.channels.get('BYOK Host Log');
  // The newline after the answer is written at session.idle, so the turn and its model request are over.
  await waitFor(() => answers.text.endsWith('From the extension: it is noon.\n'), 'the streamed answer in the BYOK channel');
  assert.ok(answers.text.includes('> What time is it in the editor?\n\n'), JSON.stringify(answers.text));
  assert.equal(vscode.state.warningPrompts.length, 1);
  assert.match(vscode.state.warningPrompts[0].message, /editor_clock/);
  assert.deepEqual(vscode.state.warningPrompts[0].items, ['Allow once', 'Reject']);
  assert.deepEqual(clockCalls, [1]);
  assert.deepEqual(vscode.state.errorMessages, []);

  const pid = Number(/started .* \(pid (\d+)\)/.exec(log.text)?.[1]);
  assert.ok(pid > 0, `no pid in the log channel: ${JSON.stringify(log.text)}`);
  recordPid(pid);
  assert.ok(isAlive(pid));
  await extension.deactivate();
  assert.equal(isAlive(pid), false, `byok-host pid ${pid} is still running after deactivate`);
});

'use strict';

// The editor-independent part of the VS Code extension: it starts byok-host, runs sessions and
// reports what happens through the callbacks in `ui`. It does not import `vscode`, so plain `node`
// can run and test it.

const { spawn } = require('node:child_process');
const { RpcConnection } = require('./rpc');

const PROTOCOL_VERSION = 3;

/** Base URLs used when the settings and the environment give none. Azure has none: each resource has its own. */
const DEFAULT_BASE_URLS = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  ollama: 'http://localhost:11434/v1',
};

/** The environment variable that contains the key when `apiKeyEnv` is not set. Ollama needs no key. */
const DEFAULT_KEY_VARIABLES = {
  openai: 'OPENAI_API_KEY',
  azure: 'AZURE_OPENAI_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
};

/**
 * Builds the `provider` object of `session.create` and `session.resume` from the settings, with
 * BYOK_HOST_PROVIDER_TYPE and BYOK_HOST_PROVIDER_BASE_URL as fallbacks. The key is read from the
 * environment variable that `apiKeyEnv` names, at call time, and is never kept anywhere else.
 * `ollama` is sent as the host's `openai` type, because Ollama serves the Chat Completions API.
 */
function buildProvider(settings = {}, env = process.env) {
  const type = (settings.type || env.BYOK_HOST_PROVIDER_TYPE || 'openai').toLowerCase();
  if (!['openai', 'azure', 'anthropic', 'ollama'].includes(type)) {
    throw new Error(`provider type '${type}' is not supported; use openai, azure, anthropic or ollama`);
  }
  const baseUrl = settings.baseUrl || env.BYOK_HOST_PROVIDER_BASE_URL || DEFAULT_BASE_URLS[type];
  if (!baseUrl) {
    throw new Error(`the ${type} provider needs a base URL, such as https://RESOURCE.openai.azure.com; set byok.provider.baseUrl`);
  }
  const provider = { type: type === 'ollama' ? 'openai' : type, baseUrl };
  const keyVariable = settings.apiKeyEnv || DEFAULT_KEY_VARIABLES[type];
  if (keyVariable && env[keyVariable]) provider.apiKey = env[keyVariable];
  if (type === 'azure' && settings.azureApiVersion) provider.azure = { apiVersion: settings.azureApiVersion };
  return provider;
}

/** Returns the model name from the settings, else BYOK_HOST_MODEL. */
function resolveModel(settings = {}, env = process.env) {
  const model = settings.model || env.BYOK_HOST_MODEL;
  if (!model) throw new Error('no model is configured; set byok.model or BYOK_HOST_MODEL');
  return model;
}

/**
 * One byok-host child process and the session the user works in.
 *
 * `ui` receives everything the user should see:
 * - `appendText(text)`: streamed answer text and turn markers, in order;
 * - `showError(message)`: a `session.error` or a failed request;
 * - `askPermission({toolName, toolDescription, args})`: resolves true to approve one tool call;
 * - `appendLog(line)`: a line of the host's stderr, or a note about the process.
 */
class ByokClient {
  /**
   * @param {object} options
   * @param {string} [options.hostPath] the byok-host executable; default `byok-host` on PATH
   * @param {string[]} [options.hostArgs] arguments after `--stdio`, such as `--log-level info`
   * @param {object} [options.provider] `{type, baseUrl, apiKeyEnv, azureApiVersion}`
   * @param {string} [options.model]
   * @param {Array<{name: string, description?: string, parameters?: object, handler: Function}>} [options.tools]
   *   client tools the model may call; `ui.askPermission` decides each call first
   * @param {object} [options.env] the environment for the host and for reading the key; default process.env
   * @param {string} [options.cwd] the host's working directory
   * @param {number} [options.requestTimeoutMs] the limit for each request; default 30 s
   * @param {number} [options.stopTimeoutMs] how long `stop` waits for each step before killing; default 2 s
   */
  constructor(options = {}, ui = {}) {
    this.options = options;
    this.ui = {
      appendText: ui.appendText ?? (() => {}),
      showError: ui.showError ?? (() => {}),
      askPermission: ui.askPermission ?? (async () => false),
      appendLog: ui.appendLog ?? (() => {}),
    };
    this.env = options.env ?? process.env;
    this.tools = [...(options.tools ?? [])];
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 2000;
    this.child = null;
    this.rpc = null;
    this.sessionId = null;
    this.runningTurns = 0;
    this.streamedMessageIds = new Set();
    this.eventListeners = new Set();
    this.starting = null;
  }

  /** The host's process id, or null when no host is running. */
  get pid() {
    return this.child && this.child.exitCode === null && this.child.signalCode === null ? this.child.pid : null;
  }

  get isRunning() {
    return this.pid !== null;
  }

  /** Adds a listener called with `(type, data)` for every event of the current session. */
  onEvent(listener) {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Adds a client tool; sessions created or resumed afterwards offer it to the model. */
  addTool(tool) {
    if (!tool || typeof tool.name !== 'string' || typeof tool.handler !== 'function') {
      throw new Error('a tool needs a string name and a handler function');
    }
    this.tools = this.tools.filter((existing) => existing.name !== tool.name).concat([tool]);
  }

  /** Starts byok-host and sends `connect`, unless a host is running already. */
  start() {
    if (this.isRunning && this.rpc && !this.rpc.closed) return this.starting ?? Promise.resolve();
    this.starting = this.spawnAndConnect().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  async spawnAndConnect() {
    const hostPath = this.options.hostPath || 'byok-host';
    const args = ['--stdio', ...(this.options.hostArgs ?? [])];
    const child = spawn(hostPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: this.env, cwd: this.options.cwd });
    this.child = child;
    this.sessionId = null;
    this.runningTurns = 0;

    const spawned = new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new Error(`could not start ${hostPath}: ${error.message}; check byok.hostPath`)));
    });
    child.stdin.on('error', (error) => this.ui.appendLog(`[client] writing to byok-host failed: ${error.message}`));
    this.forwardStderr(child);

    const rpc = new RpcConnection(child.stdout, child.stdin, {
      onProtocolError: (error) => this.ui.appendLog(`[client] ${error.message}`),
    });
    this.rpc = rpc;
    rpc.onNotification((method, params) => this.handleNotification(method, params));
    child.once('exit', (code, signal) => {
      rpc.close('byok-host exited');
      this.ui.appendLog(`[client] byok-host (pid ${child.pid}) exited with ${signal ?? `status ${code}`}`);
      if (this.child === child) this.sessionId = null;
    });

    await spawned;
    this.ui.appendLog(`[client] started ${hostPath} (pid ${child.pid})`);
    const result = await rpc.request('connect', {}, { timeoutMs: this.requestTimeoutMs });
    if (result?.protocolVersion !== PROTOCOL_VERSION) {
      throw new Error(`byok-host speaks protocol version ${result?.protocolVersion}, but this extension needs ${PROTOCOL_VERSION}`);
    }
  }

  forwardStderr(child) {
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop();
      for (const line of lines) this.ui.appendLog(line);
    });
    child.stderr.on('end', () => {
      if (partial) this.ui.appendLog(partial);
      partial = '';
    });
  }

  request(method, params) {
    return this.rpc.request(method, params, { timeoutMs: this.requestTimeoutMs });
  }

  /** Returns the params shared by `session.create` and `session.resume`; the provider carries the key. */
  sessionSettings() {
    const settings = {
      model: resolveModel(this.options, this.env),
      provider: buildProvider(this.options.provider, this.env),
      streaming: true,
      clientName: 'byok-vscode',
    };
    if (this.tools.length > 0) {
      settings.tools = this.tools.map(({ name, description, parameters }) => {
        const definition = { name, description: description ?? '' };
        if (parameters) definition.parameters = parameters;
        return definition;
      });
      settings.requestPermission = true;
    }
    return settings;
  }

  /** Starts the host and creates a session when there is none yet. */
  async ensureSession() {
    await this.start();
    if (this.sessionId) return this.sessionId;
    const result = await this.request('session.create', this.sessionSettings());
    this.sessionId = result.sessionId;
    return this.sessionId;
  }

  /** Sends a prompt in the current session and resolves with its messageId; the answer streams to `ui.appendText`. */
  async send(prompt) {
    if (typeof prompt !== 'string' || prompt.trim() === '') throw new Error('the prompt is empty');
    const sessionId = await this.ensureSession();
    this.ui.appendText(`\n> ${prompt.replace(/\n/g, '\n> ')}\n\n`);
    this.runningTurns += 1;
    try {
      const { messageId } = await this.request('session.send', { sessionId, prompt });
      return messageId;
    } catch (error) {
      this.runningTurns -= 1;
      throw error;
    }
  }

  /** Aborts the running turn; resolves false when there is no session. */
  async abort() {
    if (!this.sessionId || !this.isRunning) return false;
    await this.request('session.abort', { sessionId: this.sessionId });
    return true;
  }

  /** Resumes the most recently used stored session with the configured provider; resolves with its id. */
  async resumeLast() {
    await this.start();
    const { sessionId } = await this.request('session.getLastId', {});
    if (!sessionId) throw new Error('there is no stored session to resume');
    await this.request('session.resume', { sessionId, ...this.sessionSettings() });
    this.sessionId = sessionId;
    this.runningTurns = 0;
    const { events } = await this.request('session.getMessages', { sessionId });
    this.ui.appendText(`\n[resumed session ${sessionId}]\n`);
    for (const event of events) {
      if (event.type === 'user.message') this.ui.appendText(`\n> ${event.data.content.replace(/\n/g, '\n> ')}\n\n`);
      if (event.type === 'assistant.message' && event.data.content) this.ui.appendText(`${event.data.content}\n`);
    }
    return sessionId;
  }

  /**
   * Stops the host: `runtime.shutdown` (which aborts running turns), then closes stdin so that it
   * exits, and kills it with SIGKILL if it is still running after `stopTimeoutMs`.
   */
  async stop() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await this.rpc.request('runtime.shutdown', {}, { timeoutMs: this.stopTimeoutMs });
    } catch (error) {
      this.ui.appendLog(`[client] runtime.shutdown failed: ${error.message}`);
    }
    child.stdin.end();
    if (await withinTime(exited, this.stopTimeoutMs)) return;
    this.ui.appendLog(`[client] byok-host (pid ${child.pid}) did not exit within ${this.stopTimeoutMs} ms; killing it`);
    child.kill('SIGKILL');
    await withinTime(exited, this.stopTimeoutMs);
  }

  // Events

  handleNotification(method, params) {
    if (method !== 'session.event' || !params || params.sessionId !== this.sessionId) return;
    const { type, data = {} } = params.event ?? {};
    this.renderEvent(type, data);
    for (const listener of this.eventListeners) listener(type, data);
  }

  renderEvent(type, data) {
    switch (type) {
      case 'assistant.message_delta':
        this.streamedMessageIds.add(data.messageId);
        this.ui.appendText(data.deltaContent ?? '');
        break;
      case 'assistant.message':
        // Without streaming no deltas arrive, so the whole message is shown here instead.
        if (!this.streamedMessageIds.has(data.messageId) && data.content) this.ui.appendText(data.content);
        this.streamedMessageIds.delete(data.messageId);
        break;
      case 'session.error':
        this.ui.appendText(`\n[error] ${data.message}\n`);
        this.ui.showError(data.message);
        break;
      case 'permission.requested':
        this.answerPermission(data).catch((error) => this.ui.showError(`Sending the permission decision failed: ${error.message}`));
        break;
      case 'external_tool.requested':
        this.runTool(data).catch((error) => this.ui.showError(`Returning a tool result failed: ${error.message}`));
        break;
      case 'abort':
        this.ui.appendText('\n[aborted]');
        break;
      case 'session.idle':
        this.runningTurns = Math.max(0, this.runningTurns - 1);
        this.ui.appendText('\n');
        break;
      default:
        break;
    }
  }

  async answerPermission(data) {
    const sessionId = this.sessionId;
    const request = data.permissionRequest ?? {};
    let approved = false;
    try {
      approved = await this.ui.askPermission({
        toolName: request.toolName,
        toolDescription: request.toolDescription,
        args: request.args ?? {},
      });
    } catch (error) {
      this.ui.appendLog(`[client] the permission prompt failed, so the tool call is rejected: ${error.message}`);
    }
    const result = approved ? { kind: 'approve-once' } : { kind: 'reject' };
    await this.request('session.permissions.handlePendingPermissionRequest', { sessionId, requestId: data.requestId, result });
  }

  async runTool(data) {
    const sessionId = this.sessionId;
    const tool = this.tools.find((candidate) => candidate.name === data.toolName);
    let result;
    if (!tool) {
      result = { textResultForLlm: `The tool '${data.toolName}' is not defined in this editor.`, resultType: 'failure' };
    } else {
      try {
        const text = await tool.handler(data.arguments ?? {});
        result = { textResultForLlm: typeof text === 'string' ? text : JSON.stringify(text), resultType: 'success' };
      } catch (error) {
        result = { textResultForLlm: `The tool '${data.toolName}' failed: ${error.message}`, resultType: 'failure' };
      }
    }
    await this.request('session.tools.handlePendingToolCall', { sessionId, requestId: data.requestId, result });
  }
}

/** Resolves true when `promise` settles within `ms` milliseconds, else false. */
function withinTime(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

module.exports = { ByokClient, buildProvider, resolveModel, DEFAULT_BASE_URLS, DEFAULT_KEY_VARIABLES };

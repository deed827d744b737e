'use strict';

// VS Code entry point: commands, settings and output channels around the editor-independent
// ByokClient in lib/client.js.

const vscode = require('vscode');
const { ByokClient } = require('./lib/client');

let client = null;
let answerChannel = null;
let logChannel = null;

function readSettings() {
  const config = vscode.workspace.getConfiguration('byok');
  const folder = vscode.workspace.workspaceFolders?.[0];
  return {
    hostPath: config.get('hostPath') || 'byok-host',
    hostArgs: config.get('hostArgs') ?? [],
    model: config.get('model') || undefined,
    provider: {
      type: config.get('provider.type') || undefined,
      baseUrl: config.get('provider.baseUrl') || undefined,
      apiKeyEnv: config.get('provider.apiKeyEnv') || undefined,
      azureApiVersion: config.get('provider.azureApiVersion') || undefined,
    },
    cwd: folder?.uri.fsPath,
  };
}

/** Asks a modal yes/no question before the model runs a tool. */
async function askPermission({ toolName, toolDescription, args }) {
  const detail = `${toolDescription ? `${toolDescription}\n\n` : ''}Arguments: ${JSON.stringify(args, null, 2)}`;
  const choice = await vscode.window.showWarningMessage(
    `The model wants to run the tool '${toolName}'.`, { modal: true, detail }, 'Allow once', 'Reject');
  return choice === 'Allow once';
}

/** Returns the client, creating it with the current settings; tools added with `registerTool` carry over. */
function getClient() {
  if (client) return client;
  client = new ByokClient(readSettings(), {
    appendText: (text) => answerChannel.append(text),
    showError: (message) => {
      vscode.window.showErrorMessage(`byok-host: ${message}`);
    },
    askPermission,
    appendLog: (line) => logChannel.appendLine(line),
  });
  return client;
}

async function runCommand(action) {
  try {
    await action();
  } catch (error) {
    vscode.window.showErrorMessage(`byok-host: ${error.message}`);
  }
}

async function sendPrompt(prompt) {
  answerChannel.show(true);
  await getClient().send(prompt);
}

function activate(context) {
  answerChannel = vscode.window.createOutputChannel('BYOK');
  logChannel = vscode.window.createOutputChannel('BYOK Host Log');
  context.subscriptions.push(answerChannel, logChannel);

  const commands = {
    'byok.ask': () => runCommand(async () => {
      const prompt = await vscode.window.showInputBox({ prompt: 'Ask the model', placeHolder: 'Prompt' });
      if (prompt) await sendPrompt(prompt);
    }),
    'byok.sendSelection': () => runCommand(async () => {
      const editor = vscode.window.activeTextEditor;
      const text = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
      if (!text) throw new Error('select some text first');
      await sendPrompt(text);
    }),
    'byok.abort': () => runCommand(async () => {
      if (!client || !(await client.abort())) vscode.window.showInformationMessage('byok-host: no session is running');
    }),
    'byok.resumeLast': () => runCommand(async () => {
      answerChannel.show(true);
      await getClient().resumeLast();
    }),
    'byok.showLog': () => logChannel.show(true),
    'byok.stop': () => runCommand(async () => {
      if (client) await client.stop();
      client = null;
    }),
  };
  for (const [name, handler] of Object.entries(commands)) {
    context.subscriptions.push(vscode.commands.registerCommand(name, handler));
  }
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((event) => {
    if (!event.affectsConfiguration('byok') || !client) return;
    // New settings take effect with the next host, so a running turn is not cut short.
    const tools = client.tools;
    const old = client;
    client = null;
    getClient().tools = tools;
    old.stop();
  }));

  // Other extensions may add client tools; the user approves or rejects each call.
  return {
    registerTool: (tool) => getClient().addTool(tool),
  };
}

/** Stops byok-host; VS Code waits for the returned promise when the window closes. */
async function deactivate() {
  if (!client) return;
  const stopping = client;
  client = null;
  await stopping.stop();
}

module.exports = { activate, deactivate };

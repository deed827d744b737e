'use strict';

// A stand-in for the `vscode` module with the few APIs extension.js calls. Tests set what the input
// box and the permission dialog return, and read what the extension wrote to its channels.

const state = {
  settings: {},
  inputBoxAnswers: [],
  warningAnswers: [],
  channels: new Map(),
  commands: new Map(),
  errorMessages: [],
  infoMessages: [],
  warningPrompts: [],
};

function createOutputChannel(name) {
  const channel = {
    name,
    text: '',
    append(value) { channel.text += value; },
    appendLine(value) { channel.text += `${value}\n`; },
    show() {},
    dispose() {},
  };
  state.channels.set(name, channel);
  return channel;
}

module.exports = {
  state,
  window: {
    createOutputChannel,
    showInputBox: async () => state.inputBoxAnswers.shift(),
    showWarningMessage: async (message, options, ...items) => {
      state.warningPrompts.push({ message, options, items });
      return state.warningAnswers.shift();
    },
    showErrorMessage: async (message) => { state.errorMessages.push(message); },
    showInformationMessage: async (message) => { state.infoMessages.push(message); },
    activeTextEditor: undefined,
  },
  workspace: {
    workspaceFolders: undefined,
    getConfiguration: () => ({ get: (key) => state.settings[key] }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
  },
  commands: {
    registerCommand: (name, handler) => {
      state.commands.set(name, handler);
      return { dispose() { state.commands.delete(name); } };
    },
  },
};

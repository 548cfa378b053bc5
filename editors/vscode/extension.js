// Starts `cnam lsp` for .cnr files. Highlighting works without this file (package.json and
// syntaxes/ are enough); the language server needs `npm install` in this folder first.
"use strict";

const vscode = require("vscode");

let client;

function activate(context) {
  let languageclient;
  try {
    languageclient = require("vscode-languageclient/node");
  } catch (error) {
    vscode.window.showWarningMessage(
      "Règles Cnam : lancez « npm install » dans editors/vscode pour les diagnostics, le survol et la mise en forme."
    );
    return;
  }
  const settings = vscode.workspace.getConfiguration("cnam");
  const [command, ...args] = settings.get("command", ["cnam", "lsp"]);
  const rules = settings.get("rules", "");
  client = new languageclient.LanguageClient(
    "cnam",
    "Règles Cnam",
    { command, args, transport: languageclient.TransportKind.stdio },
    {
      documentSelector: [{ scheme: "file", language: "cnr" }],
      initializationOptions: rules ? { rules } : {},
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.cnr") },
    }
  );
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };

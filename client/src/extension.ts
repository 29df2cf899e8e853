import * as vscode from "vscode";
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";

/**
 * The VS Code client: it starts the Pinsight language server over IPC and wires a few commands.
 * All domain logic lives in the server, so the same behaviour is available to every LSP editor.
 */

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Pinsight", { log: true });
  context.subscriptions.push(output);

  context.subscriptions.push(
    vscode.commands.registerCommand("pinsight.restartServer", async () => {
      if (client === undefined) {
        client = createClient(context);
        await client.start();
      } else {
        await client.restart();
      }
    }),
    vscode.commands.registerCommand("pinsight.showOutput", () => output?.show(true)),
    // Trust can be granted while the workspace is open; the server decides what it may contact.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void client?.sendNotification("pinsight/workspaceTrust", { trusted: true });
    }),
  );

  client = createClient(context);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

function createClient(context: vscode.ExtensionContext): LanguageClient {
  const serverModule = context.asAbsolutePath("dist/server.js");
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ["--nolazy", "--inspect=6019"] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { language: "pip-requirements", scheme: "file" },
      { language: "pip-requirements", scheme: "untitled" },
    ],
    outputChannel: output,
    initializationOptions: { workspaceTrusted: vscode.workspace.isTrusted },
    synchronize: { configurationSection: "pinsight" },
  };
  // The id equals the settings prefix so that `pinsight.trace.server` is honoured by the library.
  return new LanguageClient("pinsight", "Pinsight", serverOptions, clientOptions);
}

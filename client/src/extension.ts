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
let status: vscode.StatusBarItem | undefined;

/** What the server reports about package indexes (`pinsight/indexStatus`). */
interface IndexStatus {
  readonly state: "idle" | "fetching" | "offline" | "error";
  readonly done: number;
  readonly total: number;
  readonly lastError: string | null;
  readonly indexes: readonly string[];
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Pinsight", { log: true });
  context.subscriptions.push(output);
  status = vscode.window.createStatusBarItem("pinsight.indexStatus", vscode.StatusBarAlignment.Right, 100);
  status.name = "Pinsight package index";
  status.command = "pinsight.showOutput";
  context.subscriptions.push(status);

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
    vscode.commands.registerCommand("pinsight.clearCache", async () => {
      await client?.sendRequest("pinsight/clearCache");
      void vscode.window.showInformationMessage("Pinsight: package index cache cleared.");
    }),
    // Trust can be granted while the workspace is open; the server decides what it may contact.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void client?.sendNotification("pinsight/workspaceTrust", { trusted: true });
    }),
  );

  client = createClient(context);
  await client.start();
}

/** Shows index activity only while it matters: fetching, offline, or after an error. */
function showStatus(value: IndexStatus): void {
  if (!status) return;
  const indexes = value.indexes.length > 0 ? `\n\nIndexes:\n${value.indexes.map((i) => `- ${i}`).join("\n")}` : "";
  switch (value.state) {
    case "fetching":
      status.text = `$(sync~spin) Pinsight ${value.done}/${value.total}`;
      status.tooltip = `Fetching release data from the package index${indexes}`;
      break;
    case "offline":
      status.text = "$(cloud-offline) Pinsight offline";
      status.tooltip = `pinsight.offline is on: answers come from the cache only${indexes}`;
      break;
    case "error":
      status.text = "$(warning) Pinsight index";
      status.tooltip = `Last index error: ${value.lastError ?? "unknown"}${indexes}`;
      break;
    default:
      status.hide();
      return;
  }
  status.show();
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
    initializationOptions: {
      workspaceTrusted: vscode.workspace.isTrusted,
      globalStoragePath: context.globalStorageUri.fsPath,
    },
    synchronize: { configurationSection: "pinsight" },
    middleware: {
      workspace: {
        // The server must know whether index URLs come from user or workspace settings (an
        // untrusted workspace may not choose where we connect) and VS Code's proxy settings.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return result.map((value: unknown, i) => {
            const item = params.items[i];
            if (item?.section !== "pinsight" || typeof value !== "object" || value === null) return value;
            const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
            const pinsight = vscode.workspace.getConfiguration("pinsight", scope);
            const http = vscode.workspace.getConfiguration("http", scope);
            return {
              ...value,
              scopes: {
                indexUrl: settingScope(pinsight.inspect("index.url")),
                extraUrls: settingScope(pinsight.inspect("index.extraUrls")),
              },
              http: {
                proxy: http.get<string>("proxy") ?? "",
                proxyStrictSSL: http.get<boolean>("proxyStrictSSL") ?? true,
              },
            };
          });
        },
      },
    },
  };
  // The id equals the settings prefix so that `pinsight.trace.server` is honoured by the library.
  const created = new LanguageClient("pinsight", "Pinsight", serverOptions, clientOptions);
  created.onNotification("pinsight/indexStatus", (value: IndexStatus) => showStatus(value));
  return created;
}

/** Where a setting's effective value comes from: a workspace (folder) file or the user. */
function settingScope(
  inspected: { workspaceValue?: unknown; workspaceFolderValue?: unknown } | undefined,
): "workspace" | "user" {
  return inspected?.workspaceFolderValue !== undefined || inspected?.workspaceValue !== undefined
    ? "workspace"
    : "user";
}

import * as vscode from "vscode";
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import type { IndexStatus } from "./indexStatus";

/**
 * The language client: loaded on demand after activation (it is most of the client bundle), so that
 * activating the extension costs almost nothing and the editor never waits for it.
 */

/** Every lock-file name Pinsight analyses (poetry, pipenv, uv, pdm, PEP 751). */
const lockFilePattern = "**/{poetry.lock,Pipfile.lock,uv.lock,pdm.lock,pylock.toml,pylock.*.toml}";

/** Times of recent unexpected server exits, and whether the user was told about one. */
const crashes: number[] = [];
let toldAboutCrash = false;

export function createClient(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel | undefined,
  showStatus: (value: IndexStatus) => void,
): LanguageClient {
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
      // Lock files keep whatever language another extension gives them (toml, json, plain text).
      { scheme: "file", pattern: lockFilePattern },
      { scheme: "file", pattern: "**/{pyproject.toml,Pipfile}" },
    ],
    outputChannel: output,
    // A crashed server is restarted (the library's default policy, at most 4 times in 3 minutes);
    // the user is told once per session, not on every restart.
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        crashes.push(Date.now());
        while (crashes.length > 0 && (crashes[0] ?? 0) < Date.now() - 180_000) crashes.shift();
        if (!toldAboutCrash) {
          toldAboutCrash = true;
          void vscode.window.showWarningMessage(
            vscode.l10n.t(
              "Pinsight's language server stopped unexpectedly and was restarted. See Pinsight: Show Output.",
            ),
          );
        }
        return crashes.length <= 4
          ? { action: CloseAction.Restart, handled: true }
          : {
              action: CloseAction.DoNotRestart,
              message: vscode.l10n.t(
                "Pinsight's language server keeps stopping; run Pinsight: Restart Server to try again.",
              ),
            };
      },
    },
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

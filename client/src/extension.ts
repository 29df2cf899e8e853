import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import type { IndexStatus } from "./indexStatus";

/**
 * The VS Code client: it starts the Pinsight language server over IPC and wires a few commands.
 * All domain logic lives in the server, so the same behaviour is available to every LSP editor.
 */

let client: LanguageClient | undefined;

let output: vscode.LogOutputChannel | undefined;

let status: vscode.StatusBarItem | undefined;

/** When this module was evaluated, to report how long activation itself took. */
const loadedAt = performance.now();

/** What the extension exports: only measurements, for the end-to-end suite and the benchmark. */
export interface PinsightExports {
  /** Milliseconds from evaluating this module to the end of `activate`. */
  readonly activationMs: number;
}

export async function activate(context: vscode.ExtensionContext): Promise<PinsightExports> {
  output = vscode.window.createOutputChannel("Pinsight", { log: true });
  context.subscriptions.push(output);
  status = vscode.window.createStatusBarItem("pinsight.indexStatus", vscode.StatusBarAlignment.Right, 100);
  status.name = vscode.l10n.t("Pinsight");
  status.command = "pinsight.showActions";
  context.subscriptions.push(status);

  context.subscriptions.push(
    vscode.commands.registerCommand("pinsight.restartServer", async () => {
      if (client === undefined) await startClient(context);
      else await client.restart();
    }),
    vscode.commands.registerCommand("pinsight.showOutput", () => output?.show(true)),
    vscode.commands.registerCommand("pinsight.pinAllRequirements", async (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (target === undefined || client === undefined) return;
      const result = (await client.sendRequest("workspace/executeCommand", {
        command: "pinsight.server.pinAll",
        arguments: [{ uri: target.toString() }],
      })) as { applied?: boolean; edits?: number } | null;
      const count = result?.edits ?? 0;
      void vscode.window.showInformationMessage(
        count === 0
          ? vscode.l10n.t("Pinsight: nothing to pin in this file.")
          : vscode.l10n.t("Pinsight: pinned {0} requirement(s).", count),
      );
    }),
    vscode.window.onDidChangeActiveTextEditor(() => void updateTarget()),
    // The target is detected in the background; new diagnostics for the active file may follow it.
    vscode.languages.onDidChangeDiagnostics((event) => {
      const active = vscode.window.activeTextEditor?.document.uri.toString();
      if (active !== undefined && event.uris.some((uri) => uri.toString() === active)) void updateTarget();
    }),
    vscode.commands.registerCommand("pinsight.clearCache", async () => {
      await client?.sendRequest("pinsight/clearCache");
      void vscode.window.showInformationMessage(vscode.l10n.t("Pinsight: package index cache cleared."));
    }),
    vscode.commands.registerCommand("pinsight.refreshIndexData", async () => {
      await client?.sendRequest("pinsight/refresh");
      void vscode.window.setStatusBarMessage(vscode.l10n.t("Pinsight: revalidating package data…"), 3000);
    }),
    vscode.commands.registerCommand("pinsight.selectTargetPython", () => selectTargetPython()),
    vscode.commands.registerCommand("pinsight.showActions", () => showActions()),
    // Trust can be granted while the workspace is open; the server decides what it may contact.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      void client?.sendNotification("pinsight/workspaceTrust", { trusted: true });
    }),
  );

  // The client library is loaded and the server started in the background: activation returns at
  // once, and requests made before the server is ready are queued by the client library.
  void startClient(context).then(
    () => updateTarget(),
    (error: unknown) => output?.error(`Pinsight's language server did not start: ${String(error)}`),
  );
  return { activationMs: performance.now() - loadedAt };
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const { createClient } = await import("./languageClient.js");
  const created = createClient(context, output, showStatus);
  client = created;
  await created.start();
}

let lastIndexStatus: IndexStatus | undefined;
let target: { versions: string[]; source: string } | null = null;

/** The status item's menu: every Pinsight action in one place. */
async function showActions(): Promise<void> {
  const actions: { label: string; command: string }[] = [
    { label: vscode.l10n.t("$(pinned) Pin All Requirements"), command: "pinsight.pinAllRequirements" },
    { label: vscode.l10n.t("$(symbol-namespace) Select Target Python"), command: "pinsight.selectTargetPython" },
    { label: vscode.l10n.t("$(sync) Refresh Index Data"), command: "pinsight.refreshIndexData" },
    { label: vscode.l10n.t("$(trash) Clear Cache"), command: "pinsight.clearCache" },
    { label: vscode.l10n.t("$(output) Show Output"), command: "pinsight.showOutput" },
    { label: vscode.l10n.t("$(debug-restart) Restart Server"), command: "pinsight.restartServer" },
  ];
  const picked = await vscode.window.showQuickPick(actions, { placeHolder: vscode.l10n.t("Pinsight") });
  if (picked) await vscode.commands.executeCommand(picked.command);
}

/** Released CPython minors offered by "Select Target Python", newest first. */
const pythonChoices = ["3.15", "3.14", "3.13", "3.12", "3.11", "3.10", "3.9", "3.8", "3.7", "3.6", "3.5", "2.7"];

/**
 * Lets the user choose the target Python(s) for the workspace (written to `pinsight.pythonVersion`
 * in the workspace settings), or go back to detecting it from the project.
 */
async function selectTargetPython(): Promise<void> {
  const detect = vscode.l10n.t("Detect from the project");
  const current = vscode.workspace.getConfiguration("pinsight").get<string | string[]>("pythonVersion");
  const chosen = new Set(typeof current === "string" ? current.split(",").map((v) => v.trim()) : (current ?? []));
  const items: vscode.QuickPickItem[] = [
    { label: detect, description: vscode.l10n.t(".venv, .python-version, requires-python, …") },
    ...pythonChoices.map((version) => ({ label: version, picked: chosen.has(version) })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    placeHolder: vscode.l10n.t("Target Python versions (pick several to check each)"),
  });
  if (picked === undefined) return;
  const versions = picked.map((item) => item.label).filter((label) => label !== detect);
  const target = vscode.workspace.workspaceFolders
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await vscode.workspace
    .getConfiguration("pinsight")
    .update(
      "pythonVersion",
      versions.length === 0 || picked.some((i) => i.label === detect) ? undefined : versions,
      target,
    );
  void updateTarget();
}

/** Asks the server which Python the active requirements file targets, for the status item. */
async function updateTarget(): Promise<void> {
  const document = vscode.window.activeTextEditor?.document;
  if (client === undefined || document === undefined || !isPinsightDocument(document)) {
    target = null;
  } else {
    target = (await client
      .sendRequest("pinsight/targetPython", { uri: document.uri.toString() })
      .catch(() => null)) as typeof target;
  }
  if (lastIndexStatus) showStatus(lastIndexStatus);
  else showStatus({ state: "idle", done: 0, total: 0, lastError: null, indexes: [] });
}

/** Requirements files, lock files and manifests: every document the server analyses. */
function isPinsightDocument(document: vscode.TextDocument): boolean {
  if (document.languageId === "pip-requirements") return true;
  const name = document.uri.path.slice(document.uri.path.lastIndexOf("/") + 1);
  return /^(poetry\.lock|Pipfile\.lock|uv\.lock|pdm\.lock|pylock\.([^.]+\.)?toml|pyproject\.toml|Pipfile)$/.test(name);
}

/**
 * Shows the target Python of the active requirements file and where it came from, and index
 * activity while it matters: fetching, offline, or after an error.
 */
function showStatus(value: IndexStatus): void {
  lastIndexStatus = value;
  if (!status) return;
  const indexes = value.indexes.length > 0 ? `\n\nIndexes:\n${value.indexes.map((i) => `- ${i}`).join("\n")}` : "";
  // The target Python is the item's subject; index activity and trouble decorate it.
  const subject = target === null ? "Pinsight" : `Python ${target.versions.join(", ")}`;
  const targetLine =
    target === null
      ? ""
      : `Pinsight analyses for Python ${target.versions.join(", ")} (from ${target.source}).\nSet pinsight.pythonVersion to choose.\n\n`;
  switch (value.state) {
    case "fetching":
      status.text = `$(sync~spin) ${subject} ${value.done}/${value.total}`;
      status.tooltip = `${targetLine}Fetching release data from the package index${indexes}`;
      break;
    case "offline":
      status.text = `$(cloud-offline) ${subject}`;
      status.tooltip = `${targetLine}pinsight.offline is on: answers come from the cache only${indexes}`;
      break;
    case "error":
      status.text = `$(warning) ${subject}`;
      status.tooltip = `${targetLine}Last index error: ${value.lastError ?? "unknown"}${indexes}`;
      break;
    default:
      if (target === null) {
        status.hide();
        return;
      }
      status.text = `$(package) ${subject}`;
      status.tooltip = `${targetLine.trimEnd()}${indexes}`;
  }
  status.show();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

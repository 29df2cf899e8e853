import * as vscode from "vscode";
import { env, type IndexName, type LoggedRequest } from "../protocol";
import { sharedState } from "./shared";

/**
 * Helpers for the extension-host tests. Everything here uses only the public `vscode` API, so the same
 * tests run in code-server (test/e2e/launch.ts) and in a downloaded VS Code (test/e2e/runTest.ts).
 */

export const extensionId = "pinsight.pinsight";

/**
 * Polls `probe` until it returns something other than `undefined`, `null` or `false`, and returns that.
 * The editor, the language server and the fixture index all work asynchronously, and how long they take
 * depends on the machine, so the tests wait for a condition instead of sleeping for a fixed time.
 * `describe` is called on timeout so that the failure shows the state the test last saw.
 */
export async function waitFor<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string,
  options: { timeoutMs?: number; intervalMs?: number; describe?: () => string | Promise<string> } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (error) {
      // A command can fail while the server is still starting; keep polling and report the last error.
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const state = options.describe ? `\nLast seen: ${await options.describe()}` : "";
      const error = lastError === undefined ? "" : `\nLast error: ${String(lastError)}`;
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.${state}${error}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
}

/** Records a measurement for the results file. */
export function recordMetric(name: string, value: number): void {
  sharedState().metrics[name] = Math.round(value);
}

/** Skips the running test and keeps the reason for the results file (mocha itself does not keep one). */
export function skipBecause(context: Mocha.Context, reason: string): never {
  const title = context.test?.fullTitle();
  if (title !== undefined) sharedState().skipReasons[title] = reason;
  context.skip();
}

/** The single folder of the window the suite runs in. */
export function workspaceFolder(): vscode.WorkspaceFolder {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder === undefined) throw new Error("The e2e suite needs a window with a workspace folder open.");
  return folder;
}

export function workspaceFile(name: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceFolder().uri, name);
}

/**
 * Opens a workspace file in a (non-preview) editor. Showing the document matters: the language client
 * pulls diagnostics for documents that are open in the editor.
 */
export async function openEditor(name: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceFile(name));
  return vscode.window.showTextDocument(document, { preview: false });
}

/** Activates Pinsight (a no-op when it is already active) and returns the extension. */
export async function activatePinsight(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(extensionId);
  if (extension === undefined) throw new Error(`${extensionId} is not installed in this editor.`);
  await extension.activate();
  return extension;
}

export function pinsightDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === "pinsight");
}

/** A diagnostic's code as a string, whether the server sent a plain code or one with a link. */
export function codeOf(diagnostic: vscode.Diagnostic): string {
  const code = diagnostic.code;
  if (code === undefined) return "";
  return typeof code === "object" ? String(code.value) : String(code);
}

export function withCode(uri: vscode.Uri, code: string): vscode.Diagnostic[] {
  return pinsightDiagnostics(uri).filter((d) => codeOf(d) === code);
}

/** One line per diagnostic with its code, range, covered text and message, for failure messages. */
export function describeDiagnostics(document: vscode.TextDocument): string {
  const lines = pinsightDiagnostics(document.uri).map((d) => {
    const r = d.range;
    return `  ${codeOf(d)} ${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character} ${JSON.stringify(document.getText(r))} ${d.message}`;
  });
  return lines.length === 0 ? "no Pinsight diagnostics" : `\n${lines.join("\n")}`;
}

/** Waits until every code in `codes` has at least one diagnostic on the document. */
export async function waitForCodes(document: vscode.TextDocument, codes: readonly string[]): Promise<void> {
  await waitFor(
    () => codes.every((code) => withCode(document.uri, code).length > 0),
    `diagnostics ${codes.join(", ")} on ${vscode.workspace.asRelativePath(document.uri)}`,
    { describe: () => describeDiagnostics(document) },
  );
}

/** Waits for a diagnostic with `code` that starts on `line`, and returns it. */
export async function waitForDiagnostic(
  document: vscode.TextDocument,
  code: string,
  line: number,
): Promise<vscode.Diagnostic> {
  return waitFor(
    () => withCode(document.uri, code).find((d) => d.range.start.line === line),
    `a ${code} diagnostic on line ${line + 1} of ${vscode.workspace.asRelativePath(document.uri)}`,
    { describe: () => describeDiagnostics(document) },
  );
}

/** The text of hover contents, whichever of the three content shapes the provider used. */
export function hoverText(hovers: readonly vscode.Hover[]): string {
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === "string" ? content : content.value))
    .join("\n---\n");
}

export function inlayHintLabel(hint: vscode.InlayHint): string {
  return typeof hint.label === "string" ? hint.label : hint.label.map((part) => part.value).join("");
}

export function completionLabel(item: vscode.CompletionItem): string {
  return typeof item.label === "string" ? item.label : item.label.label;
}

export function isCodeAction(action: vscode.Command | vscode.CodeAction): action is vscode.CodeAction {
  // A bare Command has a string `command`; a CodeAction has a title and optionally a Command object.
  return typeof action.command !== "string";
}

/**
 * Reverts every modified document and closes all editors, so that each suite leaves the window as it
 * found it (and the launcher's screenshots after the suite show untouched files).
 */
export async function closeAllEditors(): Promise<void> {
  for (const document of vscode.workspace.textDocuments.filter((d) => d.isDirty && !d.isUntitled)) {
    await vscode.window.showTextDocument(document, { preview: false });
    await vscode.commands.executeCommand("workbench.action.files.revert");
  }
  await vscode.commands.executeCommand("workbench.action.closeAllEditors");
}

/**
 * The request log of one of the launcher's fixture indexes, or `undefined` when the suite runs without
 * the launcher's control server (then tests that need the log skip themselves).
 */
export async function indexRequests(index: IndexName): Promise<LoggedRequest[] | undefined> {
  const base = process.env[env.control];
  if (base === undefined || base === "") return undefined;
  const response = await fetch(`${base}/requests/${index}`);
  if (!response.ok) throw new Error(`control server answered ${response.status} for ${index}`);
  return (await response.json()) as LoggedRequest[];
}

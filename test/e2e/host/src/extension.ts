/**
 * The test-host extension for the code-server launcher (bundled to dist/e2e/host/extension.js and
 * packaged by test/e2e/launch.ts). code-server has no `--extensionTestsPath`, so this extension, activated
 * on startup, loads the same suite entry that @vscode/test-electron runs and calls its `run()` inside the
 * extension host. The suite writes the results file the launcher waits for. Without the launcher's
 * environment variable it does nothing, so installing it by mistake is harmless.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as vscode from "vscode";
import { env, type SuiteResults } from "../../protocol";

interface SuiteEntry {
  run(): Promise<void>;
}

function isSuiteEntry(value: unknown): value is SuiteEntry {
  return typeof value === "object" && value !== null && typeof (value as { run?: unknown }).run === "function";
}

export function activate(): void {
  const suitePath = process.env[env.suite];
  if (suitePath === undefined || suitePath === "") return;
  // Not awaited: activation must return at once so the workbench (and Pinsight) keep starting up.
  void runSuite(suitePath);
}

async function runSuite(suitePath: string): Promise<void> {
  const output = vscode.window.createOutputChannel("Pinsight e2e");
  output.appendLine(`Running ${suitePath}`);
  try {
    // A CommonJS require, so that the extension host's module hook answers the suite's `vscode` import.
    const loaded: unknown = createRequire(__filename)(suitePath);
    if (!isSuiteEntry(loaded)) throw new Error(`${suitePath} does not export run()`);
    await loaded.run();
    output.appendLine("The suite passed.");
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    output.appendLine(`The suite failed: ${message}`);
    writeFatalIfMissing(message);
  }
}

/**
 * run() writes the results itself, failures included; only when it could not even be loaded is there no
 * file, and then the launcher should learn why instead of waiting for its timeout.
 */
function writeFatalIfMissing(message: string): void {
  const directory = process.env[env.results];
  const workspace = vscode.workspace.workspaceFolders?.[0]?.name ?? "no-folder";
  if (directory === undefined || directory === "") return;
  const file = path.join(directory, `${workspace}.json`);
  if (fs.existsSync(file)) return;
  const results: SuiteResults = {
    workspace,
    trusted: vscode.workspace.isTrusted,
    vscodeVersion: vscode.version,
    appName: vscode.env.appName,
    startedAt: new Date().toISOString(),
    durationMs: 0,
    passes: 0,
    failures: 0,
    pending: 0,
    tests: [],
    metrics: {},
    fatal: message,
  };
  fs.mkdirSync(directory, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
}

export function deactivate(): void {}

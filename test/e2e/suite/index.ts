/**
 * The e2e suite's entry (bundled to dist/e2e/suite/index.js). Both launchers call its `run()` inside
 * the extension host: @vscode/test-electron through `--extensionTestsPath`, and the code-server launcher
 * through the test-host extension (test/e2e/host). It runs the suites tagged with the name of the
 * window's workspace folder, writes the results file when the launcher asked for one, and rejects when a
 * test failed, as test-electron expects.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Mocha from "mocha";
import * as vscode from "vscode";
import { env, workspaceNames, workspaceTag, type SuiteResults, type TestResult, type WorkspaceName } from "../protocol";
import { sharedState } from "./shared";

export async function run(): Promise<void> {
  const results = await runSuites();
  const directory = process.env[env.results];
  if (directory !== undefined && directory !== "") {
    fs.mkdirSync(directory, { recursive: true });
    // Written to a temporary name and renamed, so the launcher never reads a half-written file.
    const file = path.join(directory, `${results.workspace}.json`);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(results, null, 2));
    fs.renameSync(`${file}.tmp`, file);
  }
  if (results.fatal !== undefined) throw new Error(results.fatal);
  if (results.failures > 0) throw new Error(`${results.failures} end-to-end test(s) failed.`);
}

function isWorkspaceName(name: string): name is WorkspaceName {
  return (workspaceNames as readonly string[]).includes(name);
}

async function runSuites(): Promise<SuiteResults> {
  const startedAt = new Date();
  const folder = vscode.workspace.workspaceFolders?.[0]?.name ?? "";
  const base = {
    workspace: folder || "no-folder",
    trusted: vscode.workspace.isTrusted,
    vscodeVersion: vscode.version,
    appName: vscode.env.appName,
    startedAt: startedAt.toISOString(),
  };
  if (!isWorkspaceName(folder)) {
    return {
      ...base,
      durationMs: 0,
      passes: 0,
      failures: 0,
      pending: 0,
      tests: [],
      metrics: {},
      fatal: `The window's workspace folder "${folder}" is not one of the e2e workspaces (${workspaceNames.join(", ")}).`,
    };
  }

  const mocha = new Mocha({ ui: "tdd", color: false, timeout: 90_000, reporter: "spec" });
  mocha.grep(workspaceTag(folder));
  // The tests bundle sits next to this one; mocha `require`s it after defining the TDD globals.
  mocha.addFile(path.join(__dirname, "tests.js"));

  const tests: TestResult[] = [];
  const { EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;
  const failures = await new Promise<number>((resolve, reject) => {
    try {
      const runner = mocha.run(resolve);
      runner.on(EVENT_TEST_PASS, (test) => {
        tests.push({ fullTitle: test.fullTitle(), state: "passed", durationMs: test.duration ?? 0 });
      });
      // Hooks fail through the same event; their title says which hook it was.
      runner.on(EVENT_TEST_FAIL, (test, error: unknown) => {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        tests.push({ fullTitle: test.fullTitle(), state: "failed", durationMs: test.duration ?? 0, error: message });
      });
      runner.on(EVENT_TEST_PENDING, (test) => {
        const skipReason = sharedState().skipReasons[test.fullTitle()];
        tests.push({
          fullTitle: test.fullTitle(),
          state: "pending",
          durationMs: 0,
          ...(skipReason === undefined ? {} : { skipReason }),
        });
      });
    } catch (error) {
      // Loading the tests bundle happens inside run(); a broken bundle throws here.
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  }).catch((error: unknown) => error as Error);

  const counted = (state: TestResult["state"]) => tests.filter((t) => t.state === state).length;
  return {
    ...base,
    durationMs: Date.now() - startedAt.getTime(),
    passes: counted("passed"),
    failures: typeof failures === "number" ? Math.max(failures, counted("failed")) : counted("failed"),
    pending: counted("pending"),
    tests,
    metrics: { ...sharedState().metrics },
    ...(typeof failures === "number" ? {} : { fatal: failures.stack ?? failures.message }),
    ...(typeof failures === "number" && tests.length === 0
      ? { fatal: `No test ran for the tag ${workspaceTag(folder)}.` }
      : {}),
  };
}

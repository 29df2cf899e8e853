/**
 * The e2e suite under @vscode/test-electron, for machines that can download VS Code (a developer's
 * laptop, CI with internet access). It runs the very bundle the code-server launcher runs,
 * dist/e2e/suite/index.js, as `--extensionTestsPath`, with Pinsight loaded from this repository as the
 * extension under development. Machines that reach only the npm registry cannot download VS Code: use
 * `npm run test:e2e` (test/e2e/launch.ts, code-server) there.
 *
 * How to run it, from the repository root:
 *
 *     node scripts/build.mjs --e2e          # dist/client.js, dist/server.js and the suite bundles
 *     npx tsx test/e2e/runTest.ts           # downloads VS Code into .vscode-test/ the first time
 *
 * On Linux without a display, run the second line under `xvfb-run -a`. `PINSIGHT_E2E_VSCODE_VERSION`
 * picks the VS Code build (default 1.100.3, the oldest the extension supports; `stable` for the newest).
 *
 * Each fixture workspace opens in its own VS Code instance, one after the other. test-electron always
 * passes `--disable-workspace-trust`, so the `restricted` window is trusted and its test skips itself
 * with that reason; Restricted Mode is covered by the code-server launcher.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { downloadAndUnzipVSCode, runTests } from "@vscode/test-electron";
import { startFixtureIndex } from "../support/fixtureIndex";
import { env, workspaceNames, type SuiteResults } from "./protocol";
import { startControlServer } from "./support/controlServer";
import { prepareWorkspace, quietEditorSettings, writeUserSettings } from "./support/editorSetup";

const repo = path.resolve(__dirname, "..", "..");

async function main(): Promise<number> {
  const suite = path.join(repo, "dist", "e2e", "suite", "index.js");
  if (!fs.existsSync(suite))
    throw new Error(`${path.relative(repo, suite)} is missing: run \`node scripts/build.mjs --e2e\`.`);
  // Downloaded once (and cached in .vscode-test/) for the three windows; without internet access this
  // is where the run stops.
  const vscodeExecutablePath = await downloadAndUnzipVSCode(process.env["PINSIGHT_E2E_VSCODE_VERSION"] ?? "1.100.3");
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "pinsight-e2e-electron-"));
  const mainIndex = await startFixtureIndex();
  const restrictedIndex = await startFixtureIndex();
  const control = await startControlServer({ main: mainIndex, restricted: restrictedIndex });
  const resultsDir = path.join(runDir, "results");
  let failed = 0;
  try {
    for (const workspace of workspaceNames) {
      const indexUrl = workspace === "restricted" ? restrictedIndex.simpleUrl : mainIndex.simpleUrl;
      const folder = prepareWorkspace(workspace, path.join(runDir, "workspaces"), { "pinsight.index.url": indexUrl });
      const userDataDir = path.join(runDir, workspace, "user-data");
      writeUserSettings(userDataDir, { ...quietEditorSettings, "pinsight.index.url": mainIndex.simpleUrl });
      // The editor inherits this process's environment; pip's configuration files and PIP_* variables
      // of the machine must not change which index Pinsight contacts.
      const pipVariables = Object.keys(process.env).filter((key) => key.startsWith("PIP_"));
      const testsEnv: Record<string, string | undefined> = Object.fromEntries(
        pipVariables.map((key) => [key, undefined]),
      );
      try {
        await runTests({
          vscodeExecutablePath,
          extensionDevelopmentPath: repo,
          extensionTestsPath: suite,
          launchArgs: [folder, "--user-data-dir", userDataDir, "--disable-extensions"],
          extensionTestsEnv: {
            ...testsEnv,
            PIP_CONFIG_FILE: os.devNull,
            [env.results]: resultsDir,
            [env.control]: control.url,
          },
        });
      } catch (error) {
        // runTests rejects when run() threw, i.e. when a test failed; the results file says which.
        console.error(`[e2e] ${workspace}: ${error instanceof Error ? error.message : String(error)}`);
      }
      failed += summarise(path.join(resultsDir, `${workspace}.json`), workspace);
    }
  } finally {
    await control.close();
    await mainIndex.close();
    await restrictedIndex.close();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
  console.log(failed === 0 ? "PASS" : `FAIL: ${failed} failure(s)`);
  return failed === 0 ? 0 : 1;
}

/** Prints one window's results and returns its number of failures (a missing file counts as one). */
function summarise(file: string, workspace: string): number {
  if (!fs.existsSync(file)) {
    console.log(`[${workspace}] no results file`);
    return 1;
  }
  const results = JSON.parse(fs.readFileSync(file, "utf8")) as SuiteResults;
  console.log(
    `[${workspace}] ${results.appName} ${results.vscodeVersion}: ${results.passes} passed, ${results.failures} failed`,
  );
  for (const test of results.tests.filter((t) => t.state !== "passed")) {
    console.log(`  ${test.state === "failed" ? "✗" : "-"} ${test.fullTitle} ${test.error ?? test.skipReason ?? ""}`);
  }
  if (Object.keys(results.metrics).length > 0) console.log(`  metrics: ${JSON.stringify(results.metrics)}`);
  return results.failures + (results.fatal === undefined ? 0 : 1);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    console.error("[e2e] Without access to update.code.visualstudio.com, run `npm run test:e2e` (code-server).");
    process.exit(1);
  },
);

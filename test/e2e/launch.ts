/**
 * The local e2e launcher: runs the extension-host suite (test/e2e/suite) in a real VS Code 1.100.3 —
 * code-server, driven by headless Chromium — on machines that cannot download VS Code for
 * @vscode/test-electron. `npm run test:e2e` packages the extension first and then runs this file with tsx.
 *
 * What it does, in order:
 *  1. installs code-server 4.100.3 into a cache directory outside the repository
 *     (`PINSIGHT_E2E_CODE_SERVER_DIR`, default ~/.cache/pinsight-e2e/code-server-4.100.3) when it is not
 *     there yet, with REAL_EDITOR.md's commands (and its Debian packages when running as root);
 *  2. bundles the suite and the test-host extension (`node scripts/build.mjs --e2e`) and packages the host;
 *  3. starts two fixture indexes in this process (the main one, and one that only the untrusted
 *     workspace names) and a control server through which the tests read their request logs;
 *  4. copies the fixture workspaces to a temporary directory, writing the index URL into each one's
 *     settings, and installs pinsight-<version>.vsix and the host into fresh extension directories;
 *  5. starts two code-servers on 127.0.0.1 with fresh profiles — one with workspace trust disabled for
 *     the `requirements` and `poetry` windows, one with trust on for the `restricted` window, which then
 *     opens in Restricted Mode — and opens one Chromium page per window, which starts its extension host;
 *  6. the host extension runs the suite for its window and writes a results file; the launcher waits
 *     for all three (up to `PINSIGHT_E2E_TIMEOUT_SECONDS` after the windows open, default 300), then
 *     drives the `requirements` window with the keyboard to save screenshots of a hover, the Problems
 *     panel and the quick-fix menu;
 *  7. prints a summary, writes test/e2e/artifacts/results.json, stops everything it started and exits
 *     with 1 when anything failed.
 *
 * Artifacts (screenshots, results, editor and browser logs) go to test/e2e/artifacts/, which git ignores.
 * `PINSIGHT_E2E_KEEP=1` keeps the temporary directory (workspaces, profiles, extension directories);
 * `PINSIGHT_E2E_CHROMIUM` names another Chromium than Debian's /usr/bin/chromium.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startFixtureIndex, type FixtureIndex } from "../support/fixtureIndex";
import { env, workspaceNames, type SuiteResults, type WorkspaceName } from "./protocol";
import { captureScreenshots, launchChromium, openWorkbench, type Browser, type Page } from "./support/browser";
import {
  chromiumPath,
  codeServerDir,
  codeServerVersion,
  delay,
  ensureSystemPackages,
  installCodeServer,
  installExtensions,
  isInstalled,
  runShell,
  startCodeServer,
  type RunningCodeServer,
} from "./support/codeServer";
import { startControlServer, type ControlServer } from "./support/controlServer";
import { isolatedEditorEnv, prepareWorkspace, quietEditorSettings, writeUserSettings } from "./support/editorSetup";

const repo = path.resolve(__dirname, "..", "..");
const artifacts = path.join(repo, "test", "e2e", "artifacts");
const logs = path.join(artifacts, "logs");

const log = (line: string) => console.log(`[e2e] ${line}`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Everything started by this run, so that it can be stopped whatever happens. */
const started: {
  indexes: FixtureIndex[];
  control?: ControlServer;
  servers: RunningCodeServer[];
  browser?: Browser;
  runDir?: string;
} = { indexes: [], servers: [] };

async function stopEverything(): Promise<void> {
  await started.browser?.close().catch(() => undefined);
  await Promise.all(started.servers.map((server) => server.stop().catch(() => undefined)));
  await started.control?.close().catch(() => undefined);
  await Promise.all(started.indexes.map((index) => index.close().catch(() => undefined)));
  if (started.runDir !== undefined && process.env["PINSIGHT_E2E_KEEP"] !== "1") {
    fs.rmSync(started.runDir, { recursive: true, force: true });
  }
}

/** The window each workspace opens in: two share the trusted code-server, one has its own. */
interface Window {
  readonly workspace: WorkspaceName;
  readonly folder: string;
  readonly server: RunningCodeServer;
  page?: Page;
  results?: SuiteResults;
}

async function main(): Promise<number> {
  const runStarted = Date.now();
  const timings: Record<string, number | string> = {};
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(logs, { recursive: true });

  // 1. The editor and the browser, installed once per machine.
  const csDir = codeServerDir();
  const installLog = path.join(logs, "install.log");
  const needsInstall = !isInstalled(csDir);
  let phase = Date.now();
  await ensureSystemPackages(log, installLog, needsInstall);
  if (needsInstall) {
    log(`installing code-server ${codeServerVersion} into ${csDir} (log: ${path.relative(repo, installLog)}) …`);
    await installCodeServer(csDir, log, installLog);
    timings["installMs"] = Date.now() - phase;
    log(`installed in ${seconds(timings["installMs"])}`);
  } else {
    timings["installMs"] = "cached";
    log(`code-server ${codeServerVersion}: cached in ${csDir}`);
  }

  // 2. The extension under test (packaged by `npm run package`), the suite bundles and the test host.
  phase = Date.now();
  const { version } = JSON.parse(fs.readFileSync(path.join(repo, "package.json"), "utf8")) as { version: string };
  const vsix = path.join(repo, `pinsight-${version}.vsix`);
  if (!fs.existsSync(vsix)) throw new Error(`${path.basename(vsix)} is missing: run \`npm run package\` first.`);
  const buildLog = path.join(logs, "build.log");
  await runShell("node scripts/build.mjs --e2e", repo, buildLog);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "pinsight-e2e-"));
  started.runDir = runDir;
  const hostVsix = await packageHost(runDir, buildLog);
  timings["buildMs"] = Date.now() - phase;

  // 3. The package indexes and the control server the tests ask for their logs.
  phase = Date.now();
  const mainIndex = await startFixtureIndex();
  started.indexes.push(mainIndex);
  const restrictedIndex = await startFixtureIndex();
  started.indexes.push(restrictedIndex);
  started.control = await startControlServer({ main: mainIndex, restricted: restrictedIndex });

  // 4. Workspaces, profiles and extensions.
  const workspaceRoot = path.join(runDir, "workspaces");
  const folders: Record<WorkspaceName, string> = {
    requirements: prepareWorkspace("requirements", workspaceRoot, { "pinsight.index.url": mainIndex.simpleUrl }),
    poetry: prepareWorkspace("poetry", workspaceRoot, { "pinsight.index.url": mainIndex.simpleUrl }),
    restricted: prepareWorkspace("restricted", workspaceRoot, { "pinsight.index.url": restrictedIndex.simpleUrl }),
  };
  const resultsDir = path.join(runDir, "results");
  const editorEnv = isolatedEditorEnv(path.join(runDir, "home"), {
    [env.results]: resultsDir,
    [env.suite]: path.join(repo, "dist", "e2e", "suite", "index.js"),
    [env.control]: started.control.url,
  });
  const profiles = {
    trusted: {
      userDataDir: path.join(runDir, "trusted", "user-data"),
      extensionsDir: path.join(runDir, "trusted", "ext"),
    },
    restricted: {
      userDataDir: path.join(runDir, "restricted", "user-data"),
      extensionsDir: path.join(runDir, "restricted", "ext"),
    },
  };
  writeUserSettings(profiles.trusted.userDataDir, quietEditorSettings);
  // In Restricted Mode only user settings may choose an index: the main one, so that the file still gets
  // index-backed diagnostics and the test knows when the lookups are done.
  writeUserSettings(profiles.restricted.userDataDir, {
    ...quietEditorSettings,
    "security.workspace.trust.enabled": true,
    "pinsight.index.url": mainIndex.simpleUrl,
  });
  const extensionsLog = path.join(logs, "extensions.log");
  await Promise.all(
    Object.values(profiles).map((profile) =>
      installExtensions(csDir, { ...profile, vsixes: [vsix, hostVsix], env: editorEnv }, extensionsLog),
    ),
  );

  // 5. The editors and one browser page per window.
  const [trustedServer, restrictedServer] = await Promise.all([
    startCodeServer(csDir, {
      ...profiles.trusted,
      env: editorEnv,
      args: ["--disable-workspace-trust"],
      logFile: path.join(logs, "code-server-trusted.log"),
    }),
    startCodeServer(csDir, {
      ...profiles.restricted,
      env: editorEnv,
      logFile: path.join(logs, "code-server-restricted.log"),
    }),
  ]);
  started.servers.push(trustedServer, restrictedServer);
  timings["setupMs"] = Date.now() - phase;

  phase = Date.now();
  started.browser = await launchChromium(csDir, process.env["PINSIGHT_E2E_CHROMIUM"] ?? chromiumPath);
  const context = await started.browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const windows: Window[] = workspaceNames.map((workspace) => ({
    workspace,
    folder: folders[workspace],
    server: workspace === "restricted" ? restrictedServer : trustedServer,
  }));
  await Promise.all(
    windows.map(async (window) => {
      window.page = await openWorkbench(
        context,
        window.server.url,
        window.folder,
        path.join(logs, `browser-${window.workspace}.log`),
      );
    }),
  );
  timings["workbenchMs"] = Date.now() - phase;
  phase = Date.now();
  log(`editors up in ${seconds(Date.now() - runStarted)}; waiting for the suite in ${windows.length} windows …`);

  // 6. Results, then screenshots.
  // The deadline counts from the moment the windows are open, so a cold install does not eat into it.
  const timeoutMs = Number(process.env["PINSIGHT_E2E_TIMEOUT_SECONDS"] ?? 300) * 1000;
  const problems: string[] = [];
  await waitForResults(windows, resultsDir, Date.now() + timeoutMs, problems);
  // From the open workbenches to the last results file: extension host start-up included.
  timings["suiteMs"] = Date.now() - phase;

  phase = Date.now();
  const screenshots: string[] = [];
  const requirementsWindow = windows.find((w) => w.workspace === "requirements");
  if (requirementsWindow?.page !== undefined && requirementsWindow.results !== undefined) {
    try {
      const file = path.join(requirementsWindow.folder, "requirements.txt");
      screenshots.push(...(await captureScreenshots(requirementsWindow.page, file, artifacts)));
    } catch (error) {
      problems.push(`screenshots: ${error instanceof Error ? error.message : String(error)}`);
      await requirementsWindow.page
        .screenshot({ path: path.join(artifacts, "screenshot-failure.png") })
        .catch(() => undefined);
    }
  }
  timings["screenshotsMs"] = Date.now() - phase;
  timings["totalMs"] = Date.now() - runStarted;

  // 7. Report.
  const failures = report(windows, problems, screenshots, timings);
  fs.writeFileSync(
    path.join(artifacts, "results.json"),
    `${JSON.stringify(
      {
        codeServer: codeServerVersion,
        timings,
        windows: windows.map((w) => w.results ?? { workspace: w.workspace, fatal: "no results" }),
        screenshots: screenshots.map((s) => path.relative(repo, s)),
        problems,
      },
      null,
      2,
    )}\n`,
  );
  return failures === 0 ? 0 : 1;
}

/**
 * Packages the test-host extension (its manifest from test/e2e/host, its bundle from dist/e2e/host) into
 * a .vsix with the project's own vsce, so that code-server installs it like any other extension.
 */
async function packageHost(runDir: string, buildLog: string): Promise<string> {
  const staging = path.join(runDir, "host");
  fs.mkdirSync(staging, { recursive: true });
  fs.copyFileSync(path.join(repo, "test", "e2e", "host", "package.json"), path.join(staging, "package.json"));
  fs.copyFileSync(path.join(repo, "dist", "e2e", "host", "extension.js"), path.join(staging, "extension.js"));
  const out = path.join(runDir, "pinsight-e2e-host.vsix");
  const vsce = path.join(repo, "node_modules", "@vscode", "vsce", "vsce");
  await runShell(
    `node ${JSON.stringify(vsce)} package --no-dependencies --skip-license --allow-missing-repository -o ${JSON.stringify(out)}`,
    staging,
    buildLog,
  );
  return out;
}

/**
 * Polls for each window's results file until all are there or the deadline passes. A code-server that
 * exits early ends the wait at once. A window without results gets a screenshot for the post-mortem.
 */
async function waitForResults(windows: Window[], resultsDir: string, deadline: number, problems: string[]) {
  let serverExit: string | undefined;
  for (const server of new Set(windows.map((w) => w.server))) {
    void server.exited.then((code) => {
      serverExit ??= `a code-server exited (${code}) while the suite was running`;
    });
  }
  while (windows.some((w) => w.results === undefined) && Date.now() < deadline && serverExit === undefined) {
    for (const window of windows.filter((w) => w.results === undefined)) {
      const file = path.join(resultsDir, `${window.workspace}.json`);
      if (!fs.existsSync(file)) continue;
      window.results = JSON.parse(fs.readFileSync(file, "utf8")) as SuiteResults;
      log(`${window.workspace}: ${window.results.passes} passed, ${window.results.failures} failed`);
    }
    await delay(250);
  }
  if (serverExit !== undefined) problems.push(serverExit);
  for (const window of windows.filter((w) => w.results === undefined)) {
    problems.push(`${window.workspace}: no results before the deadline (see test/e2e/artifacts/logs/)`);
    await window.page
      ?.screenshot({ path: path.join(artifacts, `no-results-${window.workspace}.png`) })
      .catch(() => undefined);
  }
}

/** Prints the summary and returns how many things failed. */
function report(
  windows: Window[],
  problems: string[],
  screenshots: string[],
  timings: Record<string, number | string>,
) {
  let failures = problems.length;
  console.log("");
  console.log(`Pinsight e2e in code-server ${codeServerVersion}`);
  for (const window of windows) {
    const results = window.results;
    if (results === undefined) continue;
    console.log(
      `\n[${window.workspace}] VS Code ${results.vscodeVersion}, ${results.trusted ? "trusted" : "Restricted Mode"}`,
    );
    for (const test of results.tests) {
      const mark = test.state === "passed" ? "✓" : test.state === "failed" ? "✗" : "-";
      const detail =
        test.state === "pending" ? ` (skipped: ${test.skipReason ?? "no reason given"})` : ` (${test.durationMs} ms)`;
      console.log(`  ${mark} ${test.fullTitle}${detail}`);
      if (test.error !== undefined) console.log(test.error.replace(/^/gm, "      "));
    }
    if (Object.keys(results.metrics).length > 0) {
      console.log(
        `  metrics: ${Object.entries(results.metrics)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")}`,
      );
    }
    if (results.fatal !== undefined) {
      console.log(`  fatal: ${results.fatal}`);
      failures++;
    }
    failures += results.failures;
  }
  for (const problem of problems) console.log(`\n✗ ${problem}`);
  if (screenshots.length > 0)
    console.log(`\nscreenshots: ${screenshots.map((s) => path.relative(repo, s)).join(", ")}`);
  console.log(
    `timings: ${Object.entries(timings)
      .map(([k, v]) => `${k.replace(/Ms$/, "")} ${typeof v === "number" ? seconds(v) : v}`)
      .join(", ")}`,
  );
  const passes = windows.reduce((n, w) => n + (w.results?.passes ?? 0), 0);
  const pending = windows.reduce((n, w) => n + (w.results?.pending ?? 0), 0);
  console.log(`\n${failures === 0 ? "PASS" : "FAIL"}: ${passes} passed, ${failures} failed, ${pending} skipped`);
  return failures;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping …`);
    void stopEverything().finally(() => process.exit(130));
  });
}

main()
  .catch((error: unknown) => {
    console.error(`[e2e] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  })
  .then(async (code) => {
    await stopEverything();
    process.exit(code);
  });

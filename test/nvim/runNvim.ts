/**
 * Neovim as a second real LSP client (`npm run test:nvim`).
 *
 * Runs `nvim --headless --clean -u test/nvim/init.lua requirements.txt` against the built server
 * (dist/server.js) and the in-process fixture index. The Lua side waits for the `python-support`
 * error, checks the hover, applies the preferred quick fix and writes the file; this side checks the
 * file on disk, prints timings, and on failure prints the Lua log and Neovim's own LSP log.
 * `tsx test/nvim/runNvim.ts --verbose` prints the Lua log on success too.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startFixtureIndex, type FixtureIndex } from "../support/fixtureIndex";
import { tempDir } from "../support/tempDirs";

const repository = path.resolve(__dirname, "../..");
const serverPath = path.join(repository, "dist", "server.js");
const initLua = path.join(__dirname, "init.lua");

// The Lua side gives up after 40 s of waiting for diagnostics; this outer limit only catches a
// Neovim that hangs outside those waits (a blocked prompt, a crashed event loop).
const NVIM_TIMEOUT_MS = 60_000;

const ORIGINAL = "django-scarface  # notifications\nblack==21.11b0\n";
const EXPECTED = "django-scarface==3.1  # notifications\nblack==21.11b0\n";

/** What scenario.lua writes to NVIM_PINSIGHT_RESULT. */
interface ScenarioResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly nvimVersion?: string;
  readonly diagnosticMessage?: string;
  readonly actionTitle?: string;
  readonly hoverMs?: number;
  readonly codeActionMs?: number;
  readonly firstDiagnosticsMs?: number;
  readonly firstPythonSupportMs?: number;
  readonly firstLinePythonSupportMs?: number;
  readonly scenarioMs?: number;
  readonly configurationRequests?: number;
  readonly publishCount?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" ? value : undefined;
}

function optionalNumber(record: Record<string, unknown>, key: string): number | undefined {
  const value = record[key];
  return typeof value === "number" ? value : undefined;
}

/** Reads the result file; `undefined` when Neovim died before writing it or wrote something else. */
function readResult(file: string): ScenarioResult | undefined {
  if (!fs.existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || typeof parsed["ok"] !== "boolean") return undefined;
  const timings = isRecord(parsed["timings_ms"]) ? parsed["timings_ms"] : {};
  return {
    ok: parsed["ok"],
    error: optionalString(parsed, "error"),
    nvimVersion: optionalString(parsed, "nvim_version"),
    diagnosticMessage: optionalString(parsed, "diagnostic_message"),
    actionTitle: optionalString(parsed, "action_title"),
    hoverMs: optionalNumber(parsed, "hover_ms"),
    codeActionMs: optionalNumber(parsed, "code_action_ms"),
    firstDiagnosticsMs: optionalNumber(timings, "first_diagnostics"),
    firstPythonSupportMs: optionalNumber(timings, "first_python_support"),
    firstLinePythonSupportMs: optionalNumber(timings, "first_line_python_support"),
    scenarioMs: optionalNumber(timings, "scenario_total"),
    configurationRequests: optionalNumber(parsed, "configuration_requests"),
    publishCount: optionalNumber(parsed, "publish_count"),
  };
}

function nvimVersion(): string | undefined {
  const probe = spawnSync("nvim", ["--version"], { encoding: "utf8" });
  if (probe.error !== undefined || probe.status !== 0) return undefined;
  return probe.stdout.split("\n")[0]?.trim();
}

/**
 * Finds nvim, installing Debian's package when running as root (as in CI containers); otherwise
 * says how to install it and exits, since the test cannot run without it.
 */
function ensureNvim(): string {
  const found = nvimVersion();
  if (found !== undefined) return found;
  const root = process.getuid?.() === 0;
  if (root && fs.existsSync("/usr/bin/apt-get")) {
    console.log("nvim not found; installing Debian's neovim package (apt-get install -y neovim) …");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const install = (): boolean =>
      spawnSync("/usr/bin/apt-get", ["install", "-y", "-q", "neovim"], { stdio: "ignore", env }).status === 0;
    // A fresh container has no package lists yet, so one update is tried before giving up.
    if (!install()) {
      spawnSync("/usr/bin/apt-get", ["update", "-q"], { stdio: "ignore", env });
      install();
    }
    const installed = nvimVersion();
    if (installed !== undefined) return installed;
    console.error("nvim is still not on PATH after apt-get install -y neovim.");
  }
  console.error(
    [
      "test:nvim needs Neovim 0.7 or later on PATH. Install it with one of:",
      "  sudo apt-get install -y neovim      # Debian/Ubuntu",
      "  brew install neovim                  # macOS",
      "  or a release from https://github.com/neovim/neovim/releases",
    ].join("\n"),
  );
  process.exit(1);
}

/**
 * The environment of a fresh user: its own HOME and XDG directories (so neither Neovim nor the
 * server reads this machine's configuration or caches) and no pip configuration, so the fixture
 * index given by PIP_INDEX_URL is the only index.
 */
function isolatedEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const home = tempDir("pinsight-nvim-home-");
  const env: NodeJS.ProcessEnv = {};
  for (const key of ["PATH", "TMPDIR", "LANG", "LC_ALL"]) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    XDG_STATE_HOME: path.join(home, ".local", "state"),
    XDG_CONFIG_DIRS: path.join(home, "xdg"),
    XDG_DATA_DIRS: "/usr/local/share:/usr/share",
    PIP_CONFIG_FILE: os.devNull,
    ...extra,
  };
}

interface NvimRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly output: string;
  readonly elapsedMs: number;
}

function runNvim(file: string, env: NodeJS.ProcessEnv): Promise<NvimRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // stdin is /dev/null: headless Neovim must never wait for input, and a prompt would hang.
    const child = spawn("nvim", ["--headless", "--clean", "-u", initLua, file], {
      cwd: path.dirname(file),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, NVIM_TIMEOUT_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, timedOut, output, elapsedMs: performance.now() - started });
    });
  });
}

function readIfPresent(file: string): string {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
}

function formatMs(value: number | undefined): string {
  return value === undefined ? "—" : `${Math.round(value)} ms`;
}

async function main(): Promise<number> {
  const version = ensureNvim();
  if (!fs.existsSync(serverPath)) {
    console.error(`${serverPath} is missing; run \`npm run build\` first (npm run test:nvim does).`);
    return 1;
  }

  const work = tempDir("pinsight-nvim-");
  const file = path.join(work, "requirements.txt");
  fs.writeFileSync(file, ORIGINAL);
  const logFile = path.join(work, "scenario.log");
  const resultFile = path.join(work, "result.json");

  let index: FixtureIndex | undefined;
  try {
    index = await startFixtureIndex();
    const env = isolatedEnvironment({
      PIP_INDEX_URL: index.simpleUrl,
      NVIM_PINSIGHT_SERVER: serverPath,
      NVIM_PINSIGHT_NODE: process.execPath,
      NVIM_PINSIGHT_LOG: logFile,
      NVIM_PINSIGHT_RESULT: resultFile,
      NVIM_PINSIGHT_PYTHON: "2.7",
    });
    const run = await runNvim(file, env);
    const result = readResult(resultFile);
    const content = readIfPresent(file);

    const failures: string[] = [];
    if (run.timedOut) failures.push(`Neovim did not exit within ${NVIM_TIMEOUT_MS / 1000} s and was killed.`);
    else if (run.status !== 0) failures.push(`Neovim exited with status ${run.status ?? run.signal ?? "unknown"}.`);
    if (result === undefined) failures.push("The Lua scenario wrote no result.");
    else if (!result.ok) failures.push(`The Lua scenario failed: ${result.error ?? "(no reason given)"}`);
    if (content !== EXPECTED) {
      failures.push(
        `The file on disk is ${JSON.stringify(content)}, expected ${JSON.stringify(EXPECTED)} after the preferred fix.`,
      );
    }
    // The fixture index must have answered, or the diagnostics came from somewhere else.
    const indexRequests = index.requests.length;
    if (indexRequests === 0) failures.push("The server never contacted the fixture index.");

    console.log(
      `Neovim end-to-end test (${version}${result?.nvimVersion ? `, scenario saw ${result.nvimVersion}` : ""})`,
    );
    console.log(`  file:                          ${file}`);
    console.log(`  index requests:                ${indexRequests} to ${index.simpleUrl}`);
    console.log(`  workspace/configuration asks:  ${result?.configurationRequests ?? "—"}`);
    console.log(`  diagnostic publications:       ${result?.publishCount ?? "—"}`);
    if (result?.diagnosticMessage) console.log(`  python-support message:        ${result.diagnosticMessage}`);
    if (result?.actionTitle) console.log(`  preferred quick fix:           ${result.actionTitle}`);
    console.log("  timings (from the client start unless noted):");
    console.log(`    first diagnostics:           ${formatMs(result?.firstDiagnosticsMs)}`);
    console.log(`    first python-support (any):  ${formatMs(result?.firstPythonSupportMs)}`);
    console.log(`    python-support on line 1:    ${formatMs(result?.firstLinePythonSupportMs)}`);
    console.log(`    hover round trip:            ${formatMs(result?.hoverMs)}`);
    console.log(`    codeAction round trip:       ${formatMs(result?.codeActionMs)}`);
    console.log(`    scenario end:                ${formatMs(result?.scenarioMs)}`);
    console.log(`    total (nvim spawn to exit):  ${formatMs(run.elapsedMs)}`);

    if (failures.length === 0) {
      // `--verbose` shows the whole exchange on success too, for looking at what Neovim received.
      if (process.argv.includes("--verbose")) console.log("\n--- scenario log ---\n" + readIfPresent(logFile));
      console.log("PASS");
      return 0;
    }
    console.log("FAIL");
    for (const failure of failures) console.log(`  - ${failure}`);
    console.log("\n--- scenario log ---\n" + (readIfPresent(logFile) || "(empty)"));
    if (run.output.trim() !== "") console.log("--- nvim stdout/stderr ---\n" + run.output);
    // Neovim's client logs its own errors (a handler that threw, a malformed message) here.
    const lspLog = path.join(env.XDG_CACHE_HOME ?? "", "nvim", "lsp.log");
    const lspLogText = readIfPresent(lspLog);
    if (lspLogText !== "") console.log(`--- ${lspLog} (last 4000 characters) ---\n${lspLogText.slice(-4000)}`);
    return 1;
  } finally {
    await index?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);

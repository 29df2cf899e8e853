import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * code-server 4.100.3 (VS Code 1.100.3) as a real editor for the e2e suite on machines that cannot
 * download VS Code: installed from npm into a cache directory outside the repository, exactly as
 * /work/shared/REAL_EDITOR.md describes, then started on 127.0.0.1 once per run.
 */
export const codeServerVersion = "4.100.3";

/** `PINSIGHT_E2E_CODE_SERVER_DIR`, else `~/.cache/pinsight-e2e/code-server-4.100.3`. */
export function codeServerDir(): string {
  const override = process.env["PINSIGHT_E2E_CODE_SERVER_DIR"];
  if (override !== undefined && override !== "") return path.resolve(override);
  return path.join(os.homedir(), ".cache", "pinsight-e2e", `code-server-${codeServerVersion}`);
}

export function codeServerBin(dir: string): string {
  return path.join(dir, "node_modules", ".bin", "code-server");
}

const vscodeDir = path.join("node_modules", "code-server", "lib", "vscode");

/** Files that exist only once every step of the install has run (the last step installs playwright-core). */
const completeInstall = [
  path.join("node_modules", ".bin", "code-server"),
  path.join(vscodeDir, "node_modules.asar"),
  path.join(vscodeDir, "node_modules", "@vscode", "ripgrep", "bin", "rg"),
  path.join(vscodeDir, "bin", "remote-cli", "code-server"),
  path.join(vscodeDir, "bin", "helpers", "browser.sh"),
  path.join(vscodeDir, "extensions", "node_modules"),
  path.join("node_modules", "playwright-core", "package.json"),
];
/** Written after the last step, so that an interrupted install is recognised and redone. */
const installedMarker = ".pinsight-e2e-installed";

export function isInstalled(dir: string): boolean {
  if (fs.existsSync(path.join(dir, installedMarker))) return true;
  const packageFile = path.join(dir, "node_modules", "code-server", "package.json");
  if (!fs.existsSync(packageFile)) return false;
  const { version } = JSON.parse(fs.readFileSync(packageFile, "utf8")) as { version?: string };
  // An install made by hand from REAL_EDITOR.md has no marker; it counts when every step left its trace.
  const complete =
    version === codeServerVersion && completeInstall.every((file) => fs.existsSync(path.join(dir, file)));
  if (complete) fs.writeFileSync(path.join(dir, installedMarker), `${new Date().toISOString()}\n`);
  return complete;
}

/** The Debian packages REAL_EDITOR.md installs: build dependencies, ripgrep and the browser. */
const systemPackages = ["libkrb5-dev", "pkg-config", "ripgrep", "chromium"] as const;
export const chromiumPath = "/usr/bin/chromium";

function packageInstalled(name: string): boolean {
  const query = spawnSync("dpkg-query", ["-W", "-f=${Status}", name], { encoding: "utf8" });
  if (query.error === undefined) return query.status === 0 && query.stdout.includes("install ok installed");
  // Without dpkg (not Debian), look for what each package provides.
  const probes: Record<string, () => boolean> = {
    "libkrb5-dev": () => fs.existsSync("/usr/include/krb5.h") || fs.existsSync("/usr/include/krb5/krb5.h"),
    "pkg-config": () => spawnSync("pkg-config", ["--version"]).status === 0,
    ripgrep: () => fs.existsSync("/usr/bin/rg"),
    chromium: () => fs.existsSync(chromiumPath),
  };
  return probes[name]?.() ?? false;
}

export type Log = (line: string) => void;

/**
 * Installs the Debian packages when any is missing and we are root (one `apt-get` line, as in
 * REAL_EDITOR.md). Without root it only says what is missing; the browser is required, the build
 * dependencies only when code-server itself has to be installed.
 */
export async function ensureSystemPackages(log: Log, logFile: string, forInstall: boolean): Promise<void> {
  const missing = systemPackages.filter((name) => !packageInstalled(name));
  if (missing.length === 0) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    log(`missing Debian packages: ${missing.join(" ")} (not root, so not installing them).`);
    log(`  as root: apt-get update && apt-get install -y ${systemPackages.join(" ")}`);
    const blocking = missing.filter((name) => name === "chromium" || forInstall);
    if (blocking.length > 0) throw new Error(`cannot continue without ${blocking.join(", ")}`);
    return;
  }
  log(`installing Debian packages (${missing.join(", ")} missing) …`);
  await runShell(`apt-get update && apt-get install -y ${systemPackages.join(" ")}`, process.cwd(), logFile, {
    DEBIAN_FRONTEND: "noninteractive",
  });
}

/**
 * REAL_EDITOR.md's install, command for command, each run by bash in the directory the document `cd`s
 * into. VS Code's own `npm install` skips scripts because their postinstall steps download from GitHub;
 * the native modules are rebuilt explicitly instead, and ripgrep comes from Debian.
 */
export function installSteps(dir: string): { title: string; cwd: string; command: string }[] {
  const vscode = path.join(dir, vscodeDir);
  return [
    {
      title: "code-server from npm",
      cwd: dir,
      command: `npm_config_unsafe_perm=true npm install --no-audit --no-fund --ignore-scripts code-server@${codeServerVersion}`,
    },
    {
      title: "VS Code's production modules",
      cwd: vscode,
      command: "npm install --omit=dev --ignore-scripts --no-audit --no-fund",
    },
    {
      title: "ripgrep from Debian",
      cwd: vscode,
      command: "mkdir -p node_modules/@vscode/ripgrep/bin && ln -sf /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg",
    },
    {
      title: "native modules",
      cwd: vscode,
      command: "npm rebuild kerberos @parcel/watcher @vscode/deviceid @vscode/spdlog native-watchdog",
    },
    {
      title: "node-pty",
      cwd: vscode,
      command: "(cd node_modules/node-pty && npm_config_yes=true node scripts/post-install.js)",
    },
    { title: "node_modules.asar link", cwd: vscode, command: "ln -sfn node_modules node_modules.asar" },
    {
      title: "CLI helper links",
      cwd: vscode,
      command:
        "(cd bin/remote-cli && ln -sf code-linux.sh code-server); (cd bin/helpers && ln -sf browser-linux.sh browser.sh)",
    },
    {
      title: "built-in extensions' modules",
      cwd: vscode,
      command: "(cd extensions && npm install --omit=dev --ignore-scripts --no-audit --no-fund)",
    },
    {
      title: "argon2 and playwright-core",
      cwd: dir,
      command: "npm rebuild argon2 && npm install --no-audit --no-fund playwright-core",
    },
  ];
}

/** Installs code-server into `dir` from scratch (a partial install is removed first). */
export async function installCodeServer(dir: string, log: Log, logFile: string): Promise<void> {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const step of installSteps(dir)) {
    const started = Date.now();
    await runShell(step.command, step.cwd, logFile);
    log(`  ${step.title}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  fs.writeFileSync(path.join(dir, installedMarker), `${new Date().toISOString()}\n`);
}

/** Runs one shell command line, appending its output to `logFile`; rejects with the log's tail on failure. */
export function runShell(
  command: string,
  cwd: string,
  logFile: string,
  extraEnv: Readonly<Record<string, string>> = {},
): Promise<void> {
  fs.appendFileSync(logFile, `\n$ (cd ${cwd} && ${command})\n`);
  const out = fs.openSync(logFile, "a");
  return new Promise<void>((resolve, reject) => {
    const child = spawn("bash", ["-c", `set -e; ${command}`], {
      cwd,
      env: { ...process.env, ...extraEnv },
      stdio: ["ignore", out, out],
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      fs.closeSync(out);
      if (code === 0) {
        resolve();
        return;
      }
      const tail = fs.readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n");
      reject(new Error(`\`${command}\` failed (${signal ?? `exit ${code}`}) in ${cwd}; see ${logFile}:\n${tail}`));
    });
  });
}

/** Installs extensions (`.vsix` files) into an extensions directory with code-server's own CLI. */
export async function installExtensions(
  dir: string,
  options: { extensionsDir: string; userDataDir: string; vsixes: readonly string[]; env: NodeJS.ProcessEnv },
  logFile: string,
): Promise<void> {
  const args = ["--extensions-dir", options.extensionsDir, "--user-data-dir", options.userDataDir];
  for (const vsix of options.vsixes) args.push("--install-extension", vsix);
  const out = fs.openSync(logFile, "a");
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(codeServerBin(dir), args, { env: options.env, stdio: ["ignore", out, out] });
    child.on("error", reject);
    child.on("exit", resolve);
  }).finally(() => fs.closeSync(out));
  if (code !== 0) throw new Error(`installing ${options.vsixes.join(", ")} failed (exit ${code}); see ${logFile}`);
}

export interface RunningCodeServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Resolves with the exit code when the server exits (for whatever reason). */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts code-server on a free loopback port in its own process group, so that stopping it also ends
 * the extension hosts and language servers it started, and nothing else.
 */
export async function startCodeServer(
  dir: string,
  options: {
    userDataDir: string;
    extensionsDir: string;
    env: NodeJS.ProcessEnv;
    args?: readonly string[];
    logFile: string;
  },
): Promise<RunningCodeServer> {
  const args = [
    "--auth",
    "none",
    "--bind-addr",
    "127.0.0.1:0",
    "--disable-telemetry",
    "--disable-update-check",
    "--user-data-dir",
    options.userDataDir,
    "--extensions-dir",
    options.extensionsDir,
    ...(options.args ?? []),
  ];
  const log = fs.createWriteStream(options.logFile, { flags: "a" });
  const child = spawn(codeServerBin(dir), args, {
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(
      () => reject(new Error(`code-server did not start within 60 s; see ${options.logFile}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      seen += chunk.toString("utf8");
      const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${code}) before listening; see ${options.logFile}`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const group = -child.pid;
    try {
      process.kill(group, "SIGTERM");
    } catch {
      return;
    }
    const gone = await Promise.race([exited.then(() => true), delay(5_000).then(() => false)]);
    if (!gone) {
      try {
        process.kill(group, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    // The extension hosts may outlive the server by a moment; end what is left of the group.
    try {
      process.kill(group, "SIGKILL");
    } catch {
      // Nothing left.
    }
    log.end();
  };
  return { url, exited, stop };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

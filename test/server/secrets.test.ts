import * as assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type CodeAction,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import { runCli } from "../../server/src/cli";
import { startFixtureIndex, type Behaviour, type FixtureIndex, type RequestLogEntry } from "../support/fixtureIndex";
import { tempDir } from "../support/tempDirs";
import { initializeServer, isolatedEnv, serverPath } from "./lspClient";

/**
 * A canary secret is used as the password or token of every way credentials reach Pinsight — index
 * URLs in PIP_INDEX_URL and PIP_EXTRA_INDEX_URL, the `pinsight.index.url` and `extraUrls` settings
 * (literal and through `${VAR}`), a `.netrc` file (default location and $NETRC), a pip.conf, and the
 * `--index-url`/`--extra-index-url` lines of a requirements file. The fixture indexes require those
 * credentials, so requests really carry them, and some packages fail (HTTP 500, a connection reset,
 * 401 with a malformed netrc) so that error paths log URLs too. Then every byte the server writes —
 * the raw LSP stream (diagnostics, hovers, inlay hints, code actions, links, completions,
 * window/logMessage, $/logTrace at the `verbose` trace level, progress and status notifications) and
 * stderr — every CLI output in every format, and every file name and file under the home and cache
 * directories must not contain the canary, in clear or in the Basic-auth encoding.
 */

const canary = `CANARY-s3cr3t-${randomBytes(8).toString("hex")}`;
const primaryUser = "ci";
const extraUser = "__token__";
/** Every form in which the secret could leak: as is, and inside a Basic Authorization header. */
const forbidden = [
  canary,
  Buffer.from(`${primaryUser}:${canary}`).toString("base64"),
  Buffer.from(`${extraUser}:${canary}`).toString("base64"),
];

function assertNoSecret(where: string, text: string): void {
  for (const secret of forbidden) {
    const at = text.indexOf(secret);
    assert.equal(at, -1, `${where} leaks the secret: …${text.slice(Math.max(0, at - 200), at + 60)}…`);
  }
}

/** Every file below `root` (names and contents), except the credential files the test wrote there. */
function assertNoSecretInFiles(root: string, except: readonly string[] = []): number {
  let files = 0;
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (except.includes(full)) continue;
      assertNoSecret(`the file name ${full}`, full);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        files++;
        for (const text of readableForms(fs.readFileSync(full))) assertNoSecret(`the file ${full}`, text);
      }
    }
  };
  walk(root);
  return files;
}

/**
 * A file's bytes as text, and decompressed where some part of it is gzip, deflate or brotli data (the
 * cache may compress entries one day, and a compressed secret would slip past a plain search).
 */
function readableForms(bytes: Buffer): string[] {
  const forms = [bytes.toString("latin1")];
  const newline = bytes.indexOf(0x0a);
  for (const part of newline >= 0 ? [bytes, bytes.subarray(newline + 1)] : [bytes]) {
    for (const decompress of [zlib.gunzipSync, zlib.inflateSync, zlib.brotliDecompressSync]) {
      try {
        forms.push(decompress(part).toString("latin1"));
      } catch {
        // Not data of this kind.
      }
    }
  }
  return forms;
}

const withCredentials = (url: string, user: string): string => url.replace("http://", `http://${user}:${canary}@`);

/** Packages that fail on purpose: their requests log URLs on the error paths. */
function failures(requestPath: string): Behaviour | undefined {
  if (requestPath.includes("/boom-500/")) return { status: 500 };
  if (requestPath.includes("/boom-reset/")) return { reset: true };
  return undefined;
}

const requirements = "black==21.11b0\npytz\nboom-500==1.0\nboom-reset\nno-such-package-pinsight==1.0\n";

const capabilities: ClientCapabilities = {
  workspace: { workspaceEdit: { documentChanges: true }, configuration: true, inlayHint: { refreshSupport: true } },
  textDocument: { publishDiagnostics: { relatedInformation: true }, inlayHint: {}, completion: {}, hover: {} },
  window: { workDoneProgress: true },
};

/** A server under test whose every output byte is recorded from the first one. */
interface Session {
  readonly connection: ProtocolConnection;
  readonly child: ChildProcess;
  readonly stdout: Buffer[];
  readonly stderr: Buffer[];
  readonly pushed: PublishDiagnosticsParams[];
  readonly logs: string[];
  readonly traces: string[];
  waitFor(uri: string, predicate: (d: readonly Diagnostic[]) => boolean, timeoutMs?: number): Promise<Diagnostic[]>;
  stop(): Promise<void>;
}

async function startSession(
  root: string,
  env: NodeJS.ProcessEnv,
  settings: unknown,
  initializationOptions: unknown,
): Promise<Session> {
  const child = spawn(process.execPath, [serverPath, "--stdio"], { stdio: ["pipe", "pipe", "pipe"], env });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  // The taps are attached before the message reader, so no byte the server writes is missed.
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  const connection = createProtocolConnection(
    new StreamMessageReader(child.stdout),
    new StreamMessageWriter(child.stdin),
  );
  const pushed: PublishDiagnosticsParams[] = [];
  const latest = new Map<string, Diagnostic[]>();
  const logs: string[] = [];
  const traces: string[] = [];
  const waiters: (() => void)[] = [];
  connection.onNotification("textDocument/publishDiagnostics", (params: PublishDiagnosticsParams) => {
    pushed.push(params);
    latest.set(params.uri, params.diagnostics);
    for (const wake of waiters.splice(0)) wake();
  });
  connection.onNotification("window/logMessage", (params: { message: string }) => {
    logs.push(params.message);
  });
  connection.onNotification("$/logTrace", (params: { message: string; verbose?: string }) => {
    traces.push(`${params.message}\n${params.verbose ?? ""}`);
  });
  // The most verbose level the protocol has; the server's own log has no levels (it logs everything).
  await initializeServer(connection, root, capabilities, initializationOptions, settings, { trace: "verbose" });
  await connection.sendNotification("$/setTrace", { value: "verbose" });
  return {
    connection,
    child,
    stdout,
    stderr,
    pushed,
    logs,
    traces,
    waitFor(uri, predicate, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for diagnostics of ${uri}: ${JSON.stringify(latest.get(uri))}`)),
          timeoutMs,
        );
        const check = (): void => {
          const current = latest.get(uri);
          if (current !== undefined && predicate(current)) {
            clearTimeout(timer);
            resolve(current);
          } else waiters.push(check);
        };
        check();
      });
    },
    async stop() {
      try {
        await connection.sendRequest("shutdown");
        await connection.sendNotification("exit");
      } catch {
        // The process may already be gone.
      }
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else {
          child.once("exit", () => resolve());
          setTimeout(() => child.kill(), 2000).unref();
        }
      });
      connection.dispose();
    },
  };
}

/**
 * Asks the server everything a client can ask about every line of the file: hovers, inlay hints,
 * code actions (quick fixes for each diagnostic and the source action), document links, completion
 * and definition. The answers are checked one by one, and they are in the raw transcript too.
 */
async function exercise(session: Session, uri: string, text: string, diagnostics: readonly Diagnostic[]) {
  const lines = text.split("\n");
  const answers: [string, unknown][] = [];
  for (const [line, content] of lines.entries()) {
    // The start of the line (a name or an option) and its end (a version or a URL). A hover waits up
    // to a second for background lookups, so the failing packages are not retried during the session
    // (the default back-off of 30 s).
    for (const character of [1, Math.max(0, content.length - 1)]) {
      const position = { line, character };
      answers.push([
        `hover ${line}:${character}`,
        await session.connection.sendRequest("textDocument/hover", { textDocument: { uri }, position }),
      ]);
      answers.push([
        `definition ${line}:${character}`,
        await session.connection.sendRequest("textDocument/definition", { textDocument: { uri }, position }),
      ]);
    }
    const eq = content.indexOf("==");
    if (eq >= 0) {
      answers.push([
        `completion ${line}`,
        await session.connection.sendRequest("textDocument/completion", {
          textDocument: { uri },
          position: { line, character: eq + 2 },
        }),
      ]);
    }
  }
  const whole = { start: { line: 0, character: 0 }, end: { line: lines.length, character: 0 } };
  answers.push([
    "inlay hints",
    await session.connection.sendRequest("textDocument/inlayHint", { textDocument: { uri }, range: whole }),
  ]);
  answers.push(["links", await session.connection.sendRequest("textDocument/documentLink", { textDocument: { uri } })]);
  for (const diagnostic of diagnostics) {
    answers.push([
      `code actions for ${String(diagnostic.code)}`,
      (await session.connection.sendRequest("textDocument/codeAction", {
        textDocument: { uri },
        range: diagnostic.range,
        context: { diagnostics: [diagnostic] },
      })) as CodeAction[],
    ]);
  }
  answers.push([
    "source action",
    await session.connection.sendRequest("textDocument/codeAction", {
      textDocument: { uri },
      range: whole,
      context: { diagnostics: [], only: ["source.fixAll.pinsight"] },
    }),
  ]);
  answers.push(["target python", await session.connection.sendRequest("pinsight/targetPython", { uri })]);
  return answers;
}

interface Scenario {
  readonly name: string;
  /** Files to write into the workspace (requirements.txt gets the default text unless given). */
  readonly workspace?: (urls: Urls) => Record<string, string>;
  readonly env: (urls: Urls, secrets: string, home: string) => Record<string, string>;
  readonly settings?: (urls: Urls) => Record<string, unknown>;
  /** Credential files written into the home directory (excluded from the file scan). */
  readonly homeFiles?: (urls: Urls) => Record<string, string>;
  readonly secretFiles?: (urls: Urls) => Record<string, string>;
  /** Whether the credentials work (the yanked pin of black appears) or fail (401 everywhere). */
  readonly authenticates: boolean;
  readonly usesExtra: boolean;
}

interface Urls {
  readonly primary: string;
  readonly extra: string;
  readonly host: string;
}

const scenarios: readonly Scenario[] = [
  {
    name: "PIP_INDEX_URL and PIP_EXTRA_INDEX_URL",
    env: (u) => ({
      PIP_INDEX_URL: withCredentials(u.primary, primaryUser),
      PIP_EXTRA_INDEX_URL: withCredentials(u.extra, extraUser),
    }),
    authenticates: true,
    usesExtra: true,
  },
  {
    name: "pinsight.index.url and pinsight.index.extraUrls (literal and ${VAR})",
    env: () => ({ PIP_INDEX_URL: "http://127.0.0.1:9/simple/", PINSIGHT_TEST_TOKEN: canary }),
    settings: (u) => ({
      index: {
        url: withCredentials(u.primary, primaryUser),
        extraUrls: [u.extra.replace("http://", `http://${extraUser}:\${PINSIGHT_TEST_TOKEN}@`)],
      },
    }),
    authenticates: true,
    usesExtra: true,
  },
  {
    name: "~/.netrc for the index host",
    env: (u) => ({ PIP_INDEX_URL: u.primary }),
    homeFiles: (u) => ({ ".netrc": `machine ${u.host}\n  login ${primaryUser}\n  password ${canary}\n` }),
    authenticates: true,
    usesExtra: false,
  },
  {
    name: "--index-url and --extra-index-url lines of a requirements file",
    workspace: (u) => ({
      "requirements.txt": `--index-url ${withCredentials(u.primary, primaryUser)}\n--extra-index-url ${withCredentials(u.extra, extraUser)}\n${requirements}`,
    }),
    env: () => ({ PIP_INDEX_URL: "http://127.0.0.1:9/simple/" }),
    authenticates: true,
    usesExtra: true,
  },
  {
    name: "a pip.conf named by PIP_CONFIG_FILE",
    env: (_u, secrets) => ({ PIP_CONFIG_FILE: path.join(secrets, "pip.conf"), PIP_INDEX_URL: "" }),
    secretFiles: (u) => ({
      "pip.conf": `[global]\nindex-url = ${withCredentials(u.primary, primaryUser)}\nextra-index-url =\n    ${withCredentials(u.extra, extraUser)}\n`,
    }),
    authenticates: true,
    usesExtra: true,
  },
  {
    name: "a malformed $NETRC and a malformed pip.conf, both quoting the secret (401 from the index)",
    env: (u, secrets) => ({
      PIP_INDEX_URL: u.primary,
      NETRC: path.join(secrets, "netrc"),
      PIP_CONFIG_FILE: path.join(secrets, "pip.conf"),
    }),
    secretFiles: (u) => ({
      // A password with a space, unquoted: Python's netrc parser fails on the second half.
      netrc: `machine ${u.host} login ${primaryUser} password ${canary} ${canary}-tail\n`,
      // A stray line (a token pasted on its own line) makes configparser fail, quoting the line.
      "pip.conf": `[global]\nextra-index-url = ${u.extra}\n${canary}\n`,
    }),
    authenticates: false,
    usesExtra: false,
  },
];

/** What one scenario produced: everything the server wrote, and what the indexes saw. */
interface Outcome {
  readonly error?: unknown;
  readonly transcript: string;
  readonly stderr: string;
  readonly logs: readonly string[];
  readonly traces: readonly string[];
  readonly pushed: readonly PublishDiagnosticsParams[];
  readonly answers: readonly [string, unknown][];
  readonly home: string;
  readonly credentialFiles: readonly string[];
  readonly primary: readonly RequestLogEntry[];
  readonly extra: readonly RequestLogEntry[];
}

/** Starts fixture indexes that require the canary credentials, and fail on purpose for some packages. */
async function credentialedIndexes(): Promise<{ primary: FixtureIndex; extra: FixtureIndex; urls: Urls }> {
  const primary = await startFixtureIndex({ behaviour: { basicAuth: { user: primaryUser, password: canary } } });
  const extra = await startFixtureIndex({ behaviour: { basicAuth: { user: extraUser, password: canary } } });
  primary.setBehaviour(failures);
  extra.setBehaviour(failures);
  return {
    primary,
    extra,
    urls: { primary: primary.simpleUrl, extra: extra.simpleUrl, host: new URL(primary.url).hostname },
  };
}

/** Runs one scenario against a server of its own and its own indexes; never throws. */
async function runScenario(scenario: Scenario): Promise<Outcome> {
  const { primary, extra, urls } = await credentialedIndexes();
  const workspace = tempDir("pinsight-secrets-ws-");
  const secrets = tempDir("pinsight-secrets-");
  const files = scenario.workspace?.(urls) ?? { "requirements.txt": requirements };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(workspace, name), text);
  for (const [name, text] of Object.entries(scenario.secretFiles?.(urls) ?? {}))
    fs.writeFileSync(path.join(secrets, name), text, { mode: 0o600 });
  const base = isolatedEnv({ PIP_INDEX_URL: "http://127.0.0.1:9/simple/" });
  const home = String(base["HOME"]);
  const merged: NodeJS.ProcessEnv = {
    ...base,
    PIP_CONFIG_FILE: os.devNull,
    ...scenario.env(urls, secrets, home),
  };
  // An empty value removes a variable (the pip.conf scenario must not have PIP_INDEX_URL).
  const env = Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== ""));
  const credentialFiles: string[] = [];
  for (const [name, text] of Object.entries(scenario.homeFiles?.(urls) ?? {})) {
    fs.writeFileSync(path.join(home, name), text, { mode: 0o600 });
    credentialFiles.push(path.join(home, name));
  }
  const settings = { pythonVersion: "3.12", ...scenario.settings?.(urls) };
  const session = await startSession(workspace, env, settings, { settings });
  const uri = `file://${path.join(workspace, "requirements.txt")}`;
  const text = files["requirements.txt"] ?? "";
  let error: unknown;
  let answers: [string, unknown][] = [];
  try {
    await session.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "pip-requirements", version: 1, text },
    });
    const diagnostics = await session.waitFor(uri, (d) =>
      scenario.authenticates
        ? d.some((x) => x.code === "yanked") && d.some((x) => x.code === "index-unreachable")
        : d.some((x) => x.code === "index-unreachable" && /401/.test(JSON.stringify(x.message))),
    );
    answers = await exercise(session, uri, text, diagnostics);
    // A refresh revalidates every page with conditional requests: another round of requests and logs.
    const before = session.pushed.length;
    await session.connection.sendRequest("pinsight/refresh");
    await session.waitFor(uri, (d) => session.pushed.length > before && d.length > 0);
  } catch (caught) {
    error = caught;
  } finally {
    await session.stop();
    await primary.close();
    await extra.close();
  }
  return {
    ...(error !== undefined ? { error } : {}),
    transcript: Buffer.concat(session.stdout).toString("utf8"),
    stderr: Buffer.concat(session.stderr).toString("utf8"),
    logs: session.logs,
    traces: session.traces,
    pushed: session.pushed,
    answers,
    home,
    credentialFiles,
    primary: primary.requests,
    extra: extra.requests,
  };
}

describe("secrets never leak: a canary token through the real server", function () {
  this.timeout(30_000);
  const outcomes = new Map<Scenario, Outcome>();

  // The scenarios run at once (each has its own server and indexes): most of each one's time is
  // the back-off of the failing packages' retries.
  before(async () => {
    const results = await Promise.all(scenarios.map(runScenario));
    for (const [i, scenario] of scenarios.entries()) outcomes.set(scenario, results[i] as Outcome);
  });

  for (const scenario of scenarios) {
    it(scenario.name, () => {
      const outcome = outcomes.get(scenario);
      assert.ok(outcome);
      if (outcome.error !== undefined) throw outcome.error;

      // The credentials were really used: the index answered 200 to authorised requests (or 401).
      const authorised = outcome.primary.filter((r) => r.authorization && r.status === 200);
      if (scenario.authenticates) {
        assert.ok(authorised.length > 0, `authorised requests: ${JSON.stringify(outcome.primary)}`);
        if (scenario.usesExtra)
          assert.ok(
            outcome.extra.some((r) => r.authorization && r.status === 200),
            "the extra index too",
          );
        assert.ok(
          outcome.primary.some((r) => r.path.includes("boom-500") && r.status === 500),
          "an error path was taken",
        );
      } else {
        assert.ok(outcome.primary.some((r) => r.status === 401));
        assert.equal(authorised.length, 0);
      }

      assert.ok(outcome.logs.length > 0 && outcome.pushed.length > 0, "the server logged and published");
      assert.ok(
        outcome.logs.some((l) => /retrying|HTTP 500|401|not shown|parsing errors/.test(l)),
        outcome.logs.join("\n"),
      );
      assert.ok(outcome.answers.length > 20, `${outcome.answers.length} answers checked`);
      for (const [what, answer] of outcome.answers) assertNoSecret(what, JSON.stringify(answer) ?? "");
      for (const [i, log] of outcome.logs.entries()) assertNoSecret(`log message ${i}`, log);
      for (const [i, trace] of outcome.traces.entries()) assertNoSecret(`trace ${i}`, trace);
      for (const [i, push] of outcome.pushed.entries()) assertNoSecret(`publishDiagnostics ${i}`, JSON.stringify(push));
      assertNoSecret("the server's stdout (every LSP message)", outcome.transcript);
      assertNoSecret("the server's stderr", outcome.stderr);
      const cached = assertNoSecretInFiles(outcome.home, outcome.credentialFiles);
      if (scenario.authenticates) assert.ok(cached > 0, "the cache was written and scanned");
    });
  }
});

describe("secrets never leak: a canary token through the CLI", function () {
  this.timeout(30_000);
  let primary: FixtureIndex;
  let extra: FixtureIndex;

  before(async () => {
    ({ primary, extra } = await credentialedIndexes());
  });
  after(async () => {
    await primary.close();
    await extra.close();
  });

  async function run(args: string[], cwd: string, env: Record<string, string>, home: string) {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, {
      cwd,
      env: { PIP_CONFIG_FILE: os.devNull, ...env },
      home,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    return { args, code, stdout, stderr };
  }

  it("in every command and format, every credential source, and the cache", async () => {
    const dir = tempDir("pinsight-secrets-cli-");
    const secrets = tempDir("pinsight-secrets-cli-netrc-");
    const primaryUrl = withCredentials(primary.simpleUrl, primaryUser);
    const extraUrl = withCredentials(extra.simpleUrl, extraUser);
    const host = new URL(primary.url).hostname;
    fs.writeFileSync(path.join(dir, "requirements.txt"), requirements);
    fs.writeFileSync(
      path.join(dir, "with-lines.txt"),
      `-i ${primaryUrl}\n--extra-index-url ${extraUrl}\n${requirements}`,
    );
    fs.writeFileSync(path.join(dir, "pin.txt"), "black>=22\nboom-500>=1\n");
    fs.writeFileSync(path.join(secrets, "netrc"), `machine ${host} login ${primaryUser} password ${canary}\n`);
    fs.writeFileSync(
      path.join(secrets, "bad-netrc"),
      `machine ${host} login ${primaryUser} password ${canary} ${canary}x\n`,
    );
    const sources: { name: string; args: string[]; env: Record<string, string>; file?: string; fails?: boolean }[] = [
      { name: "environment", args: [], env: { PIP_INDEX_URL: primaryUrl, PIP_EXTRA_INDEX_URL: extraUrl } },
      { name: "flags", args: ["--index-url", primaryUrl, "--extra-index-url", extraUrl], env: {} },
      { name: "file lines", args: [], env: { PIP_INDEX_URL: "http://127.0.0.1:9/simple/" }, file: "with-lines.txt" },
      { name: "netrc", args: [], env: { PIP_INDEX_URL: primary.simpleUrl, NETRC: path.join(secrets, "netrc") } },
      {
        name: "bad netrc (401)",
        args: [],
        env: { PIP_INDEX_URL: primary.simpleUrl, NETRC: path.join(secrets, "bad-netrc") },
        fails: true,
      },
    ];
    const commands = (source: { args: string[]; file?: string }): string[][] => [
      ...["text", "json", "github", "sarif"].map((format) => [
        "check",
        "--format",
        format,
        "--python",
        "3.12",
        ...source.args,
        source.file ?? "requirements.txt",
      ]),
      ["versions", "black", ...source.args],
      ["versions", "black", "--format", "json", ...source.args],
      ["versions", "boom-500", ...source.args],
      ["versions", "boom-reset", "--format", "json", ...source.args],
      ["versions", "no-such-package-pinsight", ...source.args],
      ["pin", "pin.txt", ...source.args],
    ];
    // Every run at once, each source with a cache of its own: most of a run's time is the back-off
    // of boom-500's and boom-reset's retries.
    const homes = sources.map(() => tempDir("pinsight-secrets-cli-home-"));
    const results = await Promise.all(
      sources.map((source, i) =>
        Promise.all(commands(source).map((args) => run(args, dir, source.env, homes[i] ?? dir))),
      ),
    );
    let runs = 0;
    for (const [i, source] of sources.entries()) {
      for (const result of results[i] ?? []) {
        runs++;
        const what = `${result.args.slice(0, 3).join(" ")} (${source.name})`;
        assertNoSecret(`${what} stdout`, result.stdout);
        assertNoSecret(`${what} stderr`, result.stderr);
        if (result.args[0] === "check") {
          assert.match(result.stdout, /index-unreachable/, `${what}: ${result.stdout.slice(0, 500)}`);
          // The yanked pin shows that the credentials worked; 401 that they were refused.
          assert.match(result.stdout, source.fails ? /401/ : /yanked/, what);
        }
      }
      const cached = assertNoSecretInFiles(homes[i] ?? dir);
      if (!source.fails) assert.ok(cached > 0, `the cache of ${source.name} was written and scanned`);
    }
    assert.equal(runs, sources.length * 10);
    assert.ok(primary.requests.some((r) => r.authorization && r.status === 200));
    assert.ok(primary.requests.some((r) => r.status === 401));
  });

  it("through the built binary, also with an unwritable cache", async () => {
    const dir = tempDir("pinsight-secrets-bin-");
    fs.writeFileSync(path.join(dir, "requirements.txt"), requirements);
    const cli = path.resolve(__dirname, "../../dist/cli.js");
    const env: NodeJS.ProcessEnv = {
      ...isolatedEnv({ PIP_INDEX_URL: withCredentials(primary.simpleUrl, primaryUser) }),
      PIP_EXTRA_INDEX_URL: withCredentials(extra.simpleUrl, extraUser),
    };
    // The fixture indexes run in this process, so the binary is awaited, never run synchronously.
    const results = await Promise.all(
      [
        ["check", "--format", "github", "requirements.txt"],
        ["check", "--cache-dir", "/dev/null/not-a-dir", "requirements.txt"],
        ["versions", "boom-reset"],
      ].map(
        (args) =>
          new Promise<{ args: string[]; stdout: string; stderr: string }>((resolve, reject) => {
            execFile(process.execPath, [cli, ...args], { cwd: dir, env, timeout: 20_000 }, (error, stdout, stderr) => {
              if (error !== null && error.code === undefined) reject(error);
              else resolve({ args, stdout, stderr });
            });
          }),
      ),
    );
    for (const { args, stdout, stderr } of results) {
      assertNoSecret(`${args.join(" ")} stdout`, stdout);
      assertNoSecret(`${args.join(" ")} stderr`, stderr);
      assert.ok(stdout.length + stderr.length > 0);
    }
    assert.match(results[0]?.stdout ?? "", /^::warning .*yanked/m);
    assert.ok(assertNoSecretInFiles(String(env["HOME"])) > 0);
  });
});

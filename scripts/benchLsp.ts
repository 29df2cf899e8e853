/**
 * The language server as an editor sees it: `node dist/server.js --stdio` driven over JSON-RPC, on the
 * 2,500-line Home Assistant file with the fixture index serving a synthetic project for every name.
 * It measures, on a warm disk cache with fresh server processes, the time from didOpen to the first
 * diagnostics carrying index findings (on a server whose start-up has settled, and on one opened
 * right after `initialize`); the round trip of an incremental edit (20 ms apart, and back to back),
 * a hover and a code action; the server's event-loop delay and memory (through the `pinsight/stats` request, answered
 * with figures only when `PINSIGHT_BENCH_STATS=1`); the disk cache's size per 1,000 packages; and how
 * didOpen and didChange scale from 100 to 10,000 requirements.
 *
 * Setting `PINSIGHT_BENCH_CPU_PROF_DIR` starts every server with `--cpu-prof` writing there, which is
 * how the top self-time functions behind a missed target are found; `PINSIGHT_BENCH_TRACE=1` prints
 * each phase, every server's figures and the timeline of each measured didOpen on stderr.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";
import type {
  CodeAction,
  Command,
  Diagnostic,
  Hover,
  PublishDiagnosticsParams,
  Range,
} from "vscode-languageserver-protocol";
import { parseRequirementsTree } from "../server/src/core/parsing/requirementsFile";
import { createIncludeReader } from "../server/src/node/includeReader";
import { startFixtureIndex, syntheticProject, type FixtureIndex } from "../test/support/fixtureIndex";

export interface LspBenchResult {
  file: string;
  lines: number;
  packages: number;
  /**
   * didOpen → the first publishDiagnostics that includes index findings: warm disk cache, a fresh
   * server for each sample whose start-up has settled, so its memory holds nothing of the file.
   */
  didOpenWarm: { p50Ms: number; p95Ms: number };
  /**
   * The same, with didOpen sent right after `initialized`, as an editor restoring the file does: the
   * figure includes whatever start-up work the server has not finished (the spawn itself is not counted).
   */
  didOpenAtStart: { p50Ms: number; p95Ms: number };
  /** didOpen → the publishDiagnostics with every index finding (large files are analysed in slices). */
  didOpenComplete: { p50Ms: number; p95Ms: number };
  /**
   * One line changed (incremental) → the next publishDiagnostics for that version; `server*` is the
   * part spent inside the server on analysis and conversion (the rest is transport and scheduling).
   */
  didChange: { p50Ms: number; p95Ms: number; serverP50Ms: number; serverP95Ms: number };
  /**
   * The same edit sent the moment the previous diagnostics arrive, with no pause at all: a stress
   * figure (the `didChange` edits come 20 ms apart, as a fast typist's 50 keys a second do).
   */
  didChangeBackToBack: { p50Ms: number; p95Ms: number };
  hover: { p50Ms: number; p95Ms: number };
  codeAction: { p50Ms: number; p95Ms: number };
  /** Inside the server, over the whole run: the worst maximum and the worst p99 of any server. */
  eventLoop: { maxDelayMs: number; p99DelayMs: number };
  /** Server RSS: idle, after the large file, and after 200 more open documents. */
  memory: { rssIdleMb: number; rssAfterLargeMb: number; rssAfter200DocsMb: number };
  diskCacheBytesPer1000Packages: number;
  /**
   * Synthetic files of 100, 1,000, 2,500 and 10,000 requirements and the Home Assistant file (2,500
   * lines, about 800 requirements), by requirements; quick mode skips 2,500 and 10,000.
   */
  scaling: { requirements: number; didOpenWarmMs: number; didOpenCompleteMs: number; didChangeMs: number }[];
}

/** Finding codes that need the index's answer; a push carrying any of them has seen the cache. */
const indexCodes: ReadonlySet<string> = new Set([
  "unknown-package",
  "unknown-version",
  "yanked",
  "dependency-confusion",
  "python-support",
  "outdated",
  "transitive-range",
]);

/** The settings every server gets: a fixed target Python, so no project detection varies the work. */
const settings = { pythonVersion: "3.12" };

/** What `pinsight/stats` answers (see server/src/server.ts). */
interface ServerStats {
  readonly rssMb: number;
  readonly eventLoop: { readonly maxMs: number; readonly p99Ms: number } | null;
  /** The server's own time per push since the last reset. */
  readonly push: { readonly count: number; readonly p50Ms: number; readonly p95Ms: number } | null;
}

/** One publishDiagnostics as received: when, for which version, and how many index findings it had. */
interface Published {
  readonly at: number;
  readonly version: number | undefined;
  readonly indexFindings: number;
  readonly diagnostics: readonly Diagnostic[];
}

/** The state shared by every server of one run: the index, the isolated home, the running children. */
interface Session {
  readonly serverPath: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
  readonly index: FixtureIndex;
  readonly children: Set<ChildProcess>;
  readonly cpuProfileDir: string | undefined;
  /** The worst event-loop figures any server reported so far. */
  loop: { maxMs: number; p99Ms: number };
}

function percentiles(samples: readonly number[]): { p50Ms: number; p95Ms: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50Ms: at(0.5), p95Ms: at(0.95) };
}

function median(samples: readonly number[]): number {
  return percentiles(samples).p50Ms;
}

const traceStart = performance.now();
/** Progress on stderr with `PINSIGHT_BENCH_TRACE=1`, to see where a slow run spends its time. */
function trace(message: string): void {
  if (process.env["PINSIGHT_BENCH_TRACE"] !== "1") return;
  process.stderr.write(`[benchLsp ${((performance.now() - traceStart) / 1000).toFixed(1)} s] ${message}\n`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function fileUri(file: string): string {
  return `file://${file}`;
}

/**
 * One server process over stdio. Every push is kept (as a summary) with the time it arrived, so a
 * wait can ask for the first push after a given moment, even when it arrived before the wait began.
 */
class BenchServer {
  private readonly pushes = new Map<string, Published[]>();
  private readonly waiters = new Set<() => void>();
  /** The last `pinsight/indexStatus` state ("fetching" while lookups are in flight) and when it came. */
  indexState = "idle";
  indexStateAt = 0;

  private constructor(
    private readonly session: Session,
    private readonly child: ChildProcess,
    readonly connection: MessageConnection,
  ) {}

  static async start(session: Session): Promise<BenchServer> {
    const args = [session.serverPath, "--stdio"];
    // Profiles are written on a clean exit only, which `stop` arranges with shutdown and exit.
    if (session.cpuProfileDir !== undefined) args.unshift("--cpu-prof", `--cpu-prof-dir=${session.cpuProfileDir}`);
    const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "pipe"], env: session.env });
    session.children.add(child);
    child.once("exit", () => session.children.delete(child));
    // The server's stderr is drained so that a chatty server can never block on a full pipe.
    child.stderr?.resume();
    if (!child.stdout || !child.stdin) throw new Error("the server was spawned without stdio pipes");
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    const server = new BenchServer(session, child, connection);
    connection.onNotification("textDocument/publishDiagnostics", (params: PublishDiagnosticsParams) => {
      const at = performance.now();
      let list = server.pushes.get(params.uri);
      if (list === undefined) server.pushes.set(params.uri, (list = []));
      list.push({
        at,
        version: params.version,
        indexFindings: params.diagnostics.filter((d) => indexCodes.has(String(d.code))).length,
        diagnostics: params.diagnostics,
      });
      // Only the newest push of a document keeps its diagnostics; older ones keep their summary.
      const previous = list[list.length - 2];
      if (previous !== undefined) list[list.length - 2] = { ...previous, diagnostics: [] };
      server.wake();
    });
    connection.onNotification("pinsight/indexStatus", (status: { state: string }) => {
      server.indexState = status.state;
      server.indexStateAt = performance.now();
      server.wake();
    });
    connection.onNotification("window/logMessage", () => undefined);
    connection.onRequest("workspace/configuration", (params: { items: unknown[] }) => params.items.map(() => settings));
    connection.listen();
    await connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: null,
      capabilities: {
        workspace: { configuration: true },
        textDocument: {
          synchronization: { dynamicRegistration: false },
          publishDiagnostics: { versionSupport: true },
          hover: { contentFormat: ["markdown", "plaintext"] },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix", "source"] } } },
        },
      },
    });
    await connection.sendNotification("initialized", {});
    return server;
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves when `condition` returns a value, re-checking on every push and status change. */
  until<T>(what: string, timeoutMs: number, condition: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const value = condition();
        if (value === undefined) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        clearInterval(poll);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        clearInterval(poll);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      // Conditions may also depend on the fixture index's request log, which raises no event.
      const poll = setInterval(check, 50);
      this.waiters.add(check);
      check();
    });
  }

  /** The first push for `uri` that arrived at or after `since` and satisfies `accept`. */
  firstPush(uri: string, since: number, accept: (p: Published) => boolean, timeoutMs = 30_000): Promise<Published> {
    return this.until(`diagnostics of ${path.basename(uri)}`, timeoutMs, () =>
      this.pushes.get(uri)?.find((p) => p.at >= since && accept(p)),
    );
  }

  pushesOf(uri: string): readonly Published[] {
    return this.pushes.get(uri) ?? [];
  }

  latest(uri: string): Published | undefined {
    const list = this.pushes.get(uri);
    return list?.[list.length - 1];
  }

  /** Sends didOpen and returns the moment it was handed to the transport. */
  async open(uri: string, text: string): Promise<number> {
    const start = performance.now();
    await this.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "pip-requirements", version: 1, text },
    });
    return start;
  }

  /** Asks the server for its figures at the end of `phase` and keeps the worst event-loop delay. */
  async stats(phase: string, reset = false): Promise<ServerStats> {
    const stats = await this.connection.sendRequest<ServerStats>("pinsight/stats", { reset });
    trace(
      `${phase}: RSS ${stats.rssMb.toFixed(0)} MB, event loop max ${stats.eventLoop?.maxMs.toFixed(0)} ms, ` +
        `p99 ${stats.eventLoop?.p99Ms.toFixed(0)} ms`,
    );
    if (stats.eventLoop !== null) {
      this.session.loop = {
        maxMs: Math.max(this.session.loop.maxMs, stats.eventLoop.maxMs),
        p99Ms: Math.max(this.session.loop.p99Ms, stats.eventLoop.p99Ms),
      };
    }
    return stats;
  }

  /** Shuts the server down cleanly (so a CPU profile gets written) and kills it if it lingers. */
  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) resolve();
      else this.child.once("exit", () => resolve());
    });
    try {
      await Promise.race([this.connection.sendRequest("shutdown"), delay(2000)]);
      await this.connection.sendNotification("exit");
    } catch {
      // The process may already be gone; killing it below is enough.
    }
    await Promise.race([exited, delay(3000)]);
    this.connection.dispose();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await exited;
  }
}

/** A requirements file under test: its text, its URI and how many index findings a complete push has. */
interface Workload {
  readonly file: string;
  readonly uri: string;
  readonly text: string;
  readonly names: readonly string[];
  readonly requirements: number;
  /** Index findings in a push made with every package known, measured by the warm-up. */
  completeIndexFindings: number;
}

function workload(file: string, text: string): Workload {
  const reader = createIncludeReader((f) => (f === file ? text : undefined));
  const tree = parseRequirementsTree(file, reader, { env: {}, rootText: text });
  const names = new Set<string>();
  for (const requirement of tree.requirements) {
    if (requirement.entry.normalizedName !== undefined) names.add(requirement.entry.normalizedName);
  }
  const requirements = tree.requirements.filter((r) => r.file === file).length;
  return { file, uri: fileUri(file), text, names: [...names], requirements, completeIndexFindings: 0 };
}

/**
 * Opens the workload in a server and waits until every one of its packages was asked of the index,
 * the index has been quiet for a while, and the server, no longer fetching, has published after its
 * last status change (the server announces new data with a status notification just before it
 * re-analyses, so that push saw everything). The disk cache is warm afterwards; that push's index
 * findings are what a complete analysis yields.
 */
async function warmUp(session: Session, work: Workload, timeoutMs: number): Promise<Published> {
  const server = await BenchServer.start(session);
  try {
    const since = await server.open(work.uri, work.text);
    const wanted = new Set(work.names.map((name) => `/simple/${name}/`));
    await server.until(`the warm-up of ${path.basename(work.file)}`, timeoutMs, () => {
      const requests = session.index.requests;
      const asked = new Set(requests.map((r) => r.path));
      const lastRequest = requests[requests.length - 1]?.at ?? 0;
      const push = server.latest(work.uri);
      for (const page of wanted) if (!asked.has(page)) return undefined;
      if (server.indexState === "fetching" || Date.now() - lastRequest < 500 || push === undefined) return undefined;
      // The server publishes a document again only when its diagnostics change, so settled means
      // quiet: no push and no index state change for half a second.
      const now = performance.now();
      return push.at >= since && now - push.at >= 500 && now - server.indexStateAt >= 500 ? push : undefined;
    });
    const settled = server.latest(work.uri);
    if (settled === undefined) throw new Error(`no diagnostics for ${work.uri}`);
    work.completeIndexFindings = settled.indexFindings;
    await server.stats(`warm-up of ${path.basename(path.dirname(work.file))}`);
    return settled;
  } finally {
    await server.stop();
  }
}

/**
 * Fills the disk cache for synthetic files with the CLI (`pinsight check`), which shares the server's
 * index runtime and cache directory. A server re-analyses an open 10,000-line file after every batch
 * of answers and would take minutes to fetch its packages; the CLI fetches them all, then analyses
 * once. Its JSON report also tells how many index findings a complete analysis of each file has.
 */
async function warmUpWithCli(session: Session, works: readonly Workload[], timeoutMs: number): Promise<void> {
  const cli = path.join(path.dirname(session.serverPath), "cli.js");
  const args = [cli, "check", "--format", "json", "--python", settings.pythonVersion, ...works.map((w) => w.file)];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"], env: session.env });
  session.children.add(child);
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("close", (status) => {
      clearTimeout(timer);
      session.children.delete(child);
      resolve(status);
    });
  });
  const asked = new Set(session.index.requests.map((r) => r.path));
  const missing = works.flatMap((w) => w.names).filter((name) => !asked.has(`/simple/${name}/`)).length;
  // `check` exits with 1 when it reports an error-level finding; anything else means it failed.
  if ((code !== 0 && code !== 1) || missing > 0) {
    throw new Error(`pinsight check exited with ${code} and left ${missing} packages unfetched`);
  }
  const report = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
    files: { path: string; diagnostics: { code: string }[] }[];
  };
  for (const work of works) {
    const diagnostics = report.files.find((f) => f.path === work.file)?.diagnostics ?? [];
    work.completeIndexFindings = diagnostics.filter((d) => indexCodes.has(d.code)).length;
  }
}

/** Sends one incremental edit of `line` and returns the milliseconds until its version is published. */
class LineToggler {
  private version = 1;
  private pinned: "1.0.0" | "1.1.0";

  constructor(
    private readonly server: BenchServer,
    private readonly uri: string,
    private readonly line: number,
    private readonly specifierStart: number,
    private specifierEnd: number,
  ) {
    this.pinned = "1.1.0";
  }

  async toggle(): Promise<number> {
    this.pinned = this.pinned === "1.0.0" ? "1.1.0" : "1.0.0";
    const replacement = `==${this.pinned}`;
    const range: Range = {
      start: { line: this.line, character: this.specifierStart },
      end: { line: this.line, character: this.specifierEnd },
    };
    this.specifierEnd = this.specifierStart + replacement.length;
    const version = ++this.version;
    const start = performance.now();
    await this.server.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri: this.uri, version },
      contentChanges: [{ range, text: replacement }],
    });
    const push = await this.server.firstPush(this.uri, start, (p) => p.version === version, 10_000);
    return push.at - start;
  }
}

/** The pinned requirement line nearest the middle of the text, with where its `==…` specifier sits. */
function middlePinnedLine(text: string, offset = 0): { line: number; start: number; end: number } {
  const lines = text.split("\n");
  const middle = Math.floor(lines.length / 2) + offset;
  for (let distance = 0; distance < lines.length; distance++) {
    for (const index of [middle + distance, middle - distance]) {
      const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)(==[^\s;#]+)\s*$/.exec(lines[index] ?? "");
      if (match?.[1] !== undefined && match[2] !== undefined) {
        return { line: index, start: match[1].length, end: match[1].length + match[2].length };
      }
    }
  }
  throw new Error("no pinned requirement line in the file");
}

/** Opens the workload in a fresh server: didOpen → the first push with index findings, and → all of them. */
async function timedOpen(
  session: Session,
  work: Workload,
  when: "settled" | "at start" = "settled",
): Promise<{ first: number; complete: number }> {
  const server = await BenchServer.start(session);
  const requestsBefore = session.index.requests.length;
  try {
    // A settled server has loaded its modules and built its index stack, as a server that has been
    // running for a while has; the open then measures the file's own work.
    if (when === "settled") await server.stats("settling").then(() => delay(300));
    const start = await server.open(work.uri, work.text);
    const first = await server.firstPush(work.uri, start, (p) => p.indexFindings > 0);
    // The server is left to finish its analysis, so the event loop is measured over all of it.
    const complete = await server.firstPush(
      work.uri,
      start,
      (p) => p.indexFindings >= work.completeIndexFindings,
      Math.max(10_000, work.requirements * 10),
    );
    const name = path.basename(path.dirname(work.file));
    await server.stats(`didOpen ${name}`);
    trace(
      `didOpen ${name}: first index findings (${first.indexFindings}) after ${(first.at - start).toFixed(0)} ms, ` +
        `all ${work.completeIndexFindings} after ${(complete.at - start).toFixed(0)} ms, ` +
        `${session.index.requests.length - requestsBefore} index requests; pushes (index findings) at ` +
        server
          .pushesOf(work.uri)
          .map((p) => `${(p.at - start).toFixed(0)} ms (${p.indexFindings})`)
          .join(", "),
    );
    return { first: first.at - start, complete: complete.at - start };
  } finally {
    await server.stop();
  }
}

/**
 * didChange round trips on a server with the workload open and fully analysed, each edit `gapMs`
 * after the previous one's diagnostics arrived.
 */
async function timedChanges(server: BenchServer, work: Workload, samples: number, gapMs = 20): Promise<number[]> {
  const target = middlePinnedLine(work.text);
  const toggler = new LineToggler(server, work.uri, target.line, target.start, target.end);
  // Two unmeasured edits let the server compile its edit path, as it would have early in a session.
  await toggler.toggle();
  await toggler.toggle();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (gapMs > 0) await delay(gapMs);
    times.push(await toggler.toggle());
  }
  return times;
}

/** Milliseconds of each of `samples` calls of `once`, after `warmups` unmeasured calls. */
async function timeRequests(warmups: number, samples: number, once: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmups; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await once();
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * Small requirements files like those of many services in one workspace: `count` files of 20 lines
 * drawn from the workload's names, pinned, ranged and bare. The first line of each is pinned below the
 * newest release, so every file has an index finding once its packages are known.
 */
function smallDocuments(dir: string, names: readonly string[], count: number): { uri: string; text: string }[] {
  const documents: { uri: string; text: string }[] = [];
  for (let i = 0; i < count; i++) {
    const lines: string[] = [];
    for (let j = 0; j < 20; j++) {
      const name = names[(i * 20 + j * 7) % names.length] ?? "pip";
      lines.push(j % 3 === 0 ? `${name}==1.0.0` : j % 3 === 1 ? `${name}>=1.0,<3` : name);
    }
    const file = path.join(dir, `service-${i}`, "requirements.txt");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const text = `${lines.join("\n")}\n`;
    fs.writeFileSync(file, text);
    documents.push({ uri: fileUri(file), text });
  }
  return documents;
}

/**
 * Opens 200 small documents, one after another as a user would, in a server that already has the
 * large file open; each is waited for until it is published with its index findings. Returns the
 * server's RSS then. A server slower than `deadlineMs` in total is reported on stderr and measured as
 * it is, so that the rest of the results survive.
 */
async function manyDocuments(
  server: BenchServer,
  dir: string,
  names: readonly string[],
  deadlineMs: number,
): Promise<number> {
  const documents = smallDocuments(dir, names, 200);
  const start = performance.now();
  try {
    for (const [i, document] of documents.entries()) {
      const opened = await server.open(document.uri, document.text);
      const left = Math.max(1, deadlineMs - (performance.now() - start));
      const push = await server.firstPush(document.uri, opened, (p) => p.indexFindings > 0, left);
      if ((i + 1) % 50 === 0) trace(`document ${i + 1} published after ${(push.at - opened).toFixed(0)} ms`);
    }
  } catch (error) {
    process.stderr.write(`benchLsp: 200 documents not analysed within ${deadlineMs} ms: ${String(error)}\n`);
  }
  return (await server.stats(`200 documents (${((performance.now() - start) / 1000).toFixed(1)} s)`)).rssMb;
}

/** A synthetic file of `count` requirements over `scale-package-<i>`: pinned, ranged and bare lines. */
function syntheticFile(dir: string, count: number): Workload {
  const lines = Array.from({ length: count }, (_, i) => {
    const name = `scale-package-${i}`;
    return i % 3 === 0 ? `${name}==1.0.0` : i % 3 === 1 ? `${name}>=1.0,<3` : name;
  });
  const file = path.join(dir, `scale-${count}`, "requirements.txt");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text = `${lines.join("\n")}\n`;
  fs.writeFileSync(file, text);
  return workload(file, text);
}

/** The apparent size of every file under `dir`, in bytes. */
function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

export async function benchLsp(options: { quick: boolean; root: string }): Promise<LspBenchResult> {
  const { quick, root } = options;
  const serverPath = path.join(root, "dist/server.js");
  if (!fs.existsSync(serverPath)) throw new Error(`${serverPath} is missing: run npm run build first`);
  const haFile = path.join(root, "test/fixtures/bench/home-assistant/requirements_all.txt");
  const ha = workload(haFile, fs.readFileSync(haFile, "utf8"));
  // The Home Assistant file joins these with its own count of requirements (about 800).
  const scaleSizes = quick ? [100, 1000] : [100, 1000, 2500, 10_000];

  const index = await startFixtureIndex();
  // One home for every server of the run: the disk cache warmed by the first server is what the
  // measured servers read, as after an editor restart.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "pinsight-bench-lsp-"));
  const cpuProfileDir = process.env["PINSIGHT_BENCH_CPU_PROF_DIR"];
  const session: Session = {
    serverPath,
    home,
    index,
    children: new Set(),
    cpuProfileDir: cpuProfileDir === undefined || cpuProfileDir === "" ? undefined : path.resolve(cpuProfileDir),
    loop: { maxMs: 0, p99Ms: 0 },
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: home,
      XDG_CACHE_HOME: path.join(home, ".cache"),
      XDG_CONFIG_HOME: path.join(home, ".config"),
      XDG_CONFIG_DIRS: path.join(home, "xdg"),
      PIP_CONFIG_FILE: os.devNull,
      PIP_INDEX_URL: index.simpleUrl,
      PINSIGHT_BENCH_STATS: "1",
    },
  };
  try {
    for (const name of ha.names) index.addProject(name, syntheticProject(name));
    trace(`warming the cache with ${ha.names.length} packages`);
    await warmUp(session, ha, quick ? 20_000 : 60_000);
    trace(`warm; a complete analysis has ${ha.completeIndexFindings} index findings`);
    const cacheDir = path.join(home, ".cache", "pinsight", "index");
    const diskCacheBytesPer1000Packages = (directoryBytes(cacheDir) / ha.names.length) * 1000;

    // didOpen on the warm cache, a fresh server each time.
    const openSamples: number[] = [];
    const completeSamples: number[] = [];
    for (let i = 0; i < (quick ? 3 : 10); i++) {
      const opened = await timedOpen(session, ha);
      openSamples.push(opened.first);
      completeSamples.push(opened.complete);
    }
    trace(`didOpen samples: ${openSamples.map((ms) => ms.toFixed(0)).join(", ")} ms`);
    const atStartSamples: number[] = [];
    for (let i = 0; i < (quick ? 3 : 10); i++) atStartSamples.push((await timedOpen(session, ha, "at start")).first);
    trace(`didOpen at start samples: ${atStartSamples.map((ms) => ms.toFixed(0)).join(", ")} ms`);

    // One editor session: idle, the large file, edits, hovers, code actions, then 200 more documents.
    const server = await BenchServer.start(session);
    let interactive: {
      changes: number[];
      backToBack: number[];
      changeServer: { readonly p50Ms: number; readonly p95Ms: number };
      hovers: number[];
      actions: number[];
      rssIdleMb: number;
      rssAfterLargeMb: number;
      rssAfter200DocsMb: number;
    };
    try {
      // Idle is measured once start-up work (module loading, the first timers) has settled.
      await delay(300);
      const rssIdleMb = (await server.stats("idle")).rssMb;
      const opened = await server.open(ha.uri, ha.text);
      await server.firstPush(ha.uri, opened, (p) => p.indexFindings >= ha.completeIndexFindings);
      const rssAfterLargeMb = (await server.stats("large file analysed")).rssMb;

      await server.stats("before the edits", true);
      const changes = await timedChanges(server, ha, quick ? 20 : 100);
      const changeStats = await server.stats("didChange");
      const backToBack = await timedChanges(server, ha, quick ? 20 : 100, 0);
      await server.stats("didChange back to back");

      // Hover and code action on another pinned line; the context carries the diagnostics an editor
      // would send for that line (an unpinned or ranged line's, when the file has such a line).
      const diagnostics = server.latest(ha.uri)?.diagnostics ?? [];
      const loose = diagnostics.find((d) => d.code === "unpinned" || d.code === "range");
      const other = middlePinnedLine(ha.text, 10);
      const line = loose?.range.start.line ?? other.line;
      const lineText = ha.text.split("\n")[line] ?? "";
      const range: Range = { start: { line, character: 0 }, end: { line, character: lineText.length } };
      const context = diagnostics.filter((d) => d.range.start.line <= line && d.range.end.line >= line);
      const textDocument = { uri: ha.uri };
      const hover = (): Promise<Hover | null> =>
        server.connection.sendRequest<Hover | null>("textDocument/hover", {
          textDocument,
          position: { line, character: 2 },
        });
      const codeAction = (): Promise<(CodeAction | Command)[] | null> =>
        server.connection.sendRequest<(CodeAction | Command)[] | null>("textDocument/codeAction", {
          textDocument,
          range,
          context: { diagnostics: context, triggerKind: 1 },
        });
      // The first hover of a package also asks the index for its JSON API summary; later ones do not.
      trace(`hover on line ${line + 1}: ${JSON.stringify(await hover()).slice(0, 200)}`);
      const hovers = await timeRequests(2, quick ? 30 : 200, hover);
      await server.stats("hover");
      const offered = await codeAction();
      trace(`code actions with ${context.map((d) => String(d.code)).join(", ")}: ${offered?.length ?? 0}`);
      const actions = await timeRequests(2, quick ? 30 : 200, codeAction);
      await server.stats("codeAction");

      // 200 more documents: each open analyses that document only (and those that include it).
      const rssAfter200DocsMb = await manyDocuments(server, path.join(home, "services"), ha.names, 150_000);
      interactive = {
        changes,
        backToBack,
        changeServer: changeStats.push ?? { count: 0, p50Ms: NaN, p95Ms: NaN },
        hovers,
        actions,
        rssIdleMb,
        rssAfterLargeMb,
        rssAfter200DocsMb,
      };
    } finally {
      await server.stop();
    }

    // Scaling: synthetic files over synthetic projects (the smaller files are prefixes of the largest).
    const scaleDir = path.join(home, "scale");
    const largest = Math.max(...scaleSizes);
    for (let i = 0; i < largest; i++) index.addProject(`scale-package-${i}`, syntheticProject(`scale-package-${i}`));
    const workloads = new Map(scaleSizes.map((count) => [count, syntheticFile(scaleDir, count)]));
    trace(`warming the cache with ${largest} synthetic packages`);
    await warmUpWithCli(session, [...workloads.values()], quick ? 20_000 : 60_000);
    trace("warm");
    const scaling: LspBenchResult["scaling"] = [];
    const scaleRuns = quick ? 1 : 3;
    for (const count of [...scaleSizes, ha.requirements].sort((a, b) => a - b)) {
      const work = workloads.get(count);
      if (work === undefined) {
        // The Home Assistant file was measured above with more samples.
        scaling.push({
          requirements: ha.requirements,
          didOpenWarmMs: median(openSamples),
          didOpenCompleteMs: median(completeSamples),
          didChangeMs: median(interactive.changes),
        });
        continue;
      }
      const opens: number[] = [];
      const completes: number[] = [];
      for (let i = 0; i < scaleRuns; i++) {
        const opened = await timedOpen(session, work);
        opens.push(opened.first);
        completes.push(opened.complete);
      }
      const scaled = await BenchServer.start(session);
      let changes: number[];
      try {
        const opened = await scaled.open(work.uri, work.text);
        await scaled.firstPush(work.uri, opened, (p) => p.indexFindings >= work.completeIndexFindings);
        changes = await timedChanges(scaled, work, quick ? 3 : 10);
        await scaled.stats(`didChange scale-${count}`);
      } finally {
        await scaled.stop();
      }
      scaling.push({
        requirements: count,
        didOpenWarmMs: median(opens),
        didOpenCompleteMs: median(completes),
        didChangeMs: median(changes),
      });
      trace(`scaling ${count}: didOpen ${opens.map((ms) => ms.toFixed(0)).join(", ")} ms`);
    }

    return {
      file: path.relative(root, haFile),
      lines: ha.text.endsWith("\n") ? ha.text.split("\n").length - 1 : ha.text.split("\n").length,
      packages: ha.names.length,
      didOpenWarm: percentiles(openSamples),
      didOpenAtStart: percentiles(atStartSamples),
      didOpenComplete: percentiles(completeSamples),
      didChange: {
        ...percentiles(interactive.changes),
        serverP50Ms: interactive.changeServer.p50Ms,
        serverP95Ms: interactive.changeServer.p95Ms,
      },
      didChangeBackToBack: percentiles(interactive.backToBack),
      hover: percentiles(interactive.hovers),
      codeAction: percentiles(interactive.actions),
      eventLoop: { maxDelayMs: session.loop.maxMs, p99DelayMs: session.loop.p99Ms },
      memory: {
        rssIdleMb: interactive.rssIdleMb,
        rssAfterLargeMb: interactive.rssAfterLargeMb,
        rssAfter200DocsMb: interactive.rssAfter200DocsMb,
      },
      diskCacheBytesPer1000Packages,
      scaling,
    };
  } finally {
    // Nothing may outlive the run: processes a failure left behind are killed by their own handles,
    // and awaited, so that none is still writing into the home when it is removed.
    await Promise.all(
      [...session.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
            setTimeout(resolve, 2000).unref();
          }),
      ),
    );
    await index.close();
    fs.rmSync(home, { recursive: true, force: true, maxRetries: 3 });
  }
}

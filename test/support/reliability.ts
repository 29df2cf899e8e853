/**
 * Fault injection and load through the real language server (`dist/server.js` over stdio), shared by
 * `test/server/faults.test.ts`, `test/server/load.test.ts` (short budgets) and
 * `scripts/benchReliability.ts` (the full versions with tables).
 *
 * A fault scenario warms a session against the healthy fixture index, switches the fault on, asks for
 * fresh data (`pinsight/refresh`, so cached pages must be revalidated) and opens a second document
 * whose packages are not cached. While the fault lasts it measures hovers and code actions on cached
 * packages, waits for the one `index-unreachable` of the new document, counts the requests the index
 * saw, then heals the index and measures how long the server takes to show real findings again,
 * without any edit, refresh or restart.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type {
  ClientCapabilities,
  CodeAction,
  Diagnostic,
  Hover,
  PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import { isolatedEnv, startClient, type TestClient } from "../server/lspClient";
import { syntheticProject, type Behaviour, type FixtureIndex, type RequestLogEntry } from "./fixtureIndex";
import { tempDir } from "./tempDirs";

export const pushCapabilities: ClientCapabilities = {
  workspace: { workspaceEdit: { documentChanges: true }, configuration: true },
  textDocument: { publishDiagnostics: { relatedInformation: false, versionSupport: true } },
};

/** One fault of the matrix: how the index misbehaves, and how many requests per package it may cost. */
export interface FaultCase {
  readonly name: string;
  /** A fixture behaviour, or a change of the index itself (it stops listening, or dies mid-response). */
  readonly fault: Behaviour | "disappear" | "disappear-mid-response";
  /** Requests one package may cost in one failure cycle (attempts × redirect hops). */
  readonly requestsPerPackage: number;
  /**
   * How recovery comes: by the server's own back-off retry (default), or — when the index asked for
   * an hour with `Retry-After` — only with Refresh Index Data (`pinsight/refresh`) before that hour.
   */
  readonly recovery?: "automatic" | "refresh";
}

/** What one fault did to the server, for the assertions and the benchmark table. */
export interface FaultResult {
  readonly fault: string;
  /** The `index-unreachable` message the new document showed, or what it showed instead. */
  readonly behaviour: string;
  /** Requests the index received from the fault's start until `index-unreachable` appeared. */
  readonly requestsUntilReported: number;
  /** Requests over the whole fault window (including back-off retries while it lasted). */
  readonly requestsDuringFault: number;
  /** Attempts the server logged over the window (retries and final failures; refused ones too). */
  readonly attemptsDuringFault: number;
  /** Lookups the fault may fail: the new document's packages, black and pytz revalidated, one spare. */
  readonly packages: number;
  readonly faultWindowMs: number;
  /** From the fault's start (new document opened) to its `index-unreachable` push. */
  readonly timeToReportMs: number;
  /** `index-unreachable` diagnostics in the new document's push, and false `unknown-*` findings. */
  readonly unreachableDiagnostics: number;
  readonly falseUnknown: number;
  /** Whether the cached document kept its index findings (the yanked pin) throughout. */
  readonly cachedFindingsKept: boolean;
  readonly hover: Percentiles;
  readonly codeAction: Percentiles;
  /** From healing the index to the push with real findings and no `index-unreachable`; NaN if never. */
  readonly recoverMs: number;
  readonly requestsToRecover: number;
  /** The new document's findings (code@line) at the end of the recovery wait, for failure messages. */
  readonly afterRecovery: string;
  /** Server RSS after the fault, and its peak during the fault (MB). */
  readonly rssMb: number;
  readonly rssPeakMb: number;
  /** What the server wrote to stderr (an unhandled rejection lands here). */
  readonly stderr: string;
}

export interface Percentiles {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
}

export function percentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { samples: sorted.length, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: sorted[sorted.length - 1] ?? NaN };
}

export interface FaultOptions {
  /** `pinsight.index.timeoutSeconds` (the setting's minimum is 1). */
  readonly timeoutSeconds: number;
  /** `PINSIGHT_HTTP_TIMEOUT_MS`: a shorter HTTP timeout than the setting allows, for fast tests. */
  readonly httpTimeoutMs?: number;
  /** `PINSIGHT_HTTP_RETRY_DELAY_MS`: the first pause between HTTP retries (300 ms, then ×3). */
  readonly retryDelayMs?: number;
  /** `PINSIGHT_FAILURE_BACKOFF_MS`: how long a failed lookup waits before it is retried. */
  readonly backoffMs: number;
  /** How long the fault stays on after `index-unreachable` appeared (back-off retries happen then). */
  readonly holdMs: number;
  /** How many synthetic packages the new document names (all uncached). */
  readonly newPackages: number;
  /** Give up waiting for the report or the recovery after this long. */
  readonly waitMs: number;
}

/** The cached document: a yanked pin (an index finding that must survive the fault) and a plain pin. */
const cachedText = "black==21.11b0\npytz==2023.3\n";

const byCode = (diagnostics: readonly Diagnostic[], code: string): Diagnostic[] =>
  diagnostics.filter((d) => d.code === code);

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The synthetic package names of the fault scenario's new document. */
export function faultPackageNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `fault-pkg-${i}`);
}

/** Adds the synthetic projects the scenarios use to a fixture index (idempotent). */
export function addFaultProjects(index: FixtureIndex, count: number): void {
  for (const name of faultPackageNames(count)) index.addProject(name, syntheticProject(name));
}

function newDocumentText(count: number): string {
  // black is cached (its pin is yanked); the synthetic packages are not; the last two lines give an
  // unknown version and an unknown package once the index answers, and must give neither before.
  const names = faultPackageNames(count);
  return [
    "black==21.11b0",
    ...names.slice(0, -1).map((name, i) => (i % 2 === 0 ? `${name}==1.0.0` : `${name}>=1.0`)),
    `${names[names.length - 1] ?? "fault-pkg-x"}==9.9.9`,
    "no-such-package-pinsight==1.0",
    "",
  ].join("\n");
}

/** A client on a fresh home (so a fresh cache) against `index`, with short timeouts and back-off. */
export async function startIndexedClient(
  index: FixtureIndex,
  options: {
    readonly timeoutSeconds: number;
    readonly httpTimeoutMs?: number;
    readonly retryDelayMs?: number;
    readonly backoffMs: number;
    readonly capabilities?: ClientCapabilities;
    readonly settings?: Record<string, unknown>;
  },
): Promise<{ client: TestClient; dir: string; stderr: () => string }> {
  const dir = tempDir("pinsight-reliability-ws-");
  const env = isolatedEnv({
    PIP_INDEX_URL: index.simpleUrl,
    PINSIGHT_FAILURE_BACKOFF_MS: String(options.backoffMs),
    ...(options.httpTimeoutMs !== undefined ? { PINSIGHT_HTTP_TIMEOUT_MS: String(options.httpTimeoutMs) } : {}),
    ...(options.retryDelayMs !== undefined ? { PINSIGHT_HTTP_RETRY_DELAY_MS: String(options.retryDelayMs) } : {}),
  });
  const client = await startClient(dir, options.capabilities ?? pushCapabilities, undefined, env, {
    pythonVersion: "3.12",
    index: { timeoutSeconds: options.timeoutSeconds },
    ...options.settings,
  });
  let stderr = "";
  client.process.stderr?.setEncoding("utf8");
  client.process.stderr?.on("data", (chunk: string) => {
    // Only the start is kept: a runaway server must not grow the test's memory.
    if (stderr.length < 100_000) stderr += chunk;
  });
  return { client, dir, stderr: () => stderr };
}

export async function openDocument(client: TestClient, file: string, text: string): Promise<string> {
  fs.writeFileSync(file, text);
  const uri = `file://${file}`;
  await client.connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "pip-requirements", version: 1, text },
  });
  return uri;
}

/** Milliseconds of one request's round trip through the server. */
export async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await run();
  return { ms: performance.now() - start, value };
}

export function hover(client: TestClient, uri: string, line: number, character = 2): Promise<Hover | null> {
  return client.connection.sendRequest("textDocument/hover", {
    textDocument: { uri },
    position: { line, character },
  }) as Promise<Hover | null>;
}

export function codeActions(client: TestClient, uri: string, line: number): Promise<CodeAction[]> {
  const diagnostics = (client.diagnostics.get(uri)?.diagnostics ?? []).filter((d) => d.range.start.line === line);
  return client.connection.sendRequest("textDocument/codeAction", {
    textDocument: { uri },
    range: { start: { line, character: 0 }, end: { line, character: 0 } },
    context: { diagnostics },
  }) as Promise<CodeAction[]>;
}

/** The server's RSS in MB (from `pinsight/stats`, which every server answers). */
export async function serverRssMb(client: TestClient): Promise<number> {
  const stats = (await client.connection.sendRequest("pinsight/stats")) as { rssMb: number };
  return stats.rssMb;
}

/** Lookups the server attempted, from its log: each retry, and each lookup that finally failed. */
function attemptsLogged(logs: readonly string[], from: number): number {
  return logs.slice(from).filter((line) => /^retrying https?:\/\//.test(line) || /^https?:\/\/\S+: /.test(line)).length;
}

/** Runs one fault scenario on a fresh server; see the file comment. */
export async function runFault(index: FixtureIndex, fault: FaultCase, options: FaultOptions): Promise<FaultResult> {
  index.setBehaviour({});
  addFaultProjects(index, options.newPackages);
  const { client, dir, stderr } = await startIndexedClient(index, options);
  let restore: (() => Promise<void>) | undefined;
  try {
    // Healthy: the cached document gets its index findings, and one hover loads black's JSON API data.
    const cachedUri = await openDocument(client, path.join(dir, "requirements.txt"), cachedText);
    await client.waitForDiagnostics(cachedUri, (p) => byCode(p.diagnostics, "yanked").length > 0, options.waitMs);
    await hover(client, cachedUri, 0);
    await quiet(index, 300, options.waitMs);

    // The fault starts. Cached pages become stale, so every lookup goes to the failing index.
    const firstReceived = index.received();
    const firstLogged = index.requests.length;
    const firstLog = client.logs.length;
    const faultStart = performance.now();
    if (fault.fault === "disappear") {
      await index.disappear();
      restore = () => index.reappear();
    } else if (fault.fault === "disappear-mid-response") {
      // Slow answers are in flight when the index goes away; the sockets die under them.
      index.setBehaviour({ latencyMs: 400 });
      restore = async () => {
        index.setBehaviour({});
        await index.reappear();
      };
    } else {
      index.setBehaviour(fault.fault);
      restore = async () => index.setBehaviour({});
    }
    await client.connection.sendRequest("pinsight/refresh");
    const newUri = `file://${path.join(dir, "requirements-new.txt")}`;
    // Every push of the new document during the fault is checked for findings only an answer gives.
    let falseUnknown = 0;
    const check = (params: PublishDiagnosticsParams): void => {
      // A 404 the index really sent (a fault that spares error pages) makes that line's finding true.
      const answered404 = index.requests
        .slice(firstLogged)
        .some((r) => r.path === "/simple/no-such-package-pinsight/" && r.status === 404);
      const wrong = params.diagnostics.filter(
        (d) =>
          d.code === "unknown-version" ||
          (d.code === "unknown-package" && !(answered404 && d.range.start.line === options.newPackages + 1)),
      ).length;
      falseUnknown = Math.max(falseUnknown, wrong);
    };
    let duringFault = true;
    // This handler replaces the test client's (its waiters no longer wake), so waits below poll.
    client.connection.onNotification("textDocument/publishDiagnostics", (params: PublishDiagnosticsParams) => {
      client.diagnostics.set(params.uri, params);
      if (duringFault && params.uri === newUri) check(params);
    });
    await openDocument(client, path.join(dir, "requirements-new.txt"), newDocumentText(options.newPackages));
    if (fault.fault === "disappear-mid-response") {
      await delay(150);
      await index.disappear();
    }

    // While the fault lasts the editor must stay responsive on cached data.
    const hovers: number[] = [];
    const actions: number[] = [];
    let cachedFindingsKept = true;
    let measuring = true;
    let rssPeakMb = 0;
    const measure = (async () => {
      while (measuring) {
        rssPeakMb = Math.max(rssPeakMb, await rssOf(client));
        const h = await timed(() => hover(client, cachedUri, 0));
        hovers.push(h.ms);
        const a = await timed(() => codeActions(client, cachedUri, 1));
        actions.push(a.ms);
        const cached = client.diagnostics.get(cachedUri);
        if (cached && byCode(cached.diagnostics, "yanked").length === 0) cachedFindingsKept = false;
        await delay(5);
      }
    })();

    await waitUntil(
      () => byCode(client.diagnostics.get(newUri)?.diagnostics ?? [], "index-unreachable").length > 0,
      options.waitMs,
    ).catch(() => undefined);
    const timeToReportMs = performance.now() - faultStart;
    const requestsUntilReported = index.received() - firstReceived;
    await delay(options.holdMs);
    measuring = false;
    await measure;
    duringFault = false;
    const latest = client.diagnostics.get(newUri);
    const requestsDuringFault = index.received() - firstReceived;
    const attemptsDuringFault = attemptsLogged(client.logs, firstLog);
    const faultWindowMs = performance.now() - faultStart;
    const unreachable = byCode(latest?.diagnostics ?? [], "index-unreachable");

    // The index heals; the server must notice by itself (its back-off retry), without an edit.
    const healedAt = index.received();
    const healStart = performance.now();
    await restore();
    restore = undefined;
    if (fault.recovery === "refresh") await client.connection.sendRequest("pinsight/refresh");
    let recoverMs = NaN;
    await waitUntil(() => {
      const p = client.diagnostics.get(newUri);
      return (
        p !== undefined &&
        byCode(p.diagnostics, "index-unreachable").length === 0 &&
        byCode(p.diagnostics, "unknown-package").length === 1 &&
        byCode(p.diagnostics, "unknown-version").length === 1 &&
        byCode(p.diagnostics, "yanked").length === 1
      );
    }, options.waitMs)
      .then(() => {
        recoverMs = performance.now() - healStart;
      })
      .catch(() => undefined);
    const requestsToRecover = index.received() - healedAt;
    const afterRecovery = (client.diagnostics.get(newUri)?.diagnostics ?? [])
      .map((d) => `${String(d.code)}@${d.range.start.line}`)
      .join(" ");
    const rssMb = await serverRssMb(client);
    return {
      fault: fault.name,
      behaviour: describeOutcome(latest),
      requestsUntilReported,
      requestsDuringFault,
      attemptsDuringFault,
      packages: options.newPackages + 4,
      faultWindowMs,
      timeToReportMs,
      unreachableDiagnostics: unreachable.length,
      falseUnknown,
      cachedFindingsKept,
      hover: percentiles(hovers),
      codeAction: percentiles(actions),
      recoverMs,
      requestsToRecover,
      afterRecovery,
      rssMb,
      rssPeakMb,
      stderr: stderr(),
    };
  } finally {
    await restore?.();
    await client.stop();
    index.setBehaviour({});
  }
}

/** What the new document showed at the end of the fault, for the table. */
function describeOutcome(published: PublishDiagnosticsParams | undefined): string {
  if (published === undefined) return "no diagnostics";
  const unreachable = byCode(published.diagnostics, "index-unreachable")[0];
  if (unreachable !== undefined) {
    const message = String(unreachable.message);
    const detail = /\((.*)\)\. Version checks/.exec(message)?.[1] ?? message;
    return `index-unreachable: ${detail.replace(/127\.0\.0\.1:\d+/g, "index")}`;
  }
  return `no index-unreachable (${published.diagnostics.map((d) => String(d.code)).join(", ")})`;
}

/** The fault matrix: every failure mode of the fixture index. */
export function faultMatrix(): FaultCase[] {
  const deadPort = "http://127.0.0.1:9";
  const cases: FaultCase[] = [
    { name: "timeout: no headers", fault: { latencyMs: 60_000 }, requestsPerPackage: 3 },
    { name: "connection reset after headers", fault: { reset: true }, requestsPerPackage: 3 },
    { name: "503 storm", fault: { status: 503 }, requestsPerPackage: 3 },
    { name: "500 storm", fault: { status: 500 }, requestsPerPackage: 3 },
    { name: "429 storm, Retry-After: 1", fault: { status429: { retryAfter: 1 } }, requestsPerPackage: 3 },
    {
      name: "429 storm, Retry-After: 3600",
      fault: { status429: { retryAfter: 3600 } },
      requestsPerPackage: 1,
      recovery: "refresh",
    },
    { name: "truncated body", fault: { truncate: true }, requestsPerPackage: 3 },
    { name: "invalid JSON body", fault: { invalidJson: true }, requestsPerPackage: 1 },
    { name: "endless body, stalls", fault: { neverFinish: true }, requestsPerPackage: 3 },
    { name: "endless body, trickles", fault: { neverFinish: true, trickleMs: 50 }, requestsPerPackage: 1 },
    { name: "huge body, Content-Length 100 MiB", fault: { hugeBytes: 100 * 1024 * 1024 }, requestsPerPackage: 1 },
    {
      name: "huge body, chunked 100 MiB",
      fault: { hugeBytes: 100 * 1024 * 1024, hugeChunked: true },
      requestsPerPackage: 1,
    },
    { name: "redirect loop", fault: { redirectLoop: true }, requestsPerPackage: 6 },
    { name: "redirect to a dead port", fault: { redirectTo: deadPort }, requestsPerPackage: 1 },
    { name: "index disappears (refused)", fault: "disappear", requestsPerPackage: 0 },
    { name: "index dies mid-response", fault: "disappear-mid-response", requestsPerPackage: 1 },
  ];
  return cases;
}

/** Options of the load scenario: documents, edits and how fast they come. */
export interface LoadOptions {
  readonly documents: number;
  readonly edits: number;
  readonly durationMs: number;
  /** Distinct packages across all documents (each document names `packagesPerDocument` of them). */
  readonly distinctPackages: number;
  readonly packagesPerDocument: number;
  /** Every how many milliseconds the server's RSS is sampled. */
  readonly rssEveryMs: number;
  /** Every how many edits a hover, a code action and a completion are timed. */
  readonly probeEvery: number;
  /** Push diagnostics (Neovim, Helix) or pull diagnostics (VS Code pulls the edited document). */
  readonly mode: "push" | "pull";
}

export interface LoadResult {
  readonly mode: "push" | "pull";
  readonly documents: number;
  readonly edits: number;
  readonly durationMs: number;
  readonly editsPerSecond: number;
  readonly distinctPackages: number;
  readonly indexes: number;
  /** Project-page requests over all indexes, and the bound they must stay under. */
  readonly pageRequests: number;
  readonly pageRequestBound: number;
  /** JSON API requests (hover summaries and per-version metadata). */
  readonly jsonApiRequests: number;
  /** Requests for a URL the same index had already answered in this run (each is a wasted request). */
  readonly repeatedRequests: number;
  readonly rss: readonly { readonly atS: number; readonly mb: number }[];
  readonly rssStartMb: number;
  readonly rssPeakMb: number;
  readonly rssEndMb: number;
  readonly hover: Percentiles;
  readonly codeAction: Percentiles;
  readonly completion: Percentiles;
  /** Push: from an edit to the push for its version. Pull: the edited document's diagnostic request. */
  readonly editToDiagnostics: Percentiles;
  /** From the last edit until every document's latest version was published (push mode). */
  readonly drainMs: number;
  readonly publishes: number;
  readonly stderr: string;
}

/** Requests for a path that was already answered (200, 404 or 410) earlier in the same log. */
function repeated(requests: readonly RequestLogEntry[]): number {
  const answered = new Set<string>();
  let count = 0;
  for (const request of requests) {
    if (answered.has(request.path)) count++;
    if ([200, 404, 410].includes(request.status)) answered.add(request.path);
  }
  return count;
}

export function loadPackageNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `load-pkg-${i}`);
}

/** The server's RSS from /proc (Linux), which costs the server nothing; `pinsight/stats` elsewhere. */
export async function rssOf(client: TestClient): Promise<number> {
  const pid = client.process.pid;
  if (pid !== undefined && process.platform === "linux") {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      if (Number.isFinite(kb)) return kb / 1024;
    } catch {
      // Fall back to asking the server.
    }
  }
  return serverRssMb(client);
}

export const pullCapabilities: ClientCapabilities = {
  workspace: { workspaceEdit: { documentChanges: true }, configuration: true, diagnostics: { refreshSupport: true } },
  textDocument: { diagnostic: { dynamicRegistration: false } },
};

/**
 * Opens `documents` requirements files over two indexes, then applies `edits` incremental edits
 * spread evenly over `durationMs` (a version bump on a random line of a random document), timing a
 * hover, a code action and a completion every `probeEvery` edits (in documents the edits leave alone)
 * and sampling RSS on a timer.
 */
export async function runLoad(primary: FixtureIndex, extra: FixtureIndex, options: LoadOptions): Promise<LoadResult> {
  const names = loadPackageNames(options.distinctPackages);
  for (const index of [primary, extra]) {
    index.setBehaviour({});
    for (const name of names) index.addProject(name, syntheticProject(name));
  }
  const dir = tempDir("pinsight-load-ws-");
  const env = isolatedEnv({ PIP_INDEX_URL: primary.simpleUrl, PIP_EXTRA_INDEX_URL: extra.simpleUrl });
  const pull = options.mode === "pull";
  const client = await startClient(dir, pull ? pullCapabilities : pushCapabilities, undefined, env, {
    pythonVersion: "3.12",
  });
  let stderr = "";
  client.process.stderr?.setEncoding("utf8");
  client.process.stderr?.on("data", (chunk: string) => {
    if (stderr.length < 100_000) stderr += chunk;
  });
  let publishes = 0;
  const pushedAt = new Map<string, { version: number; at: number }[]>();
  // The test client's own handler is replaced; this one keeps the time of every push.
  client.connection.onNotification("textDocument/publishDiagnostics", (params: PublishDiagnosticsParams) => {
    publishes++;
    client.diagnostics.set(params.uri, params);
    let list = pushedAt.get(params.uri);
    if (list === undefined) pushedAt.set(params.uri, (list = []));
    list.push({ version: params.version ?? 0, at: performance.now() });
  });
  const firstPrimary = primary.requests.length;
  const firstExtra = extra.requests.length;
  const requestsOf = (prefix: string): number =>
    primary.requests.slice(firstPrimary).filter((r) => r.path.startsWith(prefix)).length +
    extra.requests.slice(firstExtra).filter((r) => r.path.startsWith(prefix)).length;
  const start = performance.now();
  const rss: { atS: number; mb: number }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      rss.push({ atS: (performance.now() - start) / 1000, mb: await rssOf(client) });
      await delay(options.rssEveryMs);
    }
  })();
  const pullDiagnostics = (uri: string): Promise<unknown> =>
    client.connection.sendRequest("textDocument/diagnostic", { textDocument: { uri } });
  try {
    // Each document names a window of the package pool, so together they cover every package.
    const texts: string[][] = [];
    const uris: string[] = [];
    const versions: number[] = [];
    for (let d = 0; d < options.documents; d++) {
      const lines: string[] = [];
      for (let k = 0; k < options.packagesPerDocument; k++) {
        const name = names[(d * 7 + k) % names.length] ?? "load-pkg-0";
        lines.push(k % 3 === 0 ? `${name}>=1.0` : `${name}==1.0.0`);
      }
      texts.push(lines);
      uris.push(await openDocument(client, path.join(dir, `requirements-${d}.txt`), `${lines.join("\n")}\n`));
      versions.push(1);
    }
    // A pull client asks for each document once, as VS Code does for the editors it shows.
    if (pull) await Promise.all(uris.map(pullDiagnostics));
    // Everything is fetched once before the edits start, as after opening a workspace.
    await waitUntil(() => requestsOf("/simple/") >= options.distinctPackages * 2, 60_000).catch(() => undefined);
    await quiet(primary, 300, 10_000);
    // The probes hover, act and complete in the first few documents, which the edits leave alone: a
    // first hover of a package waits for its JSON API document by design, and that wait is the
    // index's, not the handler's. One warm-up pass loads those documents.
    const probeDocuments = Math.min(5, Math.max(1, Math.floor(options.documents / 10)));
    const probeLines = Math.min(4, options.packagesPerDocument);
    const warmUps: Promise<unknown>[] = [];
    for (let d = 0; d < probeDocuments; d++) {
      for (let line = 0; line < probeLines; line++) warmUps.push(hover(client, uris[d] ?? "", line));
    }
    await Promise.all(warmUps);
    await quiet(primary, 300, 10_000);

    const hovers: number[] = [];
    const actions: number[] = [];
    const completions: number[] = [];
    const editLatency: number[] = [];
    const pendingEdits: { uri: string; version: number; at: number }[] = [];
    const inFlight = new Set<Promise<void>>();
    const track = (work: Promise<void>): void => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    };
    let probing = false;
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const editStart = performance.now();
    for (let e = 0; e < options.edits; e++) {
      const due = editStart + (e * options.durationMs) / options.edits;
      const wait = due - performance.now();
      if (wait > 1) await delay(wait);
      const d = probeDocuments + random(options.documents - probeDocuments);
      const lines = texts[d] ?? [];
      const line = random(lines.length);
      const old = lines[line] ?? "";
      // Versions flip between two values, so every edit changes the text and the set of pins is small.
      const flips: readonly (readonly [string, string])[] = [
        ["==1.0.0", "==1.1.0"],
        ["==1.1.0", "==1.0.0"],
        [">=1.0", ">=1.1"],
        [">=1.1", ">=1.0"],
      ];
      const flip = flips.find(([from]) => old.endsWith(from));
      const replacement = flip === undefined ? old : old.slice(0, -flip[0].length) + flip[1];
      lines[line] = replacement;
      const version = (versions[d] ?? 1) + 1;
      versions[d] = version;
      const uri = uris[d] ?? "";
      void client.connection.sendNotification("textDocument/didChange", {
        textDocument: { uri, version },
        contentChanges: [
          { range: { start: { line, character: 0 }, end: { line, character: old.length } }, text: replacement },
        ],
      });
      if (pull) {
        // VS Code pulls the edited document's diagnostics after each change.
        track(timed(() => pullDiagnostics(uri)).then((t) => void editLatency.push(t.ms)));
      } else {
        pendingEdits.push({ uri, version, at: performance.now() });
      }
      // Probes run beside the edits (one set at a time), so a slow answer does not slow the typing.
      if (e % options.probeEvery === 0 && !probing) {
        probing = true;
        const target = uris[random(probeDocuments)] ?? "";
        const probeLine = random(probeLines);
        track(
          (async () => {
            hovers.push((await timed(() => hover(client, target, probeLine))).ms);
            actions.push((await timed(() => codeActions(client, target, probeLine))).ms);
            const position = { line: probeLine, character: (texts[0]?.[0] ?? "").length };
            completions.push(
              (
                await timed(() =>
                  client.connection.sendRequest("textDocument/completion", { textDocument: { uri: target }, position }),
                )
              ).ms,
            );
          })().finally(() => {
            probing = false;
          }),
        );
      }
    }
    const lastEdit = performance.now();
    await Promise.all([...inFlight]);
    if (!pull) {
      // Every document's latest version must be published; then each edit's latency is known.
      await waitUntil(
        () => uris.every((uri, d) => (pushedAt.get(uri) ?? []).some((p) => p.version >= (versions[d] ?? 1))),
        60_000,
      ).catch(() => undefined);
      for (const edit of pendingEdits) {
        const push = (pushedAt.get(edit.uri) ?? []).find((p) => p.version >= edit.version && p.at >= edit.at);
        editLatency.push(push === undefined ? Number.POSITIVE_INFINITY : push.at - edit.at);
      }
    }
    const drainMs = performance.now() - lastEdit;
    await delay(200);
    sampling = false;
    await sampler;
    return {
      mode: options.mode,
      documents: options.documents,
      edits: options.edits,
      durationMs: lastEdit - editStart,
      editsPerSecond: options.edits / ((lastEdit - editStart) / 1000),
      distinctPackages: options.distinctPackages,
      indexes: 2,
      pageRequests: requestsOf("/simple/"),
      pageRequestBound: options.distinctPackages * 2,
      jsonApiRequests: requestsOf("/pypi/"),
      repeatedRequests: repeated(primary.requests.slice(firstPrimary)) + repeated(extra.requests.slice(firstExtra)),
      rss,
      rssStartMb: rss[0]?.mb ?? NaN,
      rssPeakMb: Math.max(...rss.map((sample) => sample.mb)),
      rssEndMb: rss[rss.length - 1]?.mb ?? NaN,
      hover: percentiles(hovers),
      codeAction: percentiles(actions),
      completion: percentiles(completions),
      editToDiagnostics: percentiles(editLatency),
      drainMs,
      publishes,
      stderr,
    };
  } finally {
    sampling = false;
    await sampler;
    await client.stop();
  }
}

/**
 * Waits until the index has received no request for `quietMs`: whatever the warm-up started (JSON API
 * documents, per-version metadata of a support search) is cached before a fault begins.
 */
export async function quiet(index: FixtureIndex, quietMs: number, timeoutMs: number): Promise<void> {
  const start = performance.now();
  let seen = index.received();
  let since = performance.now();
  while (performance.now() - since < quietMs && performance.now() - start < timeoutMs) {
    await delay(20);
    if (index.received() !== seen) {
      seen = index.received();
      since = performance.now();
    }
  }
}

export async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const start = performance.now();
  while (!predicate()) {
    if (performance.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await delay(10);
  }
}

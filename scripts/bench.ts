/**
 * `npm run bench`: parsing and analysis speed, compared with pip in the same run, and the server's
 * idle memory. Writes `bench/results.json` and prints a table. `--quick` runs fewer iterations (for CI,
 * where only a crash fails the run). Absolute times on shared machines are noisy; ratios measured in
 * the same run are what we track. `--intelligence-only` runs just the dependency-intelligence part
 * (handy with `node --cpu-prof`).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { analyzeFile } from "../server/src/core/analysis/analyze";
import { dependencyFindings } from "../server/src/core/analysis/dependencyFindings";
import { hoverAt } from "../server/src/core/analysis/hover";
import { lockFormatOf } from "../server/src/core/locks/detect";
import type { LockFormat } from "../server/src/core/locks/lockModel";
import { parseLock } from "../server/src/core/locks/parseLock";
import { benchLsp } from "./benchLsp";
import { indexFindings } from "../server/src/core/analysis/indexFindings";
import { parseRequirementsTree } from "../server/src/core/parsing/requirementsFile";
import type { ParseCache } from "../server/src/core/parsing/requirementsModel";
import { createIncludeReader } from "../server/src/node/includeReader";
import { gzipSync } from "node:zlib";
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node";
import { IndexClient } from "../server/src/core/index/indexClient";
import { IndexService } from "../server/src/indexService";
import { DiskCache } from "../server/src/node/diskCache";
import { createHttpClient } from "../server/src/node/http";
import { startFixtureIndex, syntheticProject } from "../test/support/fixtureIndex";

const quick = process.argv.includes("--quick");
const root = path.resolve(__dirname, "..");

function stats(samples: number[]): { p50: number; p95: number; min: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), min: sorted[0] ?? NaN };
}

/** Milliseconds of each of `runs` calls of `once`, after `warmups` unmeasured calls. */
function timeRuns(warmups: number, runs: number, once: () => void): number[] {
  for (let i = 0; i < warmups; i++) once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    once();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

function corpusFiles(): { dir: string; files: string[] } {
  // The full shared corpus when it sits beside the clone; otherwise the curated copy in the fixtures.
  const shared = path.resolve(root, "../shared/corpus/requirements");
  const dir = fs.existsSync(shared) ? shared : path.join(root, "test/fixtures/corpus/requirements");
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(txt|in|pip)$/.test(entry.name)) files.push(full);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return { dir, files: files.sort() };
}

function benchParse(files: string[], runs: number): { mbPerSec: number; bytes: number; p50Ms: number } {
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const reader = createIncludeReader();
  const samples = timeRuns(3, runs, () => {
    for (const file of files) parseRequirementsTree(file, reader, { env: {} });
  });
  const { p50 } = stats(samples);
  return { mbPerSec: bytes / 1e6 / (p50 / 1000), bytes, p50Ms: p50 };
}

function benchPip(files: string[], runs: number, bytes: number): { mbPerSec: number; p50Ms: number } | null {
  const probe = spawnSync("python3", ["-c", "import pip"], { encoding: "utf8" });
  if (probe.status !== 0) return null;
  const result = spawnSync("python3", [path.join(root, "scripts/pipParseBench.py"), String(runs)], {
    input: files.join("\n"),
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.status !== 0) {
    process.stderr.write(`pip benchmark failed: ${result.stderr}\n`);
    return null;
  }
  const { seconds } = JSON.parse(result.stdout) as { seconds: number[] };
  const p50 = stats(seconds.map((s) => s * 1000)).p50;
  return { mbPerSec: bytes / 1e6 / (p50 / 1000), p50Ms: p50 };
}

function benchLargeFile(runs: number): { p50Ms: number; p95Ms: number; lines: number } {
  const file = path.join(root, "test/fixtures/bench/home-assistant/requirements_all.txt");
  const reader = createIncludeReader();
  const text = fs.readFileSync(file, "utf8");
  // As in the server: the edited file is parsed every time, unchanged included files come from the cache.
  const cache: ParseCache = new Map();
  const samples = timeRuns(20, runs, () => {
    analyzeFile(parseRequirementsTree(file, reader, { env: {}, rootText: text, cache }), file);
  });
  const { p50, p95 } = stats(samples);
  return { p50Ms: p50, p95Ms: p95, lines: text.split("\n").length };
}

async function serverIdleRss(): Promise<number | null> {
  const server = path.join(root, "dist/server.js");
  if (!fs.existsSync(server)) return null;
  const child = spawn(process.execPath, [server, "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { processId: process.pid, rootUri: null, capabilities: {} },
  });
  child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  let rssKb: number | null = null;
  try {
    const status = fs.readFileSync(`/proc/${child.pid}/status`, "utf8");
    const match = /VmRSS:\s+(\d+)/.exec(status);
    rssKb = match ? Number(match[1]) : null;
  } catch {
    rssKb = null;
  }
  child.kill();
  return rssKb === null ? null : rssKb / 1024;
}

/**
 * Bytes a tool transfers per package: the Simple API JSON page we fetch against the `/pypi/<name>/json`
 * document a JSON-API-based tool would fetch, for the recorded full PyPI responses of the same packages
 * (raw and gzip-compressed, as sent over the wire).
 */
interface EconomyRow {
  name: string;
  simpleJson: number;
  simpleJsonGzip: number;
  jsonApi: number;
  jsonApiGzip: number;
}

function benchEconomy(): { packages: EconomyRow[]; ratioGzip: number } {
  const dir = path.join(root, "test/fixtures/pypi/micropip/pypi_response");
  const packages: EconomyRow[] = [];
  for (const name of ["black", "numpy", "pytest", "pytz", "snowballstemmer", "xo-gd"]) {
    const simple = fs.readFileSync(path.join(dir, `${name}_simple.json`));
    const api = fs.readFileSync(path.join(dir, `${name}_json.json`));
    packages.push({
      name,
      simpleJson: simple.length,
      simpleJsonGzip: gzipSync(simple).length,
      jsonApi: api.length,
      jsonApiGzip: gzipSync(api).length,
    });
  }
  const sum = (key: "simpleJsonGzip" | "jsonApiGzip") => packages.reduce((n, p) => n + p[key], 0);
  return { packages, ratioGzip: sum("jsonApiGzip") / sum("simpleJsonGzip") };
}

interface ColdResult {
  packages: number;
  latencyMs: number;
  concurrency: number;
  ms: number;
  boundMs: number;
  ratioToBound: number;
  requests: number;
  distinctPackages: number;
  warmRequests: number;
  revalidateRequests: number;
  revalidate304: number;
  byConcurrency: { concurrency: number; ms: number; boundMs: number; ratio: number }[];
}

/**
 * Cold start against a slow index: 100 distinct packages from the fixture index with 50 ms added to
 * every response, through the product's HTTP client and index client (bundled code). Then a warm disk
 * cache inside the freshness window (no requests expected) and after it (only 304s expected).
 */
async function benchColdIndex(quickRun: boolean): Promise<ColdResult> {
  const latencyMs = 50;
  const packages = 100;
  const names = Array.from({ length: packages }, (_, i) => `bench-package-${i}`);
  const index = await startFixtureIndex({ latencyMs });
  for (const name of names) index.addProject(name, syntheticProject(name));
  const run = async (concurrency: number, cacheDir: string, now: () => number = Date.now) => {
    const http = createHttpClient({ userAgent: "pinsight-bench", concurrencyPerHost: concurrency });
    const client = new IndexClient({ fetch: http.fetch, store: new DiskCache({ directory: cacheDir }), now });
    const service = new IndexService(client, {
      onData: () => undefined,
      onStatus: () => undefined,
      log: () => undefined,
    });
    index.resetLog();
    const start = performance.now();
    service.prefetch(
      [{ url: index.simpleUrl, display: index.simpleUrl, role: "primary", source: "bench", isPrivate: true }],
      names,
    );
    await service.idle();
    const ms = performance.now() - start;
    service.dispose();
    await http.close();
    return { ms, requests: index.requests.length, notModified: index.requests.filter((r) => r.status === 304).length };
  };
  try {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pinsight-bench-cache-"));
    const byConcurrency = [];
    for (const concurrency of quickRun ? [8] : [4, 8, 16, 32]) {
      const samples: number[] = [];
      for (let i = 0; i < (quickRun ? 1 : 3); i++) {
        samples.push((await run(concurrency, fs.mkdtempSync(path.join(tmp, `c${concurrency}-`)))).ms);
      }
      const boundMs = Math.ceil(packages / concurrency) * latencyMs;
      const ms = stats(samples).p50;
      byConcurrency.push({ concurrency, ms, boundMs, ratio: ms / boundMs });
    }
    const shared = path.join(tmp, "shared");
    const cold = await run(8, shared);
    const warm = await run(8, shared);
    const later = await run(8, shared, () => Date.now() + 11 * 60_000);
    fs.rmSync(tmp, { recursive: true, force: true });
    const boundMs = Math.ceil(packages / 8) * latencyMs;
    return {
      packages,
      latencyMs,
      concurrency: 8,
      ms: cold.ms,
      boundMs,
      ratioToBound: cold.ms / boundMs,
      requests: cold.requests,
      distinctPackages: packages,
      warmRequests: warm.requests,
      revalidateRequests: later.requests,
      revalidate304: later.notModified,
      byConcurrency,
    };
  } finally {
    await index.close();
  }
}

interface LockParseRow {
  format: string;
  files: number;
  bytes: number;
  mbPerSec: number;
  pythonMbPerSec: number | null;
  ratioVsPython: number | null;
}

/**
 * Lock-file parsing speed per format on the corpus (ours: parse with spans into the lock model),
 * against Python's own `tomllib`/`json` on the same files in the same run.
 */
function benchLockParsing(runs: number): LockParseRow[] {
  const corpus = fs.existsSync(path.resolve(root, "../shared/corpus"))
    ? path.resolve(root, "../shared/corpus")
    : path.join(root, "test/fixtures/corpus");
  const byFormat = new Map<LockFormat, { file: string; text: string }[]>();
  for (const dir of ["poetry", "pipenv", "uv", "pdm", "pylock"]) {
    const full = path.join(corpus, dir);
    if (!fs.existsSync(full)) continue;
    for (const name of fs.readdirSync(full)) {
      const file = path.join(full, name);
      const text = fs.readFileSync(file, "utf8");
      const format = lockFormatOf(name, text);
      if (format === null || format === "pyproject.toml" || format === "Pipfile" || format === "pip-compile") continue;
      const list = byFormat.get(format) ?? [];
      list.push({ file, text });
      byFormat.set(format, list);
    }
  }
  const python = spawnSync("python3", [path.join(root, "scripts/lockParseBench.py"), String(Math.max(2, runs))], {
    input: [...byFormat].flatMap(([format, files]) => files.map((f) => `${format}\t${f.file}`)).join("\n"),
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  const pythonTimes =
    python.status === 0 ? (JSON.parse(python.stdout) as Record<string, { bytes: number; seconds: number[] }>) : {};
  const rows: LockParseRow[] = [];
  for (const [format, files] of byFormat) {
    const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
    const p50 = stats(timeRuns(1, runs, () => files.forEach((f) => parseLock(format, f.text)))).p50;
    const mbPerSec = bytes / 1e6 / (p50 / 1000);
    const theirs = pythonTimes[format];
    const pythonMbPerSec = theirs ? theirs.bytes / 1e6 / (stats(theirs.seconds.map((s) => s * 1000)).p50 / 1000) : null;
    rows.push({
      format,
      files: files.length,
      bytes,
      mbPerSec,
      pythonMbPerSec,
      ratioVsPython: pythonMbPerSec ? mbPerSec / pythonMbPerSec : null,
    });
  }
  return rows;
}

interface EditorResult {
  file: string;
  coldMs: number;
  warmMs: number;
  latencyMs: number;
}

/**
 * First diagnostics through the real server over stdio, as an editor sees them: open
 * `examples/web-app/requirements.txt` with the fixture index at 50 ms per request and an empty cache
 * (until the index-backed `yanked` finding arrives), then again with a fresh server on the warm cache.
 */
async function benchFirstDiagnostics(): Promise<EditorResult> {
  const latencyMs = 50;
  const index = await startFixtureIndex({ latencyMs });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "pinsight-bench-editor-"));
  const file = path.join(root, "examples/web-app/requirements.txt");
  const text = fs.readFileSync(file, "utf8");
  const once = async (): Promise<number> => {
    const child = spawn(process.execPath, [path.join(root, "dist/server.js"), "--stdio"], {
      stdio: ["pipe", "pipe", "ignore"],
      env: {
        PATH: process.env["PATH"] ?? "",
        HOME: home,
        XDG_CACHE_HOME: path.join(home, ".cache"),
        XDG_CONFIG_HOME: path.join(home, ".config"),
        PIP_CONFIG_FILE: os.devNull,
        PIP_INDEX_URL: index.simpleUrl,
      },
    });
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout as NodeJS.ReadableStream),
      new StreamMessageWriter(child.stdin as NodeJS.WritableStream),
    );
    const uri = `file://${file}`;
    let opened = 0;
    const done = new Promise<number>((resolve) => {
      connection.onNotification(
        "textDocument/publishDiagnostics",
        (params: { uri: string; diagnostics: { code?: string }[] }) => {
          if (params.uri === uri && params.diagnostics.some((d) => d.code === "yanked"))
            resolve(performance.now() - opened);
        },
      );
    });
    connection.onRequest("workspace/configuration", (params: { items: unknown[] }) => params.items.map(() => ({})));
    connection.listen();
    await connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: `file://${path.dirname(file)}`,
      capabilities: { workspace: { configuration: true } },
    });
    await connection.sendNotification("initialized", {});
    opened = performance.now();
    await connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "pip-requirements", version: 1, text },
    });
    const ms = await Promise.race([done, new Promise<number>((resolve) => setTimeout(() => resolve(NaN), 20_000))]);
    await connection.sendRequest("shutdown").catch(() => undefined);
    connection.dispose();
    child.kill();
    return ms;
  };
  try {
    const coldMs = await once();
    const warmMs = await once();
    return { file: path.relative(root, file), coldMs, warmMs, latencyMs };
  } finally {
    await index.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

interface IntelligenceResult {
  requirements: number;
  releasesPerPackage: number;
  diagnosticsWarm: { p50Ms: number; p95Ms: number };
  hoverWarm: { p50Ms: number; p95Ms: number };
  bisect: { packages: number; maxRequests: number; bound: number; totalRequests: number; meanRequests: number };
}

/**
 * Dependency intelligence on a warm cache: a 200-requirement file (unpinned, ranged and pinned lines)
 * over packages of 40 releases each whose classifiers drop Python 2.7 at a different release, analysed
 * for Python 2.7 and 3.12 — the server's analysis time per run (parse, index findings, resolution,
 * support, fixes) and a hover; and the per-version requests the support bisection made per package.
 */
async function benchIntelligence(quickRun: boolean): Promise<IntelligenceResult> {
  const count = 200;
  const releases = 40;
  const versions = Array.from({ length: releases }, (_, i) => `${1 + Math.floor(i / 10)}.${i % 10}.0`);
  const index = await startFixtureIndex();
  const names = Array.from({ length: count }, (_, i) => `intel-package-${i}`);
  names.forEach((name, i) => {
    const dropAt = 1 + ((i * 7) % (releases - 1));
    const project = syntheticProject(name, versions);
    const versionJson: Record<string, string> = {};
    versions.forEach((version, v) => {
      const classifiers =
        v < dropAt
          ? ["Programming Language :: Python :: 2.7", "Programming Language :: Python :: 3"]
          : ["Programming Language :: Python :: 3 :: Only"];
      versionJson[version] = JSON.stringify({ info: { name, version, classifiers, requires_dist: null } });
    });
    index.addProject(name, {
      // Universal wheels, so only the classifiers tell where 2.7 support stops.
      files: project.files.map((f) => ({
        ...f,
        filename: f.filename.replace("-py3-none-any", "-py2.py3-none-any"),
        requiresPython: null,
      })),
      versionJson,
    });
  });
  const http = createHttpClient({ userAgent: "pinsight-bench", concurrencyPerHost: 8 });
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), "pinsight-bench-intel-"));
  const client = new IndexClient({ fetch: http.fetch, store: new DiskCache({ directory: cacheDir }) });
  const service = new IndexService(client, {
    onData: () => undefined,
    onStatus: () => undefined,
    log: () => undefined,
  });
  const indexes = [
    { url: index.simpleUrl, display: index.simpleUrl, role: "primary" as const, source: "bench", isPrivate: true },
  ];
  const text = names
    .map((name, i) => (i % 3 === 0 ? name : i % 3 === 1 ? `${name}>=1.0,<5` : `${name}==1.${i % 10}.0`))
    .join("\n");
  const file = "/bench/requirements.txt";
  const reader = { resolve: (_: string, t: string) => t, read: () => ({ kind: "text" as const, text }) };
  const targets = { versions: ["2.7", "3.12"], source: "bench" };
  const analyse = (): { tree: ReturnType<typeof parseRequirementsTree>; findings: number } => {
    const tree = parseRequirementsTree(file, reader);
    const snapshot = service.snapshot(indexes);
    const raw = [...analyzeFile(tree, file), ...indexFindings(tree.requirements, snapshot)];
    return { tree, findings: dependencyFindings(raw, tree, file, snapshot, { targets }).length };
  };
  try {
    service.prefetch(indexes, names);
    await service.idle();
    for (let pass = 0; pass < 4; pass++) {
      analyse();
      await service.idle();
    }
    const perPackage = names.map((name) => index.requests.filter((r) => r.path.startsWith(`/pypi/${name}/`)).length);
    const bound = Math.ceil(Math.log2(releases)) + 2;
    const runs = quickRun ? 10 : 60;
    const diagnostics = stats(timeRuns(3, runs, () => void analyse()));
    const { tree } = analyse();
    const parsed = tree.files[file];
    const snapshot = service.snapshot(indexes);
    const offset = text.indexOf(names[1] ?? "") + 2;
    const hover = stats(
      timeRuns(3, runs * 5, () => {
        if (parsed) hoverAt(parsed, offset, { index: snapshot, tree, targets });
      }),
    );
    const total = perPackage.reduce((a, b) => a + b, 0);
    return {
      requirements: count,
      releasesPerPackage: releases,
      diagnosticsWarm: { p50Ms: diagnostics.p50, p95Ms: diagnostics.p95 },
      hoverWarm: { p50Ms: hover.p50, p95Ms: hover.p95 },
      bisect: {
        packages: count,
        maxRequests: Math.max(...perPackage),
        bound: bound * targets.versions.length,
        totalRequests: total,
        meanRequests: total / count,
      },
    };
  } finally {
    service.dispose();
    await http.close();
    await index.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

function coldRows(cold: ColdResult): [string, string][] {
  return [
    [
      `cold: ${cold.packages} packages, ${cold.latencyMs} ms latency, concurrency ${cold.concurrency}`,
      `${cold.ms.toFixed(0)} ms (bound ${cold.boundMs} ms, ratio ${cold.ratioToBound.toFixed(2)}, target ≤ 1.3)`,
    ],
    ["cold: requests / distinct packages", `${cold.requests} / ${cold.distinctPackages}`],
    ["warm disk cache, inside freshness: requests", String(cold.warmRequests)],
    ["warm disk cache, after freshness: requests (304s)", `${cold.revalidateRequests} (${cold.revalidate304})`],
    ...cold.byConcurrency.map((c): [string, string] => [
      `cold at concurrency ${c.concurrency}`,
      `${c.ms.toFixed(0)} ms (bound ${c.boundMs} ms, ratio ${c.ratio.toFixed(2)})`,
    ]),
  ];
}

async function main(): Promise<void> {
  const runs = quick ? 5 : 30;
  const { dir, files } = corpusFiles();
  const ours = benchParse(files, runs);
  const pip = benchPip(files, quick ? 2 : 5, ours.bytes);
  const large = benchLargeFile(quick ? 50 : 500);
  const rss = await serverIdleRss();
  const economy = benchEconomy();
  const cold = await benchColdIndex(quick);
  const intelligence = await benchIntelligence(quick);
  const editor = await benchFirstDiagnostics();
  const locks = benchLockParsing(quick ? 2 : 10);
  const lsp = await benchLsp({ quick, root });
  const results = {
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "unknown", node: process.version, quick },
    parse: {
      corpus: path.relative(root, dir),
      files: files.length,
      bytes: ours.bytes,
      p50Ms: ours.p50Ms,
      mbPerSec: ours.mbPerSec,
      pipMbPerSec: pip?.mbPerSec ?? null,
      pipP50Ms: pip?.p50Ms ?? null,
      ratioVsPip: pip ? ours.mbPerSec / pip.mbPerSec : null,
    },
    analyzeLarge: {
      file: "home-assistant requirements_all.txt",
      lines: large.lines,
      p50Ms: large.p50Ms,
      p95Ms: large.p95Ms,
    },
    memory: {
      serverIdleRssMb: rss,
      rssAfterLargeMb: lsp.memory.rssAfterLargeMb,
      rssAfter200DocsMb: lsp.memory.rssAfter200DocsMb,
      diskCacheBytesPer1000Packages: lsp.diskCacheBytesPer1000Packages,
    },
    lsp,
    economy,
    cold,
    intelligence,
    editor,
    locks: Object.fromEntries(locks.map((row) => [row.format, row])),
  };
  fs.mkdirSync(path.join(root, "bench"), { recursive: true });
  fs.writeFileSync(path.join(root, "bench/results.json"), `${JSON.stringify(results, null, 2)}\n`);
  const f = (n: number | null, digits = 2): string => (n === null ? "n/a" : n.toFixed(digits));
  const rows: [string, string][] = [
    ["machine", `${results.machine.cpus} × ${results.machine.cpu}, Node ${results.machine.node}`],
    [
      `parse corpus (${files.length} files, ${(ours.bytes / 1e6).toFixed(2)} MB) p50`,
      `${f(ours.p50Ms)} ms = ${f(ours.mbPerSec)} MB/s`,
    ],
    [
      "pip parse_requirements, same files, p50",
      pip ? `${f(pip.p50Ms)} ms = ${f(pip.mbPerSec)} MB/s` : "n/a (no python3 with pip)",
    ],
    ["ratio vs pip (target ≥ 20×)", results.parse.ratioVsPip === null ? "n/a" : `${f(results.parse.ratioVsPip, 1)}×`],
    [`parse + analyse ${large.lines}-line file (target < 5 ms)`, `p50 ${f(large.p50Ms)} ms, p95 ${f(large.p95Ms)} ms`],
    ["server idle RSS", rss === null ? "n/a" : `${f(rss, 1)} MB`],
    ...economy.packages.map((p): [string, string] => [
      `bytes per package: ${p.name}`,
      `simple JSON ${(p.simpleJson / 1024).toFixed(0)} KiB (gzip ${(p.simpleJsonGzip / 1024).toFixed(0)}) vs JSON API ${(p.jsonApi / 1024).toFixed(0)} KiB (gzip ${(p.jsonApiGzip / 1024).toFixed(0)})`,
    ]),
    ["JSON API / simple JSON bytes (gzip, all six)", `${f(economy.ratioGzip)}×`],
    ...coldRows(cold),
    [
      `diagnostics, ${intelligence.requirements} requirements × 2 targets, warm (target < 50 ms)`,
      `p50 ${f(intelligence.diagnosticsWarm.p50Ms)} ms, p95 ${f(intelligence.diagnosticsWarm.p95Ms)} ms`,
    ],
    [
      `first diagnostics from the index, ${editor.file}, ${editor.latencyMs} ms latency: cold cache (target < 1 s)`,
      `${f(editor.coldMs, 0)} ms`,
    ],
    ["first diagnostics, warm cache, fresh server (target < 150 ms)", `${f(editor.warmMs, 0)} ms`],
    [
      `LSP over stdio, ${lsp.lines}-line file, warm cache: didOpen → index diagnostics (target p50 < 100 ms)`,
      `p50 ${f(lsp.didOpenWarm.p50Ms, 0)} ms, p95 ${f(lsp.didOpenWarm.p95Ms, 0)} ms`,
    ],
    [
      "LSP didOpen sent right after initialize (start-up work not yet done) → index diagnostics",
      `p50 ${f(lsp.didOpenAtStart.p50Ms, 0)} ms, p95 ${f(lsp.didOpenAtStart.p95Ms, 0)} ms`,
    ],
    [
      "LSP didOpen → every index finding (the analysis runs in slices)",
      `p50 ${f(lsp.didOpenComplete.p50Ms, 0)} ms, p95 ${f(lsp.didOpenComplete.p95Ms, 0)} ms`,
    ],
    [
      "LSP didChange of one line → diagnostics, edits 20 ms apart (target p95 < 10 ms)",
      `p50 ${f(lsp.didChange.p50Ms, 1)} ms, p95 ${f(lsp.didChange.p95Ms, 1)} ms (in the server: p50 ${f(lsp.didChange.serverP50Ms, 1)} ms, p95 ${f(lsp.didChange.serverP95Ms, 1)} ms)`,
    ],
    [
      "LSP didChange, each edit sent as the previous diagnostics arrive",
      `p50 ${f(lsp.didChangeBackToBack.p50Ms, 1)} ms, p95 ${f(lsp.didChangeBackToBack.p95Ms, 1)} ms`,
    ],
    ["LSP hover (target p95 < 5 ms)", `p50 ${f(lsp.hover.p50Ms)} ms, p95 ${f(lsp.hover.p95Ms)} ms`],
    ["LSP code action (target p95 < 5 ms)", `p50 ${f(lsp.codeAction.p50Ms)} ms, p95 ${f(lsp.codeAction.p95Ms)} ms`],
    [
      "server event-loop delay over the LSP run (target max < 50 ms)",
      `max ${f(lsp.eventLoop.maxDelayMs, 0)} ms, p99 ${f(lsp.eventLoop.p99DelayMs, 0)} ms`,
    ],
    [
      "server RSS: idle / after the large file / after 200 documents",
      `${f(lsp.memory.rssIdleMb, 1)} / ${f(lsp.memory.rssAfterLargeMb, 1)} / ${Number.isNaN(lsp.memory.rssAfter200DocsMb) ? "n/a (full run only)" : f(lsp.memory.rssAfter200DocsMb, 1)} MB`,
    ],
    ["disk cache per 1,000 packages", `${(lsp.diskCacheBytesPer1000Packages / 1024 / 1024).toFixed(1)} MiB`],
    ...lsp.scaling.map((row): [string, string] => [
      `scaling: ${row.requirements} requirements, warm didOpen → first / all index findings, didChange`,
      `${f(row.didOpenWarmMs, 0)} / ${f(row.didOpenCompleteMs, 0)} ms, ${f(row.didChangeMs, 1)} ms`,
    ]),
    ...locks.map((row): [string, string] => [
      `lock parsing: ${row.format} (${row.files} files, ${(row.bytes / 1e6).toFixed(2)} MB)`,
      `${f(row.mbPerSec)} MB/s; Python ${row.format === "Pipfile.lock" ? "json" : "tomllib"} ${row.pythonMbPerSec === null ? "n/a" : `${f(row.pythonMbPerSec)} MB/s (ratio ${f(row.ratioVsPython)})`}`,
    ]),
    [
      "hover with resolution and timeline, warm (target < 5 ms)",
      `p50 ${f(intelligence.hoverWarm.p50Ms, 3)} ms, p95 ${f(intelligence.hoverWarm.p95Ms, 3)} ms`,
    ],
    [
      `support bisection, ${intelligence.releasesPerPackage} releases, 2 targets: per-version requests per package`,
      `max ${intelligence.bisect.maxRequests} (bound ${intelligence.bisect.bound} = 2 × (⌈log2 ${intelligence.releasesPerPackage}⌉ + 2)), mean ${f(intelligence.bisect.meanRequests, 1)}`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [key, value] of rows) process.stdout.write(`${key.padEnd(width)}  ${value}\n`);
}

if (process.argv.includes("--locks-only")) console.log(JSON.stringify(benchLockParsing(5), null, 1));
else if (process.argv.includes("--editor-only"))
  void benchFirstDiagnostics().then((r) => console.log(JSON.stringify(r)));
else if (process.argv.includes("--lsp-only"))
  void benchLsp({ quick, root: process.cwd() }).then((r) => console.log(JSON.stringify(r, null, 1)));
else if (process.argv.includes("--intelligence-only"))
  void benchIntelligence(false).then((r) => console.log(JSON.stringify(r)));
else void main();

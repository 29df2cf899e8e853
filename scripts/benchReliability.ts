/**
 * Reliability benchmark: every fault of the fixture index and a long load, through the real server
 * (`dist/server.js`, so run `npm run build` first). Prints two tables and writes `bench/reliability.json`.
 *
 *     npx tsx scripts/benchReliability.ts            # the full run (about 6 minutes)
 *     npx tsx scripts/benchReliability.ts --quick    # a scaled-down run (about a minute)
 *
 * Faults run one at a time against a fresh server each, with `pinsight.index.timeoutSeconds: 1` (the
 * setting's minimum), the product's HTTP retries (3 attempts, 300 ms then 900 ms apart) and a 3 s
 * back-off before a failed lookup is retried (the product waits 30 s; `--product-timings` uses 10 s
 * and 30 s, and then a run takes much longer). For each fault: what the new document showed, the
 * requests the index received until `index-unreachable` appeared and over the whole fault window,
 * hover and code action latency on cached data meanwhile, and the time from the index healing to
 * real findings, with no edit, refresh or restart (except after a one-hour Retry-After, where the
 * recovery is timed from Refresh Index Data).
 *
 * The load opens 200 documents over two indexes and applies 10,000 edits over 60 s (`--quick`: 1,000
 * over 10 s), once with pull diagnostics (VS Code) and once with push diagnostics (Neovim), sampling
 * the server's RSS every 2 s and timing a hover, a code action and a completion beside the edits.
 * Then the server is killed and restarted on its cache, and the time to diagnostics is taken.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startFixtureIndex, syntheticProject, type FixtureIndex } from "../test/support/fixtureIndex";
import {
  faultMatrix,
  openDocument,
  quiet,
  runFault,
  runLoad,
  type FaultOptions,
  type FaultResult,
  type LoadResult,
  type Percentiles,
} from "../test/support/reliability";
import { tempDir } from "../test/support/tempDirs";
import { isolatedEnv, serverPath, startClient } from "../test/server/lspClient";

export interface RestartResult {
  readonly packages: number;
  /** From SIGKILL to the new server's first diagnostics with index findings, on the same cache. */
  readonly killToDiagnosticsMs: number;
  /** Index requests the restarted server made (0 when everything came from the disk cache). */
  readonly requestsAfterRestart: number;
}

export interface ReliabilityResult {
  readonly generatedAt: string;
  readonly node: string;
  readonly cpus: number;
  readonly loadAverage: readonly number[];
  readonly quick: boolean;
  readonly faultOptions: FaultOptions & { readonly httpRetryDelaysMs: readonly number[] };
  readonly faults: readonly Omit<FaultResult, "stderr">[];
  readonly load: readonly Omit<LoadResult, "stderr">[];
  readonly restart: RestartResult;
  /** Anything a server wrote to stderr (an unhandled rejection would show here). */
  readonly stderr: readonly string[];
}

function ms(value: number): string {
  return Number.isFinite(value) ? `${Math.round(value)}` : "—";
}

function p(figures: Percentiles): string {
  return `${figures.p50Ms.toFixed(1)} / ${figures.p95Ms.toFixed(1)}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.map(line)].join("\n");
}

async function benchRestart(index: FixtureIndex): Promise<RestartResult> {
  const names = Array.from({ length: 100 }, (_, i) => `restart-pkg-${i}`);
  for (const name of names) index.addProject(name, syntheticProject(name));
  const storage = tempDir("pinsight-bench-restart-");
  const dir = tempDir("pinsight-bench-restart-ws-");
  const file = path.join(dir, "requirements.txt");
  const text = `${names.map((name) => `${name}==1.0.0`).join("\n")}\n`;
  const env = isolatedEnv({ PIP_INDEX_URL: index.simpleUrl });
  const complete = (diagnostics: readonly { code?: unknown }[]) =>
    diagnostics.filter((d) => d.code === "outdated").length === names.length;
  const first = await startClient(dir, { textDocument: {} }, { globalStoragePath: storage }, env);
  const uri = await openDocument(first, file, text);
  await first.waitForDiagnostics(uri, (params) => complete(params.diagnostics), 60_000);
  await quiet(index, 300, 10_000);
  const killedAt = performance.now();
  first.process.kill("SIGKILL");
  await new Promise((resolve) => first.process.once("exit", resolve));
  first.connection.dispose();
  const before = index.received();
  const second = await startClient(dir, { textDocument: {} }, { globalStoragePath: storage }, env);
  try {
    const reopened = await openDocument(second, file, text);
    await second.waitForDiagnostics(reopened, (params) => complete(params.diagnostics), 60_000);
    return {
      packages: names.length,
      killToDiagnosticsMs: performance.now() - killedAt,
      requestsAfterRestart: index.received() - before,
    };
  } finally {
    await second.stop();
  }
}

export async function benchReliability(options: {
  readonly quick: boolean;
  readonly productTimings: boolean;
}): Promise<ReliabilityResult> {
  if (!fs.existsSync(serverPath)) throw new Error(`${serverPath} is missing: run npm run build first`);
  const faultOptions: FaultOptions = {
    timeoutSeconds: options.productTimings ? 10 : 1,
    backoffMs: options.productTimings ? 30_000 : 3000,
    holdMs: options.quick ? 1000 : 3000,
    newPackages: options.quick ? 6 : 20,
    waitMs: options.productTimings ? 600_000 : 120_000,
  };
  const stderr: string[] = [];
  const faults: Omit<FaultResult, "stderr">[] = [];
  for (const fault of faultMatrix()) {
    const index = await startFixtureIndex();
    try {
      process.stderr.write(`fault: ${fault.name}\n`);
      const { stderr: text, ...result } = await runFault(index, fault, faultOptions);
      if (text.trim() !== "") stderr.push(`${fault.name}: ${text}`);
      faults.push(result);
    } finally {
      await index.close();
    }
  }

  const primary = await startFixtureIndex();
  const extra = await startFixtureIndex();
  const load: Omit<LoadResult, "stderr">[] = [];
  try {
    for (const mode of ["pull", "push"] as const) {
      process.stderr.write(`load: ${mode}\n`);
      const { stderr: text, ...result } = await runLoad(primary, extra, {
        documents: 200,
        edits: options.quick ? 1000 : 10_000,
        durationMs: options.quick ? 10_000 : 60_000,
        distinctPackages: 300,
        packagesPerDocument: 15,
        rssEveryMs: 2000,
        probeEvery: 20,
        mode,
      });
      if (text.trim() !== "") stderr.push(`load ${mode}: ${text}`);
      load.push(result);
    }
    process.stderr.write("restart\n");
    const restart = await benchRestart(primary);
    return {
      generatedAt: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg(),
      quick: options.quick,
      faultOptions: { ...faultOptions, httpRetryDelaysMs: [300, 900] },
      faults,
      load,
      restart,
      stderr,
    };
  } finally {
    await primary.close();
    await extra.close();
  }
}

export function printReliability(result: ReliabilityResult): void {
  const o = result.faultOptions;
  console.log(
    `\nFaults (timeout ${o.timeoutSeconds} s, HTTP retries after ${o.httpRetryDelaysMs.join(" and ")} ms, ` +
      `back-off ${o.backoffMs / 1000} s, ${o.newPackages} uncached packages + black and pytz revalidated)\n`,
  );
  console.log(
    table(
      [
        "fault",
        "behaviour",
        "requests to report / in window",
        "reported after ms",
        "hover p50 / p95 ms",
        "code action p50 / p95 ms",
        "time to recover ms",
        "RSS peak MB",
      ],
      result.faults.map((f) => [
        f.fault,
        `${f.behaviour.slice(0, 70)}${f.unreachableDiagnostics === 1 && f.falseUnknown === 0 ? "" : ` (unreachable ×${f.unreachableDiagnostics}, false unknown ×${f.falseUnknown})`}`,
        `${f.requestsUntilReported} / ${f.requestsDuringFault}${f.requestsDuringFault === 0 ? ` (${f.attemptsDuringFault} refused)` : ""}`,
        ms(f.timeToReportMs),
        p(f.hover),
        p(f.codeAction),
        `${ms(f.recoverMs)}${f.fault.includes("3600") ? " (after Refresh)" : ""}`,
        ms(f.rssPeakMb),
      ]),
    ),
  );
  console.log("\nLoad (200 documents over two indexes, 300 distinct packages)\n");
  console.log(
    table(
      [
        "mode",
        "edits / s",
        "page requests (bound)",
        "repeated requests",
        "JSON API requests",
        "hover p50 / p95 ms",
        "code action p50 / p95 ms",
        "completion p50 / p95 ms",
        "edit → diagnostics p50 / p95 ms",
        "pushes",
        "RSS start / peak / end MB",
      ],
      result.load.map((l) => [
        l.mode,
        `${l.edits} in ${(l.durationMs / 1000).toFixed(0)} s (${Math.round(l.editsPerSecond)}/s)`,
        `${l.pageRequests} (${l.pageRequestBound})`,
        String(l.repeatedRequests),
        String(l.jsonApiRequests),
        p(l.hover),
        p(l.codeAction),
        p(l.completion),
        p(l.editToDiagnostics),
        String(l.publishes),
        `${ms(l.rssStartMb)} / ${ms(l.rssPeakMb)} / ${ms(l.rssEndMb)}`,
      ]),
    ),
  );
  for (const l of result.load) {
    console.log(`\nRSS over time (${l.mode}, MB): ${l.rss.map((s) => `${s.atS.toFixed(0)} s ${ms(s.mb)}`).join(", ")}`);
  }
  console.log(
    `\nKilled and restarted on its cache (${result.restart.packages} packages): diagnostics after ` +
      `${ms(result.restart.killToDiagnosticsMs)} ms, ${result.restart.requestsAfterRestart} index requests`,
  );
  if (result.stderr.length > 0) console.log(`\nServer stderr:\n${result.stderr.join("\n")}`);
}

if (require.main === module) {
  const quick = process.argv.includes("--quick");
  const productTimings = process.argv.includes("--product-timings");
  benchReliability({ quick, productTimings }).then(
    (result) => {
      printReliability(result);
      const out = path.resolve(__dirname, "../bench/reliability.json");
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
      console.log(`\nWrote ${path.relative(process.cwd(), out)}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

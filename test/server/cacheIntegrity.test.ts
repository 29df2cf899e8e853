import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Diagnostic, Hover, MarkupContent } from "vscode-languageserver-protocol/node";
import {
  addJunk,
  below,
  damage,
  damageKinds,
  formatTable,
  generator,
  listFiles,
  validEntries,
  type DamageKind,
  type DamageRow,
} from "../support/cacheDamage";
import { DiskCache } from "../../server/src/node/diskCache";
import { startFixtureIndex, syntheticProject, type FixtureIndex } from "../support/fixtureIndex";
import { tempDir } from "../support/tempDirs";
import { isolatedEnv, startClient, type TestClient, pushCapabilities } from "./lspClient";

/**
 * Cache integrity through the real server and the real CLI: their disk caches are damaged on disk
 * (every kind of corruption, two entries each), then read again by a server that runs on the same
 * directory and by another CLI run. Every damaged entry must be caught by its checksum, discarded and
 * refetched (exactly one request each, none for intact entries), the diagnostics must equal those of
 * the undamaged run (never an unknown package or "no releases"), and the entries must be valid again.
 * A cache directory that cannot be written, or a disk that refuses writes, must cost only the cache:
 * the server keeps answering from memory and says so once.
 */

const cliPath = path.resolve(__dirname, "../../dist/cli.js");
const seed = 7_2024;
const perKind = 2;
/** Projects of the main file: black (a yanked pin) and synthetic ones. */
const mainNames = ["black", ...Array.from({ length: 18 }, (_, i) => `cache-p${i}`)];
const mainText = ["black==21.11b0", ...mainNames.slice(1).map((n) => `${n}==1.1.0`)].join("\n") + "\n";

/** A root process ignores permission bits, so there a file in the directory's place stands in for read-only. */
const isRoot = process.getuid?.() === 0;

/** Makes a cache directory unwritable, returning how to undo it. */
function makeUnwritable(dir: string): () => void {
  if (isRoot) {
    const aside = `${dir}.aside`;
    fs.renameSync(dir, aside);
    fs.writeFileSync(dir, "a regular file where the cache directory belongs");
    return () => {
      fs.rmSync(dir, { force: true });
      fs.renameSync(aside, dir);
    };
  }
  const dirs = [dir, ...fs.readdirSync(dir).map((d) => path.join(dir, d))].filter((d) => fs.statSync(d).isDirectory());
  for (const d of dirs) fs.chmodSync(d, 0o555);
  return () => {
    for (const d of dirs) fs.chmodSync(d, 0o755);
  };
}

/** `prlimit` caps the file size a running process may write (RLIMIT_FSIZE); Linux only. */
const prlimit = ((): string | null => {
  if (process.platform !== "linux") return null;
  for (const candidate of ["/usr/bin/prlimit", "/bin/prlimit"]) if (fs.existsSync(candidate)) return candidate;
  return null;
})();

const messageOf = (d: Diagnostic): string => (typeof d.message === "string" ? d.message : d.message.value);

const summary = (diagnostics: readonly Diagnostic[]): string[] =>
  diagnostics.map((d) => `${d.range.start.line}:${String(d.code)}`).sort();

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Damages `perKind` entries per kind (pairs for swaps), chosen by the seeded generator. */
async function injectDamage(
  cacheDir: string,
  names: readonly string[],
  keyOf: (name: string) => string,
  random: () => number,
): Promise<Map<string, DamageKind>> {
  const entries = new Map((await validEntries(cacheDir)).map((e) => [e.key, e.file]));
  const pool = [...names];
  const take = (): string => pool.splice(below(random, pool.length), 1)[0] ?? "";
  const fileOf = (name: string): string => {
    const file = entries.get(keyOf(name));
    assert.ok(file, `${name} is cached before the damage`);
    return file;
  };
  const damaged = new Map<string, DamageKind>();
  for (const kind of damageKinds) {
    for (let i = 0; i < perKind; i++) {
      const name = take();
      const partner = kind === "swapped" ? take() : undefined;
      await damage(kind, fileOf(name), random, partner === undefined ? undefined : fileOf(partner));
      damaged.set(name, kind);
      if (partner !== undefined) damaged.set(partner, kind);
    }
  }
  await addJunk(cacheDir, random);
  return damaged;
}

/** Checks refetches and repairs after damage, and adds the outcome to the table. */
async function accountDamage(
  table: Map<string, DamageRow>,
  damaged: ReadonlyMap<string, DamageKind>,
  names: readonly string[],
  index: FixtureIndex,
  cacheDir: string,
  keyOf: (name: string) => string,
  corruptReports: ((basename: string) => number) | null,
): Promise<void> {
  const layout = new DiskCache({ directory: cacheDir });
  const valid = new Set((await validEntries(cacheDir)).map((e) => e.key));
  for (const name of names) {
    const fetches = index.requests.filter((r) => r.path === `/simple/${name}/`).length;
    const kind = damaged.get(name);
    if (kind === undefined) {
      assert.equal(fetches, 0, `${name} is intact on disk and must not be refetched`);
      continue;
    }
    assert.equal(fetches, 1, `the ${kind} entry of ${name} is refetched exactly once`);
    assert.ok(valid.has(keyOf(name)), `the ${kind} entry of ${name} was replaced by a valid one`);
    const row = table.get(kind);
    assert.ok(row);
    row.injected++;
    row.refetched += fetches;
    // The server logs each entry its checksum rejects; a deleted entry can only be a clean miss. The
    // CLI logs nothing, so there the refetch and the repaired entry are the evidence.
    const reports = corruptReports?.(path.basename(layout.fileFor(keyOf(name)))) ?? (kind === "deleted" ? 0 : 1);
    if (reports === (kind === "deleted" ? 0 : 1)) row.detected++;
    else assert.fail(`the ${kind} entry of ${name} was reported ${reports} times`);
  }
}

describe("disk cache integrity through the server and the CLI (fixture index)", function () {
  this.timeout(30_000);
  let index: FixtureIndex;
  const emptyTable = () =>
    new Map<string, DamageRow>(damageKinds.map((kind) => [kind, { injected: 0, detected: 0, refetched: 0 }]));
  const serverTable = emptyTable();
  const cliTable = emptyTable();
  before(async () => {
    index = await startFixtureIndex();
    for (const prefix of ["cache-p", "cache-q", "cache-r"]) {
      for (let i = 0; i < 18; i++) index.addProject(`${prefix}${i}`, syntheticProject(`${prefix}${i}`));
    }
  });
  after(async () => {
    await index.close();
    console.log(formatTable("Server disk cache, damaged while the server runs", serverTable));
    console.log(formatTable("CLI disk cache, damaged between runs", cliTable));
  });
  beforeEach(() => {
    index.setBehaviour({});
    index.resetLog();
  });

  const keyOf = (name: string): string => `simple ${index.simpleUrl}${name}/`;

  function workspace(files: Record<string, string>): string {
    const dir = tempDir("pinsight-cache-ws-");
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  }

  async function open(client: TestClient, file: string): Promise<string> {
    const uri = `file://${file}`;
    await client.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "pip-requirements", version: 1, text: fs.readFileSync(file, "utf8") },
    });
    return uri;
  }

  /**
   * Waits until every name was fetched (and, given a cache directory, has a valid entry on disk) and
   * the diagnostics of `uri` stop changing; returns them.
   */
  async function settle(
    client: TestClient,
    uri: string,
    cacheDir: string | null,
    names: readonly string[],
  ): Promise<Diagnostic[]> {
    await waitFor("index requests", () =>
      names.every((n) => index.requests.some((r) => r.path === `/simple/${n}/` && r.status === 200)),
    );
    if (cacheDir !== null) {
      await waitFor("cache entries", async () => {
        const keys = new Set((await validEntries(cacheDir)).map((e) => e.key));
        return names.every((n) => keys.has(keyOf(n)));
      });
    }
    let last = client.diagnostics.get(uri);
    let since = Date.now();
    await waitFor(`quiet diagnostics for ${uri}`, () => {
      const current = client.diagnostics.get(uri);
      if (current !== last) {
        last = current;
        since = Date.now();
      }
      return current !== undefined && Date.now() - since >= 150;
    });
    return last?.diagnostics ?? [];
  }

  async function hover(client: TestClient, uri: string, line: number): Promise<string> {
    const result = (await client.connection.sendRequest("textDocument/hover", {
      textDocument: { uri },
      position: { line, character: 2 },
    })) as Hover | null;
    return (result?.contents as MarkupContent | undefined)?.value ?? "";
  }

  it("catches every damaged entry while the server runs, refetches it and shows the same diagnostics", async () => {
    const storage = tempDir("pinsight-cache-storage-");
    const cacheDir = path.join(storage, "index-cache");
    const dir = workspace({ "requirements.txt": mainText });
    const file = path.join(dir, "requirements.txt");
    const env = isolatedEnv({ PIP_INDEX_URL: index.simpleUrl });

    const first = await startClient(dir, pushCapabilities, { globalStoragePath: storage }, env);
    let baseline: string[];
    try {
      const uri = await open(first, file);
      baseline = summary(await settle(first, uri, cacheDir, mainNames));
      assert.ok(baseline.includes("0:yanked"), baseline.join(", "));
    } finally {
      await first.stop();
    }

    // The second server runs on the same cache; its memory is empty, so opening the file reads every
    // entry from disk, after they were damaged under it.
    // The first server left a pack of the entries it used (written at shutdown), which would answer
    // the second server's reads without opening the damaged files. This test is about the entry files;
    // a damaged pack has its own tests (unit tests of the pack, and the next test).
    assert.ok(fs.existsSync(path.join(cacheDir, "pack", "recent.pack")), "the first server packed its entries");
    fs.rmSync(path.join(cacheDir, "pack"), { recursive: true, force: true });
    const second = await startClient(dir, pushCapabilities, { globalStoragePath: storage }, env);
    try {
      const damaged = await injectDamage(cacheDir, mainNames, keyOf, generator(seed));
      index.resetLog();
      const uri = await open(second, file);
      await settle(second, uri, cacheDir, [...damaged.keys()]);
      // Diagnostics that depend on later metadata may still arrive; they must end where they were.
      await waitFor("the diagnostics of the undamaged run", () => {
        const now = summary(second.diagnostics.get(uri)?.diagnostics ?? []);
        return JSON.stringify(now) === JSON.stringify(baseline);
      }).catch(() => undefined);
      const diagnostics = second.diagnostics.get(uri)?.diagnostics ?? [];
      assert.deepEqual(summary(diagnostics), baseline, "the same diagnostics as before the damage");
      assert.ok(!diagnostics.some((d) => d.code === "unknown-package" || /no releases/i.test(messageOf(d))));
      await accountDamage(
        serverTable,
        damaged,
        mainNames,
        index,
        cacheDir,
        keyOf,
        (basename) => second.logs.filter((l) => l === `discarding corrupt cache entry ${basename}`).length,
      );
      assert.equal(
        second.logs.filter((l) => /discarding corrupt cache entry/.test(l)).length,
        [...damaged.values()].filter((k) => k !== "deleted").length,
        "no false alarm from junk or intact entries",
      );
      assert.ok(!second.logs.some((l) => /cannot write the cache|malformed/.test(l)), second.logs.join("\n"));
      assert.match(await hover(second, uri, 0), /Latest release: `\d+/);

      // Now the cache directory becomes unwritable while the server runs: new projects still come from
      // the index, answers stay in memory, and the failure is logged once, not once per write.
      const undo = makeUnwritable(cacheDir);
      try {
        const names = Array.from({ length: 6 }, (_, n) => `cache-q${n}`);
        const more = path.join(dir, "more.txt");
        fs.writeFileSync(more, names.map((n) => `${n}==1.0.0`).join("\n") + "\n");
        const moreUri = await open(second, more);
        const found = await settle(second, moreUri, null, names);
        assert.ok(!found.some((d) => d.code === "unknown-package" || d.code === "index-unreachable"));
        assert.match(await hover(second, moreUri, 0), /Latest release: `2\.0\.0`/, "answered from memory");
        const warnings = second.logs.filter((l) => /cannot write the cache/.test(l));
        assert.equal(warnings.length, 1, `logged once: ${warnings.join(" | ")}`);
        assert.match(warnings[0] ?? "", /memory only/);
      } finally {
        undo();
      }
    } finally {
      await second.stop();
    }
  });

  it("reads a restarted server's packages from the pack, and falls back to the entry files when it is damaged", async () => {
    const storage = tempDir("pinsight-cache-storage-");
    const cacheDir = path.join(storage, "index-cache");
    const packFile = path.join(cacheDir, "pack", "recent.pack");
    const dir = workspace({ "requirements.txt": mainText });
    const file = path.join(dir, "requirements.txt");
    const env = isolatedEnv({ PIP_INDEX_URL: index.simpleUrl });
    const run = async (check: (client: TestClient, diagnostics: string[]) => void): Promise<void> => {
      const client = await startClient(dir, pushCapabilities, { globalStoragePath: storage }, env);
      try {
        const uri = await open(client, file);
        await client.waitForDiagnostics(uri, (p) => p.diagnostics.some((d) => d.code === "yanked"));
        let last = client.diagnostics.get(uri);
        let since = Date.now();
        await waitFor(`quiet diagnostics for ${uri}`, () => {
          const current = client.diagnostics.get(uri);
          if (current !== last) [last, since] = [current, Date.now()];
          return Date.now() - since >= 150;
        });
        check(client, summary(last?.diagnostics ?? []));
      } finally {
        await client.stop();
      }
    };

    let baseline: string[] = [];
    await run((_, diagnostics) => (baseline = diagnostics));
    assert.ok(fs.existsSync(packFile), "the server packs its entries at shutdown");
    index.resetLog();
    await run((client, diagnostics) => {
      assert.deepEqual(diagnostics, baseline);
      assert.equal(index.requests.filter((r) => r.path.startsWith("/simple/")).length, 0);
      assert.ok(!client.logs.some((l) => /discarding/.test(l)), client.logs.join("\n"));
    });

    const data = fs.readFileSync(packFile);
    data[Math.floor(data.length / 2)] = (data[Math.floor(data.length / 2)] ?? 0) ^ 0x04;
    fs.writeFileSync(packFile, data);
    await run((client, diagnostics) => {
      assert.deepEqual(diagnostics, baseline, "the entry files answer instead");
      assert.equal(index.requests.filter((r) => r.path.startsWith("/simple/")).length, 0, "nothing refetched");
      const reports = client.logs.filter((l) => /discarding the cache pack recent\.pack: checksum mismatch/.test(l));
      assert.equal(reports.length, 1, client.logs.join("\n"));
    });
    // The damaged pack was replaced by a sound one at that server's shutdown.
    index.resetLog();
    await run((client) => assert.ok(!client.logs.some((l) => /discarding/.test(l)), client.logs.join("\n")));
  });

  it("keeps working when the disk refuses writes part-way (a file-size limit on the running server)", async function () {
    if (prlimit === null) this.skip();
    const storage = tempDir("pinsight-cache-storage-");
    const cacheDir = path.join(storage, "index-cache");
    const first = ["cache-p0", "cache-p1", "cache-p2"];
    const later = ["cache-r0", "cache-r1", "cache-r2", "cache-r3"];
    const dir = workspace({
      "a.txt": first.map((n) => `${n}==1.0.0`).join("\n") + "\n",
      "b.txt": later.map((n) => `${n}==1.0.0`).join("\n") + "\n",
    });
    const client = await startClient(
      dir,
      pushCapabilities,
      { globalStoragePath: storage },
      isolatedEnv({ PIP_INDEX_URL: index.simpleUrl }),
    );
    try {
      const a = await open(client, path.join(dir, "a.txt"));
      await settle(client, a, cacheDir, first);
      // From now on every write of more than 0 bytes fails in the kernel (EFBIG), after the temporary
      // file was created: the nearest portable stand-in for a disk that fills up under a running server.
      execFileSync(prlimit ?? "", [`--pid=${String(client.process.pid)}`, "--fsize=0"]);
      const before = await validEntries(cacheDir);
      const b = await open(client, path.join(dir, "b.txt"));
      const found = await settle(client, b, null, later);
      assert.ok(!found.some((d) => d.code === "unknown-package" || d.code === "index-unreachable"));
      assert.match(await hover(client, b, 0), /Latest release: `2\.0\.0`/, "answered from memory");
      const warnings = client.logs.filter((l) => /cannot write the cache/.test(l));
      assert.equal(warnings.length, 1, `logged once: ${warnings.join(" | ")}`);
      assert.match(warnings[0] ?? "", /(EFBIG|too large).*memory only/i);
      assert.deepEqual(
        (await listFiles(cacheDir)).filter((f) => f.endsWith(".tmp")),
        [],
        "the failed temporary files were removed",
      );
      assert.deepEqual(
        (await validEntries(cacheDir)).map((e) => e.key).sort(),
        before.map((e) => e.key).sort(),
        "the entries written before stay valid, and nothing half-written appears",
      );
    } finally {
      await client.stop();
    }
  });

  describe("the CLI's cache (node dist/cli.js check --cache-dir)", () => {
    interface CliRun {
      code: number;
      diagnostics: string[];
      stderr: string;
    }

    function runCli(cwd: string, args: readonly string[], limitFileSize = false): Promise<CliRun> {
      const env = isolatedEnv({ PIP_INDEX_URL: index.simpleUrl });
      const command = limitFileSize ? (prlimit ?? "") : process.execPath;
      const argv = [...(limitFileSize ? ["--fsize=0", process.execPath] : []), cliPath, "check", "--format", "json"];
      return new Promise((resolve, reject) => {
        execFile(command, [...argv, ...args], { cwd, env }, (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
          if (code !== 0 && code !== 1) {
            reject(new Error(`exit ${String(code)}: ${stderr}`));
            return;
          }
          const report = JSON.parse(stdout) as { files: { diagnostics: { code: string; line: number }[] }[] };
          const diagnostics = report.files.flatMap((f) => f.diagnostics.map((d) => `${d.line}:${d.code}`)).sort();
          resolve({ code, diagnostics, stderr });
        });
      });
    }

    it("refetches every damaged entry, answers offline misses as unreachable, and works without a writable cache", async () => {
      const dir = workspace({ "requirements.txt": mainText });
      const cacheDir = path.join(tempDir("pinsight-cli-cache-"), "index");
      const args = ["--cache-dir", cacheDir, "requirements.txt"];
      const baseline = await runCli(dir, args);
      assert.ok(baseline.diagnostics.includes("1:yanked"), baseline.diagnostics.join(", "));
      assert.equal((await validEntries(cacheDir)).filter((e) => e.key.startsWith("simple ")).length, mainNames.length);

      // Damage, then run again: only the damaged entries are fetched, and the report is unchanged.
      const random = generator(seed + 1);
      let damaged = await injectDamage(cacheDir, mainNames, keyOf, random);
      index.resetLog();
      const repaired = await runCli(dir, args);
      assert.deepEqual(repaired.diagnostics, baseline.diagnostics);
      assert.equal(repaired.code, baseline.code);
      await accountDamage(cliTable, damaged, mainNames, index, cacheDir, keyOf, null);

      // Offline, a damaged entry is a clean miss: reported as not in the cache, never as unknown.
      damaged = await injectDamage(cacheDir, mainNames, keyOf, random);
      index.resetLog();
      const offline = await runCli(dir, ["--offline", ...args]);
      assert.equal(index.requests.length, 0, "offline makes no request");
      assert.ok(!offline.diagnostics.some((d) => d.endsWith(":unknown-package")), offline.diagnostics.join(", "));
      assert.ok(
        offline.diagnostics.some((d) => d.endsWith(":index-unreachable")),
        offline.diagnostics.join(", "),
      );
      for (const line of baseline.diagnostics) {
        const lineNumber = Number(line.split(":")[0]);
        const name = mainNames[lineNumber - 1] ?? "";
        if (!damaged.has(name)) assert.ok(offline.diagnostics.includes(line), `${line} kept offline for ${name}`);
      }

      // Without a writable cache the CLI gives the same report from the network.
      const undo = makeUnwritable(cacheDir);
      try {
        index.resetLog();
        const unwritable = await runCli(dir, args);
        assert.deepEqual(unwritable.diagnostics, baseline.diagnostics);
        assert.ok(
          mainNames.every((n) => index.requests.some((r) => r.path === `/simple/${n}/`)),
          "every project was fetched",
        );
      } finally {
        undo();
      }

      // A disk that refuses every write (a file-size limit of 0): the same report, no temporary files.
      if (prlimit !== null) {
        const fullDir = path.join(tempDir("pinsight-cli-cache-"), "index");
        const full = await runCli(dir, ["--cache-dir", fullDir, "requirements.txt"], true);
        assert.deepEqual(full.diagnostics, baseline.diagnostics);
        assert.deepEqual(await listFiles(fullDir), [], "no entry and no half-written temporary file");
      }
    });
  });
});

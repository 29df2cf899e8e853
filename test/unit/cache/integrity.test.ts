import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { IndexClient, type CacheStore, type ProjectLookup } from "../../../server/src/core/index/indexClient";
import { DiskCache, decodeEntry } from "../../../server/src/node/diskCache";
import { createHttpClient, type HttpClient } from "../../../server/src/node/http";
import {
  addJunk,
  below,
  damage,
  damageKinds as kinds,
  formatTable,
  generator,
  listFiles,
  type DamageKind as Kind,
  type DamageRow as Row,
  type Random,
} from "../../support/cacheDamage";
import { startFixtureIndex, syntheticProject, type FixtureIndex } from "../../support/fixtureIndex";

/**
 * A seeded corruption campaign against the disk cache as the index client uses it. Every kind of damage
 * a cache file can suffer (a crash mid-write, a flaky disk, a sync tool, a user poking around) is
 * injected into randomly chosen entries of a cache filled from a loopback index; a fresh client (empty
 * memory, as after a restart) then reads every project back. Each damaged entry must be caught by the
 * store, answered as a miss and refetched with the right data; nothing may ever come back as another
 * project's page or as "no releases". The seed is fixed so that a failure reproduces; set
 * PINSIGHT_CACHE_SEED to explore other campaigns.
 */

const seed = Number(process.env["PINSIGHT_CACHE_SEED"] ?? 20240611);
const perKind = 6;
const rounds = 3;
const foundCount = 80;
const missingCount = 12;

/**
 * Wraps the disk cache to record, per key, whether a read returned data, and checks the store's own
 * contract: a read returns null or exactly what was written for that key, never another key's payload.
 * Whether the store flagged an entry as corrupt is taken from its log line naming the entry's file,
 * because reads run in parallel and a counter cannot tell them apart.
 */
class ObservedStore implements CacheStore {
  readonly hits = new Map<string, boolean>();
  readonly logs: string[] = [];
  /** Contract violations; recorded rather than thrown, because the client swallows store errors. */
  readonly violations: string[] = [];
  readonly disk: DiskCache;
  constructor(
    directory: string,
    /** What was last written for each key, shared by every client of one cache directory. */
    private readonly written: Map<string, string>,
  ) {
    this.disk = new DiskCache({ directory, log: (m) => this.logs.push(m) });
  }
  async read(key: string): Promise<string | null> {
    const payload = await this.disk.read(key);
    this.hits.set(key, payload !== null);
    if (payload !== null && payload !== this.written.get(key)) {
      this.violations.push(`the store answered ${key} with data that was not written for it`);
    }
    return payload;
  }
  /** How many times the store reported the entry of `key` as corrupt. */
  corruptReports(key: string): number {
    const file = path.basename(this.disk.fileFor(key));
    return this.logs.filter((l) => l === `discarding corrupt cache entry ${file}`).length;
  }
  async write(key: string, payload: string): Promise<void> {
    this.written.set(key, payload);
    await this.disk.write(key, payload);
  }
  clear(): Promise<void> {
    return this.disk.clear();
  }
}

describe("disk cache integrity under a seeded corruption campaign", function () {
  this.timeout(20_000);
  let index: FixtureIndex;
  let http: HttpClient;
  let dir: string;
  const names: string[] = [];
  const expected = new Map<string, string[] | "not-found">();
  const table = new Map<Kind, Row>(kinds.map((kind) => [kind, { injected: 0, detected: 0, refetched: 0 }]));
  const written = new Map<string, string>();

  before(async () => {
    index = await startFixtureIndex();
    const random = generator(seed);
    for (let i = 0; i < foundCount; i++) {
      const name = `campaign-${i}`;
      const versions = Array.from({ length: 1 + below(random, 6) }, (_, v) => `${v}.${below(random, 20)}.0`);
      index.addProject(name, syntheticProject(name, versions));
      names.push(name);
      expected.set(
        name,
        versions.flatMap((v) => [
          `${name.replace(/-/g, "_")}-${v}.tar.gz`,
          `${name.replace(/-/g, "_")}-${v}-py3-none-any.whl`,
        ]),
      );
    }
    // Projects the index does not have: their cached "not found" answers are entries too, and a swap
    // between one of them and a real project is the most dangerous confusion there is.
    for (let i = 0; i < missingCount; i++) {
      names.push(`campaign-missing-${i}`);
      expected.set(`campaign-missing-${i}`, "not-found");
    }
    http = createHttpClient({ userAgent: "Pinsight/test", retries: 0 });
  });
  after(async () => {
    await http.close();
    await index.close();
    console.log(formatTable(`Disk cache corruption campaign (unit, seed ${seed})`, table));
  });
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "pinsight-integrity-"));
    index.resetLog();
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** A client as after a restart: empty memory, the same cache directory. */
  function freshClient(options: { offline?: boolean } = {}) {
    const store = new ObservedStore(dir, written);
    const client = new IndexClient({ fetch: http.fetch, store, offline: options.offline ?? false });
    return { client, store, disk: store.disk };
  }

  /** Checks one answer against what the index holds: the right files, or "not found" for a missing one. */
  function assertRight(name: string, lookup: ProjectLookup): void {
    const want = expected.get(name);
    if (want === "not-found") {
      assert.equal(lookup.answer.kind, "not-found", `${name}: ${JSON.stringify(lookup.answer)}`);
      return;
    }
    assert.equal(lookup.answer.kind, "found", `${name} must never read as anything but its page`);
    if (lookup.answer.kind !== "found") return;
    assert.ok(lookup.answer.page.files.length > 0, `${name} read as "no releases"`);
    assert.deepEqual(
      lookup.answer.page.files.map((f) => f.filename),
      want,
      `${name} answered with another project's files`,
    );
  }

  /** Reads every project through the client, in parallel as the server does, and checks each answer. */
  async function readAll(client: IndexClient): Promise<void> {
    const lookups = await Promise.all(names.map((name) => client.getProject(index.simpleUrl, name)));
    names.forEach((name, i) => assertRight(name, lookups[i] as ProjectLookup));
  }

  async function fill(): Promise<Map<string, string>> {
    const { client, store } = freshClient();
    await readAll(client);
    const files = new Map<string, string>();
    for (const name of names) files.set(keyOf(name), store.disk.fileFor(keyOf(name)));
    assert.equal((await listFiles(dir)).length, names.length, "one entry per project");
    return files;
  }

  const keyOf = (name: string): string => `simple ${index.simpleUrl}${name}/`;

  /** Picks `perKind` distinct entries per kind (pairs for swaps) and damages them. */
  async function inject(random: Random, files: Map<string, string>): Promise<Map<string, Kind>> {
    const pool = [...names];
    const take = (): string => pool.splice(below(random, pool.length), 1)[0] ?? "";
    const damaged = new Map<string, Kind>();
    for (const kind of kinds) {
      for (let i = 0; i < perKind; i++) {
        if (kind === "swapped") {
          const a = take();
          const b = take();
          await damage(kind, files.get(keyOf(a)) ?? "", random, files.get(keyOf(b)) ?? "");
          damaged.set(a, kind).set(b, kind);
        } else {
          const name = take();
          await damage(kind, files.get(keyOf(name)) ?? "", random);
          damaged.set(name, kind);
        }
      }
    }
    await addJunk(dir, random);
    return damaged;
  }

  it(`detects, discards and refetches every injected corruption (seed ${seed}, ${rounds} rounds)`, async () => {
    const random = generator(seed ^ 0x5eed);
    const files = await fill();
    for (let round = 0; round < rounds; round++) {
      const damaged = await inject(random, files);
      index.resetLog();
      const { client, store, disk } = freshClient();
      await readAll(client);

      const requested = new Map<string, number>();
      for (const r of index.requests) requested.set(r.path, (requested.get(r.path) ?? 0) + 1);
      for (const name of names) {
        const kind = damaged.get(name);
        const hit = store.hits.get(keyOf(name));
        const verdict = { corrupt: store.corruptReports(keyOf(name)), hit };
        const fetches = requested.get(`/simple/${name}/`) ?? 0;
        assert.ok(hit !== undefined, `${name} was read from the store`);
        if (kind === undefined) {
          assert.deepEqual(verdict, { corrupt: 0, hit: true }, `${name} is intact and must be a hit`);
          assert.equal(fetches, 0, `${name} is fresh on disk and must not be refetched`);
          continue;
        }
        const row = table.get(kind);
        assert.ok(row);
        row.injected++;
        // A deleted entry leaves nothing to flag: the store can only report the miss.
        const caught =
          kind === "deleted" ? !verdict.hit && verdict.corrupt === 0 : !verdict.hit && verdict.corrupt === 1;
        assert.ok(caught, `${kind} entry of ${name}: ${JSON.stringify(verdict)}`);
        if (caught) row.detected++;
        assert.equal(fetches, 1, `${kind} entry of ${name} is refetched exactly once`);
        row.refetched += fetches;
      }
      assert.deepEqual(store.violations, []);
      const corruptKinds = [...damaged.values()].filter((k) => k !== "deleted").length;
      assert.equal(disk.stats.corrupt, corruptKinds, "no false alarm from junk or intact entries");

      // Every damaged entry was replaced by a valid one for its own key.
      for (const name of names) {
        const key = keyOf(name);
        const data = await fs.readFile(files.get(key) ?? "");
        const payload = decodeEntry(data, key);
        assert.ok(payload !== null, `${name}'s entry is valid again`);
        assert.equal((JSON.parse(payload) as { key: string }).key, key);
      }
    }
    let injected = 0;
    let detected = 0;
    for (const row of table.values()) {
      injected += row.injected;
      detected += row.detected;
    }
    assert.equal(injected, rounds * perKind * (kinds.length + 1));
    assert.equal(detected, injected, "every injected corruption was detected");
  });

  it("answers damaged entries offline as a clean miss, never as 'not found' or 'no releases'", async () => {
    const random = generator(seed ^ 0x0ff1);
    const files = await fill();
    const damaged = await inject(random, files);
    index.resetLog();
    const { client, store } = freshClient({ offline: true });
    for (const name of names) {
      const lookup = await client.getProject(index.simpleUrl, name);
      if (damaged.has(name)) {
        assert.equal(lookup.answer.kind, "error", `${name} (${damaged.get(name) ?? ""}) must be a miss offline`);
        if (lookup.answer.kind === "error") assert.match(lookup.answer.message, /offline/);
      } else {
        assertRight(name, lookup);
      }
    }
    assert.equal(index.requests.length, 0, "offline makes no request");
    assert.deepEqual(store.violations, []);
  });

  it("keeps answering from memory when every write fails with ENOSPC, logs it once and leaves no temporary file", async () => {
    const logs: string[] = [];
    let attempts = 0;
    const disk = new DiskCache({
      directory: dir,
      log: (m) => logs.push(m),
      // A disk that fills up part-way through the write: half the bytes land, then ENOSPC.
      writeFile: async (file, data) => {
        attempts++;
        await fs.writeFile(file, data.subarray(0, data.length >> 1));
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      },
    });
    const client = new IndexClient({ fetch: http.fetch, store: disk, log: (m) => logs.push(m) });
    await readAll(client);
    assert.equal(disk.stats.writeFailures, names.length);
    assert.equal(attempts, names.length);
    assert.deepEqual(
      logs.filter((l) => /cannot write the cache/.test(l)).length,
      1,
      `the failure is logged once: ${logs.join(" | ")}`,
    );
    assert.match(logs.find((l) => /cannot write the cache/.test(l)) ?? "", /ENOSPC.*memory only/);
    assert.deepEqual(await listFiles(dir), [], "the half-written temporary files were removed");
    index.resetLog();
    await readAll(client);
    assert.equal(index.requests.length, 0, "the memory cache still answers");
  });

  it("keeps working when the cache directory cannot be written (read-only, or a file in its place)", async () => {
    // Root ignores permission bits, so there a regular file in place of the directory stands in for a
    // read-only one (both make every mkdir and write fail).
    const root = process.getuid?.() === 0;
    const cacheDir = path.join(dir, "cache");
    if (root) await fs.writeFile(cacheDir, "not a directory");
    else {
      await fs.mkdir(cacheDir);
      await fs.chmod(cacheDir, 0o555);
    }
    try {
      const logs: string[] = [];
      const disk = new DiskCache({ directory: cacheDir, log: (m) => logs.push(m) });
      const client = new IndexClient({ fetch: http.fetch, store: disk, log: (m) => logs.push(m) });
      await readAll(client);
      assert.equal(disk.stats.writeFailures, names.length);
      assert.equal(logs.filter((l) => /cannot write the cache/.test(l)).length, 1, logs.join(" | "));
      assert.equal(disk.stats.corrupt, 0);
    } finally {
      await fs.chmod(cacheDir, 0o755).catch(() => undefined);
    }
  });
});

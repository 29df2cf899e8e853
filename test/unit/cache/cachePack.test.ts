import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CachePack, decodePack, encodePack, Pacer } from "../../../server/src/node/cachePack";
import { DiskCache } from "../../../server/src/node/diskCache";
import { IndexClient } from "../../../server/src/core/index/indexClient";
import type { HttpRequest, HttpResponse } from "../../../server/src/core/index/httpTypes";

describe("cache pack", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "pinsight-pack-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const packFile = () => path.join(dir, "pack", "recent.pack");
  const keys = Array.from({ length: 50 }, (_, i) => `simple https://pypi.org/simple/package-${i}/`);
  const payloadOf = (key: string) => JSON.stringify({ key, text: 'wörld \u2028 \n \\ "quoted"' });

  /** A cache with every key written, read once, and its pack flushed, as a server leaves it. */
  async function packedCache(): Promise<void> {
    const writer = new DiskCache({ directory: dir, pack: { delayMs: 60_000 } });
    for (const key of keys) await writer.write(key, payloadOf(key));
    await writer.flushPack();
  }

  it("encodes and decodes entries byte for byte, including keys and payloads with newlines", async () => {
    const entries = [
      { key: "simple a", payload: Buffer.from("line one\nline two") },
      { key: "json ü\n", payload: Buffer.from("") },
      { key: "simple b", payload: Buffer.from([0, 1, 2, 255]) },
    ];
    const decoded = await decodePack(await encodePack(entries));
    assert.ok(decoded instanceof Map);
    assert.deepEqual(
      [...decoded].map(([key, payload]) => [key, [...payload]]),
      entries.map((e) => [e.key, [...e.payload]]),
    );
  });

  it("refuses truncated, bit-flipped, padded and foreign packs", async () => {
    const good = await encodePack([{ key: "simple a", payload: Buffer.from("payload") }]);
    const flipped = Buffer.from(good);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    const cases: Record<string, Buffer> = {
      truncated: good.subarray(0, good.length - 2),
      "bit flip": flipped,
      padded: Buffer.concat([good, Buffer.from("x")]),
      foreign: Buffer.from("PINSIGHT-CACHE 2 3 abc\nxyz"),
      empty: Buffer.alloc(0),
    };
    for (const [name, data] of Object.entries(cases)) {
      assert.equal(typeof (await decodePack(data)), "string", name);
    }
  });

  it("answers a new cache's reads from the pack, once each, without opening entry files", async () => {
    await packedCache();
    // Entry files removed: only the pack can answer.
    for (const shard of await fs.readdir(dir)) {
      if (shard !== "pack") await fs.rm(path.join(dir, shard), { recursive: true });
    }
    const reader = new DiskCache({ directory: dir, pack: { delayMs: 60_000 } });
    const answers = await Promise.all(keys.map((key) => reader.read(key)));
    assert.deepEqual(answers, keys.map(payloadOf));
    assert.equal(reader.stats.hits, keys.length);
    // A second read of the same key goes to its entry file (gone here): the pack hands entries out once.
    assert.equal(await reader.read(keys[0] ?? ""), null);
  });

  it("hands loaded entries out synchronously to readLoaded, and the index client adopts them", async () => {
    await packedCache();
    const store = new DiskCache({ directory: dir, pack: { delayMs: 60_000 } });
    assert.equal(store.readLoaded(keys[0] ?? ""), undefined, "nothing before the pack is loaded");
    await store.preload();
    assert.equal(store.readLoaded(keys[0] ?? ""), payloadOf(keys[0] ?? ""));
    assert.equal(store.readLoaded(keys[0] ?? ""), undefined, "handed out once");

    // A real cache record adopted by the index client without any request.
    const recordDir = path.join(dir, "records");
    const requests: string[] = [];
    const fetch = async (request: HttpRequest): Promise<HttpResponse> => {
      requests.push(request.url);
      const body = JSON.stringify({ meta: { "api-version": "1.1" }, name: "demo", files: [] });
      return {
        status: 200,
        url: request.url,
        headers: { "content-type": "application/vnd.pypi.simple.v1+json", "cache-control": "max-age=600" },
        body,
        wireBytes: body.length,
      };
    };
    const firstStore = new DiskCache({ directory: recordDir, pack: { delayMs: 60_000 } });
    await new IndexClient({ fetch, store: firstStore }).getProject("https://pypi.org/simple", "demo");
    await firstStore.flushPack();
    const packed = new DiskCache({ directory: recordDir, pack: { delayMs: 60_000 } });
    await packed.preload();
    const client = new IndexClient({ fetch, store: packed });
    assert.equal(client.peekProject("https://pypi.org/simple", "demo"), undefined);
    assert.equal(client.adoptStored("https://pypi.org/simple", "demo"), true);
    assert.equal(client.peekProject("https://pypi.org/simple", "demo")?.answer.kind, "found");
    assert.equal(client.isSettled("https://pypi.org/simple", "demo"), true);
    assert.equal(requests.length, 1, "only the first client asked the index");
  });

  it("prefers an entry written after the pack was loaded over the pack's copy", async () => {
    await packedCache();
    const cache = new DiskCache({ directory: dir, pack: { delayMs: 60_000 } });
    await cache.preload();
    const key = keys[3] ?? "";
    await cache.write(key, "newer");
    assert.equal(await cache.read(key), "newer");
    assert.equal(cache.readLoaded(key), undefined);
  });

  it("rewrites the pack with entries read from their files, most recent last", async () => {
    await packedCache();
    const cache = new DiskCache({ directory: dir, pack: { delayMs: 60_000 } });
    await cache.write("simple extra", "extra payload");
    await cache.read(keys[1] ?? "");
    await cache.flushPack();
    const decoded = await decodePack(await fs.readFile(packFile()));
    assert.ok(decoded instanceof Map);
    assert.equal(decoded.size, keys.length + 1);
    assert.equal(decoded.get("simple extra")?.toString(), "extra payload");
    assert.equal([...decoded.keys()].at(-1), keys[1], "the latest use comes last");
  });

  it("deletes a damaged pack, counts it, and reads the entry files instead", async () => {
    await packedCache();
    const data = await fs.readFile(packFile());
    data[data.length - 5] = (data[data.length - 5] ?? 0) ^ 0x20;
    await fs.writeFile(packFile(), data);
    const logs: string[] = [];
    const cache = new DiskCache({ directory: dir, log: (m) => logs.push(m), pack: { delayMs: 60_000 } });
    assert.deepEqual(await Promise.all(keys.map((key) => cache.read(key))), keys.map(payloadOf));
    assert.equal(cache.stats.corrupt, 1);
    assert.match(logs.join("\n"), /discarding the cache pack recent\.pack: checksum mismatch/);
    await assert.rejects(fs.stat(packFile()));
  });

  it("refuses a pack file far larger than any pack it writes, without reading it", async () => {
    await fs.mkdir(path.dirname(packFile()), { recursive: true });
    await fs.writeFile(packFile(), "");
    await fs.truncate(packFile(), 80 * 1024 * 1024);
    const logs: string[] = [];
    const cache = new DiskCache({ directory: dir, log: (m) => logs.push(m), pack: { delayMs: 60_000 } });
    assert.equal(await cache.read(keys[0] ?? ""), null);
    assert.match(logs.join("\n"), /discarding the cache pack recent\.pack: too large/);
    await assert.rejects(fs.stat(packFile()));
  });

  it("is cleared with the cache", async () => {
    await packedCache();
    const cache = new DiskCache({ directory: dir, pack: { delayMs: 60_000 } });
    await cache.preload();
    await cache.clear();
    assert.equal(cache.readLoaded(keys[0] ?? ""), undefined);
    assert.equal(await cache.read(keys[0] ?? ""), null);
    await assert.rejects(fs.stat(packFile()));
  });

  it("keeps the pack within its entry limit, dropping the least recently used", async () => {
    const files = new Map<string, Buffer>(keys.map((key) => [key, Buffer.from(payloadOf(key))]));
    const pack = new CachePack({
      file: packFile(),
      delayMs: 60_000,
      readEntry: async (key) => files.get(key) ?? null,
      writeFile: (file, data) => fs.writeFile(file, data),
      log: () => undefined,
      onCorrupt: () => undefined,
      maxEntries: 10,
    });
    for (const key of keys) pack.written(key);
    await pack.flush();
    const decoded = await decodePack(await fs.readFile(packFile()));
    assert.ok(decoded instanceof Map);
    assert.deepEqual([...decoded.keys()], keys.slice(-10));
  });

  it("lets callers through a few milliseconds per event-loop turn", async () => {
    const pacer = new Pacer(5);
    const turns: number[] = [];
    let turn = 0;
    const ticking = setInterval(() => turn++, 0);
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until) {
        // Spins, standing in for a caller parsing its answer.
      }
    };
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        const wait = pacer.pass();
        if (wait !== undefined) await wait;
        turns.push(turn);
        busy(1);
      }),
    );
    clearInterval(ticking);
    // 40 callers of 1 ms each at 5 ms per turn: spread over several turns, never all in one.
    const perTurn = new Map<number, number>();
    for (const t of turns) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    assert.ok(perTurn.size >= 5, `spread over ${perTurn.size} turns`);
    assert.ok(Math.max(...perTurn.values()) <= 10, `at most ${Math.max(...perTurn.values())} callers in one turn`);
  });
});

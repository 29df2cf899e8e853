import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DiskCache, decodeEntry, defaultCacheDirectory, encodeEntry } from "../../../server/src/node/diskCache";

describe("disk cache", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "pinsight-cache-"));
  });
  afterEach(async () => {
    await fs.chmod(dir, 0o755).catch(() => undefined);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("round-trips entries and names files by a hash that hides the key", async () => {
    const cache = new DiskCache({ directory: dir });
    const key = "simple https://private.example.com/simple/secret-name/";
    await cache.write(key, '{"hello":"wörld"}');
    assert.equal(await cache.read(key), '{"hello":"wörld"}');
    assert.equal(await cache.read("simple other"), null);
    const files = await listFiles(dir);
    assert.equal(files.length, 1);
    assert.ok(!files[0]?.includes("private"), "the host must not appear in file names");
    assert.ok(!files[0]?.includes("secret"));
  });

  // Every kind of damage is detected by the header and checksum, reported as a miss and removed.
  const damages: Record<string, (data: Buffer) => Buffer> = {
    truncated: (data) => data.subarray(0, data.length - 3),
    "bit flip in payload": (data) => {
      const copy = Buffer.from(data);
      copy[copy.length - 2] = (copy[copy.length - 2] ?? 0) ^ 0x10;
      return copy;
    },
    "bit flip in header": (data) => {
      const copy = Buffer.from(data);
      copy[3] = (copy[3] ?? 0) ^ 0x01;
      return copy;
    },
    empty: () => Buffer.alloc(0),
    garbage: () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    "extra bytes": (data) => Buffer.concat([data, Buffer.from("xx")]),
  };
  for (const [name, damage] of Object.entries(damages)) {
    it(`detects a ${name} entry, drops it and reports a miss`, async () => {
      const cache = new DiskCache({ directory: dir });
      await cache.write("k", JSON.stringify({ files: [1, 2, 3] }));
      const [file] = await listFiles(dir);
      assert.ok(file);
      await fs.writeFile(file, damage(await fs.readFile(file)));
      assert.equal(await cache.read("k"), null);
      assert.equal(cache.stats.corrupt, 1);
      assert.deepEqual(await listFiles(dir), [], "the corrupt file is removed");
    });
  }

  it("decodes only well-formed entries written for the same key", () => {
    assert.equal(decodeEntry(encodeEntry("k", "abc"), "k"), "abc");
    assert.equal(decodeEntry(encodeEntry("k", "abc"), "other"), null, "the checksum binds the key");
    assert.equal(decodeEntry(Buffer.from("PINSIGHT-CACHE 2 3 deadbeef\nabc"), "k"), null);
    assert.equal(decodeEntry(Buffer.from("no header at all"), "k"), null);
  });

  it("rejects a valid entry copied onto another key's file, so one project is never read as another", async () => {
    const cache = new DiskCache({ directory: dir });
    await cache.write("simple https://index/simple/a/", '{"files":["a-1.whl"]}');
    await cache.write("simple https://index/simple/b/", '{"not-found":404}');
    const a = cache.fileFor("simple https://index/simple/a/");
    await fs.copyFile(cache.fileFor("simple https://index/simple/b/"), a);
    assert.equal(await cache.read("simple https://index/simple/a/"), null);
    assert.equal(cache.stats.corrupt, 1);
    assert.equal(await cache.read("simple https://index/simple/b/"), '{"not-found":404}');
  });

  it("removes a directory found where an entry belongs, and can write the entry again", async () => {
    const logs: string[] = [];
    const cache = new DiskCache({ directory: dir, log: (m) => logs.push(m) });
    const file = cache.fileFor("k");
    await fs.mkdir(path.join(file, "inside"), { recursive: true });
    assert.equal(await cache.read("k"), null);
    assert.equal(cache.stats.corrupt, 1);
    await cache.write("k", "v");
    assert.equal(cache.stats.writeFailures, 0, "the write is not blocked by the directory");
    assert.equal(await cache.read("k"), "v");
    assert.ok(!logs.some((l) => /memory only/.test(l)), logs.join(" | "));
  });

  it("drops an entry of the previous format quietly, without counting it as damage", async () => {
    const logs: string[] = [];
    const cache = new DiskCache({ directory: dir, log: (m) => logs.push(m) });
    const file = cache.fileFor("k");
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(
      file,
      "PINSIGHT-CACHE 1 3 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\nabc",
    );
    assert.equal(await cache.read("k"), null);
    assert.equal(cache.stats.corrupt, 0);
    assert.deepEqual(logs, []);
    assert.deepEqual(await listFiles(dir), []);
  });

  it("evicts the least recently used entries beyond the size cap", async () => {
    const cache = new DiskCache({ directory: dir, maxBytes: 10_000 });
    const payload = "x".repeat(3000);
    for (let i = 0; i < 3; i++) await cache.write(`k${i}`, payload);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(await cache.read("k0"), payload); // k0 becomes the most recently used
    await cache.write("k3", payload);
    assert.ok((await cache.size()) <= 10_000);
    assert.equal(await cache.read("k1"), null, "the least recently used entry was evicted");
    assert.equal(await cache.read("k0"), payload);
    assert.equal(await cache.read("k3"), payload);
    assert.ok(cache.stats.evictions >= 1);
  });

  it("keeps working without a writable directory", async function () {
    if (process.getuid?.() === 0) this.skip(); // root ignores directory permissions
    const logs: string[] = [];
    await fs.chmod(dir, 0o500);
    const cache = new DiskCache({ directory: path.join(dir, "sub"), log: (m) => logs.push(m) });
    await cache.write("k", "v");
    await cache.write("k2", "v");
    assert.equal(cache.stats.writeFailures, 2);
    assert.equal(logs.length, 1, "the failure is logged once");
  });

  it("keeps working when the cache path is a file", async () => {
    const blocker = path.join(dir, "blocker");
    await fs.writeFile(blocker, "not a directory");
    const logs: string[] = [];
    const cache = new DiskCache({ directory: blocker, log: (m) => logs.push(m) });
    await cache.write("k", "v");
    assert.equal(await cache.read("k"), null);
    assert.equal(cache.stats.writeFailures, 1);
    assert.match(logs[0] ?? "", /memory only/);
  });

  it("leaves no temporary files after writes", async () => {
    const cache = new DiskCache({ directory: dir });
    await Promise.all(Array.from({ length: 20 }, (_, i) => cache.write(`k${i % 3}`, `v${i}`)));
    const files = await listFiles(dir);
    assert.equal(files.filter((f) => f.endsWith(".tmp")).length, 0);
    assert.equal(files.length, 3);
  });

  it("chooses the platform's cache directory", () => {
    assert.equal(defaultCacheDirectory({}, "linux", "/home/u"), "/home/u/.cache/pinsight/index");
    assert.equal(defaultCacheDirectory({ XDG_CACHE_HOME: "/xdg" }, "linux", "/home/u"), "/xdg/pinsight/index");
    assert.equal(defaultCacheDirectory({ XDG_CACHE_HOME: "rel" }, "linux", "/home/u"), "/home/u/.cache/pinsight/index");
    assert.equal(defaultCacheDirectory({}, "darwin", "/Users/u"), "/Users/u/Library/Caches/pinsight/index");
  });
});

async function listFiles(dir: string): Promise<string[]> {
  const result: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) result.push(path.join(entry.parentPath, entry.name));
  }
  return result;
}

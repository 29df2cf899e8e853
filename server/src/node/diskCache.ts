import { createHash, randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import type { CacheStore } from "../core/index/indexClient";
import { CachePack } from "./cachePack";

const magic = "PINSIGHT-CACHE 2";
/** Entries written before the header bound the key; they are dropped quietly rather than reported as damage. */
const previousMagic = "PINSIGHT-CACHE 1 ";

export interface DiskCacheOptions {
  readonly directory: string;
  /** Total size in bytes above which the least recently used entries are removed (default 256 MiB). */
  readonly maxBytes?: number;
  readonly log?: (message: string) => void;
  /**
   * Writes one temporary file. Only tests replace it, to make a write fail the way a full disk does
   * (ENOSPC), which no portable test can arrange on a real file system.
   */
  readonly writeFile?: (file: string, data: Buffer) => Promise<void>;
  /**
   * Keeps the recently used entries in one pack file as well (see `CachePack`), rewritten once cache
   * activity has paused for `delayMs`. Off unless given: the server and the CLI turn it on.
   */
  readonly pack?: { readonly delayMs: number };
}

export interface DiskCacheStats {
  reads: number;
  hits: number;
  corrupt: number;
  writes: number;
  writeFailures: number;
  evictions: number;
}

/**
 * The on-disk cache store. Each entry is one file named by the SHA-256 of its key (keys never hold
 * credentials, and the hash keeps even the index host out of file names). A file starts with a header
 * line carrying the payload's length and a SHA-256 over the key and the payload; an entry whose header,
 * length or checksum does not match is deleted and reported as a miss, so a truncated, bit-flipped or
 * garbage file is refetched rather than read. Binding the key into the checksum catches a valid entry
 * copied or renamed onto another key's file (a sync tool, a botched restore), which would otherwise
 * answer one project with another's releases. A directory at an entry's path is removed as damage
 * too. Writes go to a temporary file that is renamed into place, so a crash never leaves
 * half an entry under the real name. A read-only or full disk only costs the cache: failures are
 * logged once and the server carries on from memory.
 */
export class DiskCache implements CacheStore {
  readonly stats: DiskCacheStats = { reads: 0, hits: 0, corrupt: 0, writes: 0, writeFailures: 0, evictions: 0 };
  private readonly maxBytes: number;
  private readonly log: (message: string) => void;
  private sizes: Map<string, { size: number; used: number }> | null = null;
  private total = 0;
  private warnedWrite = false;
  private scanning: Promise<void> | null = null;
  private readonly pack: CachePack | null;

  constructor(private readonly options: DiskCacheOptions) {
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
    this.log = options.log ?? (() => undefined);
    this.pack =
      options.pack === undefined
        ? null
        : new CachePack({
            file: path.join(options.directory, "pack", "recent.pack"),
            delayMs: options.pack.delayMs,
            readEntry: (key) => this.readPayload(key),
            writeFile: options.writeFile ?? fs.writeFile,
            log: this.log,
            onCorrupt: () => this.stats.corrupt++,
          });
  }

  /** Starts reading the pack, so that the first reads of a large file find it loaded. */
  preload(): Promise<void> {
    return this.pack?.load() ?? Promise.resolve();
  }

  readLoaded(key: string): string | undefined {
    const packed = this.pack?.takeLoaded(key);
    if (packed === undefined) return undefined;
    this.stats.reads++;
    return this.packHit(key, packed);
  }

  /** Counts an answer from the pack and keeps its entry file's recency, as a read of the file would. */
  private packHit(key: string, payload: string): string {
    this.stats.hits++;
    this.touchLater(this.fileFor(key));
    return payload;
  }

  /** Writes the pack now if it is out of date (tests; the server writes it after a pause). */
  flushPack(): Promise<void> {
    return this.pack?.flush() ?? Promise.resolve();
  }

  get directory(): string {
    return this.options.directory;
  }

  fileFor(key: string): string {
    const hash = createHash("sha256").update(key).digest("hex");
    return path.join(this.options.directory, hash.slice(0, 2), `${hash}.entry`);
  }

  async read(key: string): Promise<string | null> {
    this.stats.reads++;
    const packed = await this.pack?.take(key);
    if (packed !== undefined) return this.packHit(key, packed);
    const file = this.fileFor(key);
    let data: Buffer;
    try {
      data = await fs.readFile(file);
    } catch (error) {
      // A directory where the entry belongs would also make every later write of this key fail at the
      // rename (and switch the cache to memory only), so it is damage to remove, not just a miss.
      if ((error as NodeJS.ErrnoException).code === "EISDIR") await this.discard(file, true);
      return null;
    }
    if (data.subarray(0, previousMagic.length).toString("latin1") === previousMagic) {
      await fs.rm(file, { force: true }).catch(() => undefined);
      this.forget(file);
      return null;
    }
    const payload = decodeEntry(data, key);
    if (payload === null) {
      await this.discard(file, false);
      return null;
    }
    this.stats.hits++;
    this.pack?.readFromFile(key);
    const now = Date.now();
    const known = this.sizes?.get(file);
    if (known) known.used = now;
    this.touchLater(file);
    return payload;
  }

  /**
   * Recency is kept in the file's mtime so that eviction survives restarts (failures do not matter).
   * The touches are batched a second later: opening a large file reads hundreds of entries at once,
   * and a touch per read would double the file operations competing with those reads.
   */
  private touchLater(file: string): void {
    this.touches.add(file);
    if (this.touchTimer !== null) return;
    this.touchTimer = setTimeout(() => {
      this.touchTimer = null;
      const files = [...this.touches];
      this.touches.clear();
      const seconds = Date.now() / 1000;
      for (const touched of files) fs.utimes(touched, seconds, seconds).catch(() => undefined);
    }, 1000);
    this.touchTimer.unref?.();
  }

  private readonly touches = new Set<string>();
  private touchTimer: NodeJS.Timeout | null = null;

  async write(key: string, payload: string): Promise<void> {
    const file = this.fileFor(key);
    const body = encodeEntry(key, payload);
    const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await (this.options.writeFile ?? fs.writeFile)(temp, body);
      await fs.rename(temp, file);
      this.stats.writes++;
      this.pack?.written(key);
    } catch (error) {
      this.stats.writeFailures++;
      await fs.rm(temp, { force: true }).catch(() => undefined);
      if (!this.warnedWrite) {
        this.warnedWrite = true;
        this.log(
          `cannot write the cache in ${this.options.directory} (${(error as Error).message}); using memory only`,
        );
      }
      return;
    }
    await this.account(file, body.length);
  }

  async clear(): Promise<void> {
    // Writes may land while the tree is being removed (background fetches), which makes a recursive
    // remove fail with ENOTEMPTY; moving the directory aside first makes the clear atomic for writers,
    // which then simply recreate it.
    const trash = `${this.options.directory}.clearing-${process.pid}-${Date.now()}`;
    const moved = await fs.rename(this.options.directory, trash).then(
      () => true,
      () => false,
    );
    await fs.rm(moved ? trash : this.options.directory, { recursive: true, force: true, maxRetries: 3 });
    this.sizes = new Map();
    this.total = 0;
    this.pack?.clear();
  }

  /** An entry's payload bytes for the pack, or null when its file is missing or damaged. */
  private async readPayload(key: string): Promise<Buffer | null> {
    const data = await fs.readFile(this.fileFor(key)).catch(() => null);
    return data === null ? null : entryPayload(data, key);
  }

  /** The total size of the entries, scanning the directory once. */
  async size(): Promise<number> {
    await this.scan();
    return this.total;
  }

  private async discard(file: string, recursive: boolean): Promise<void> {
    this.stats.corrupt++;
    this.log(`discarding corrupt cache entry ${path.basename(file)}`);
    await fs.rm(file, { force: true, recursive }).catch(() => undefined);
    this.forget(file);
  }

  private forget(file: string): void {
    const known = this.sizes?.get(file);
    if (known) {
      this.total -= known.size;
      this.sizes?.delete(file);
    }
  }

  private async account(file: string, size: number): Promise<void> {
    await this.scan();
    this.forget(file);
    this.sizes?.set(file, { size, used: Date.now() });
    this.total += size;
    if (this.total <= this.maxBytes || !this.sizes) return;
    const ordered = [...this.sizes.entries()].sort((a, b) => a[1].used - b[1].used);
    for (const [victim] of ordered) {
      if (this.total <= this.maxBytes * 0.9) break;
      if (victim === file) continue;
      await fs.rm(victim, { force: true }).catch(() => undefined);
      this.forget(victim);
      this.stats.evictions++;
    }
  }

  private scan(): Promise<void> {
    if (this.sizes) return Promise.resolve();
    this.scanning ??= (async () => {
      const sizes = new Map<string, { size: number; used: number }>();
      let total = 0;
      const root = this.options.directory;
      const shards = await fs.readdir(root).catch(() => [] as string[]);
      for (const shard of shards) {
        const dir = path.join(root, shard);
        const names = await fs.readdir(dir).catch(() => [] as string[]);
        for (const name of names) {
          const file = path.join(dir, name);
          const stat = await fs.stat(file).catch(() => null);
          if (!stat || !stat.isFile()) continue;
          if (name.endsWith(".tmp") && Date.now() - stat.mtimeMs > 60_000) {
            // A leftover from a crashed write: never read, safe to remove.
            await fs.rm(file, { force: true }).catch(() => undefined);
            continue;
          }
          sizes.set(file, { size: stat.size, used: stat.mtimeMs });
          total += stat.size;
        }
      }
      this.sizes = sizes;
      this.total = total;
    })();
    return this.scanning;
  }
}

/** Serialises a payload with its integrity header, which binds it to its key. */
export function encodeEntry(key: string, payload: string): Buffer {
  const bytes = Buffer.from(payload, "utf8");
  return Buffer.concat([Buffer.from(`${magic} ${bytes.length} ${entryDigest(key, bytes)}\n`, "latin1"), bytes]);
}

/**
 * The checksum of an entry: SHA-256 over the key's SHA-256 (fixed length, so the boundary between key
 * and payload is unambiguous) and the payload bytes.
 */
function entryDigest(key: string, bytes: Buffer): string {
  const keyHash = createHash("sha256").update(key).digest();
  return createHash("sha256").update(keyHash).update(bytes).digest("hex");
}

/** Returns the payload of a well-formed entry written for `key`, or null when anything about it is wrong. */
export function decodeEntry(data: Buffer, key: string): string | null {
  return entryPayload(data, key)?.toString("utf8") ?? null;
}

function entryPayload(data: Buffer, key: string): Buffer | null {
  const newline = data.indexOf(0x0a);
  if (newline < 0 || newline > 200) return null;
  const header = data.subarray(0, newline).toString("latin1").split(" ");
  if (header.length !== 4 || `${header[0]} ${header[1]}` !== magic) return null;
  const length = Number(header[2]);
  const digest = header[3];
  const bytes = data.subarray(newline + 1);
  if (!Number.isInteger(length) || bytes.length !== length) return null;
  if (entryDigest(key, bytes) !== digest) return null;
  return bytes;
}

/**
 * The CLI's cache directory: `$XDG_CACHE_HOME/pinsight` or `~/.cache/pinsight` (on Windows
 * `%LOCALAPPDATA%\pinsight\cache`, on macOS `~/Library/Caches/pinsight`), with an `index` subfolder.
 */
export function defaultCacheDirectory(
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform,
  home: string,
): string {
  if (platform === "win32") {
    return path.join(env["LOCALAPPDATA"] ?? path.join(home, "AppData", "Local"), "pinsight", "cache", "index");
  }
  if (platform === "darwin" && !env["XDG_CACHE_HOME"]) return path.join(home, "Library", "Caches", "pinsight", "index");
  const base =
    env["XDG_CACHE_HOME"] && path.isAbsolute(env["XDG_CACHE_HOME"]) ? env["XDG_CACHE_HOME"] : path.join(home, ".cache");
  return path.join(base, "pinsight", "index");
}

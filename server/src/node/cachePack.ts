import { webcrypto } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { TurnBudget } from "../turnBudget";

const packMagic = "PINSIGHT-PACK 1";

export interface CachePackOptions {
  /** The pack file. */
  readonly file: string;
  /** How long cache activity must pause before the pack is rewritten (ms). */
  readonly delayMs: number;
  /** Reads one entry's payload from its own file, or null when it is missing or damaged. */
  readonly readEntry: (key: string) => Promise<Buffer | null>;
  readonly writeFile: (file: string, data: Buffer) => Promise<void>;
  readonly log: (message: string) => void;
  /** Called when a damaged pack is found (it counts as corruption in the cache's statistics). */
  readonly onCorrupt: () => void;
  readonly maxEntries?: number;
  readonly maxBytes?: number;
  /** How long a loaded pack's unread entries are kept in memory (ms). */
  readonly keepMs?: number;
}

/**
 * The recently used entries of a disk cache, packed into one file. Opening a large requirements file
 * reads hundreds of entries, and each read of its own file costs an open, a stat, a read and a close,
 * each a round trip to libuv's thread pool with work on the main thread around it: for Home
 * Assistant's 832 packages that was most of the time to the first index diagnostics. The pack is
 * read in one go when the cache is first used, checked as a whole (SHA-256 computed off the main
 * thread), and answers those reads from memory.
 *
 * Entry files stay the source of truth: the pack is rewritten from them once cache activity has
 * paused, and an entry written since the pack was loaded is read from its file. A pack entry older
 * than its file (another process refreshed it) is still a valid answer, because every record carries
 * its own freshness and is revalidated when stale. A damaged pack is deleted and the entry files
 * are read instead.
 */
export class CachePack {
  /** Unread entries of the loaded pack. */
  private entries: Map<string, Buffer> | null = null;
  private loading: Promise<void> | null = null;
  /** The keys the pack file holds (as loaded or last written). */
  private packed = new Set<string>();
  /** Keys in order of use, oldest first. */
  private readonly recent = new Set<string>();
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private releaseTimer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private warnedWrite = false;
  private readonly pacer = new Pacer(8);
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(private readonly options: CachePackOptions) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  }

  /** Starts reading the pack (once); reads wait for it. */
  load(): Promise<void> {
    this.loading ??= this.readPack();
    return this.loading;
  }

  /**
   * The payload of `key` from the pack, or undefined when the pack does not hold it. Each entry is
   * handed out once (later reads go to the entry file, which the pack copied). Answers are paced to a
   * few milliseconds per event-loop turn: every answer is parsed by the caller, and hundreds arriving
   * in one turn would block the server.
   */
  async take(key: string): Promise<string | undefined> {
    await this.load();
    const payload = this.takeLoaded(key);
    if (payload === undefined) return undefined;
    const wait = this.pacer.pass();
    if (wait !== undefined) await wait;
    return payload;
  }

  /** The payload of `key` if the pack is loaded and holds it, without waiting or pacing. */
  takeLoaded(key: string): string | undefined {
    const payload = this.entries?.get(key);
    if (payload === undefined) return undefined;
    this.entries?.delete(key);
    if (this.entries?.size === 0) this.release();
    this.use(key, false);
    return payload.toString("utf8");
  }

  /** Notes a read of `key` from its own file. */
  readFromFile(key: string): void {
    this.use(key, !this.packed.has(key));
  }

  /** Notes a write of `key`: the pack's copy, if any, is now older than the file. */
  written(key: string): void {
    this.entries?.delete(key);
    this.use(key, true);
  }

  /** Forgets everything (the cache directory was cleared, pack included). */
  clear(): void {
    this.release();
    this.packed = new Set();
    this.recent.clear();
    this.dirty = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Rewrites the pack now if anything changed (tests; the server waits for a pause instead). */
  async flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.writing;
    if (!this.dirty) return;
    this.writing = this.writePack().finally(() => {
      this.writing = null;
    });
    await this.writing;
  }

  private use(key: string, changed: boolean): void {
    this.recent.delete(key);
    this.recent.add(key);
    if (this.recent.size > this.maxEntries * 2) {
      // Only the newest keys can make it into the pack; older ones need not be remembered.
      for (const old of this.recent) {
        this.recent.delete(old);
        if (this.recent.size <= this.maxEntries) break;
      }
    }
    if (changed) this.dirty = true;
    if (!this.dirty) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.options.delayMs);
    this.timer.unref?.();
  }

  private release(): void {
    this.entries = null;
    if (this.releaseTimer !== null) clearTimeout(this.releaseTimer);
    this.releaseTimer = null;
  }

  private async readPack(): Promise<void> {
    let decoded: Map<string, Buffer> | string;
    try {
      // A pack is never written above `maxBytes` plus its framing; anything much larger is not one
      // of ours, and reading it whole could exhaust memory.
      const { size } = await fs.stat(this.options.file);
      decoded =
        size > this.maxBytes * 2 + 1024 * 1024 ? "too large" : await decodePack(await fs.readFile(this.options.file));
    } catch {
      return;
    }
    if (typeof decoded === "string") {
      this.options.onCorrupt();
      this.options.log(`discarding the cache pack ${path.basename(this.options.file)}: ${decoded}`);
      await fs.rm(this.options.file, { force: true }).catch(() => undefined);
      return;
    }
    // Entries written by this process while the pack was loading are newer than the pack's copies.
    for (const key of this.recent) decoded.delete(key);
    this.entries = decoded;
    this.packed = new Set(decoded.keys());
    // The pack's own order is its recency: this session's uses go after it.
    const used = [...this.recent];
    this.recent.clear();
    for (const key of this.packed) this.recent.add(key);
    for (const key of used) {
      this.recent.delete(key);
      this.recent.add(key);
    }
    this.releaseTimer = setTimeout(() => this.release(), this.options.keepMs ?? 120_000);
    this.releaseTimer.unref?.();
  }

  private async writePack(): Promise<void> {
    this.dirty = false;
    const keys = [...this.recent].slice(-this.maxEntries).reverse();
    const chosen: { key: string; payload: Buffer }[] = [];
    let bytes = 0;
    for (const key of keys) {
      const payload = this.entries?.get(key) ?? (await this.options.readEntry(key));
      if (payload === null) continue;
      if (bytes + payload.length > this.maxBytes) break;
      bytes += payload.length;
      chosen.push({ key, payload });
    }
    chosen.reverse();
    const body = await encodePack(chosen);
    const temp = `${this.options.file}.${process.pid}.${Date.now()}.tmp`;
    try {
      await fs.mkdir(path.dirname(this.options.file), { recursive: true });
      await this.options.writeFile(temp, body);
      await fs.rename(temp, this.options.file);
      this.packed = new Set(chosen.map((c) => c.key));
    } catch (error) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      if (!this.warnedWrite) {
        this.warnedWrite = true;
        this.options.log(`cannot write the cache pack (${(error as Error).message}); entries are read one by one`);
      }
    }
  }
}

/**
 * Serialises entries: a header line with the count, the body's length and its SHA-256, then per entry
 * a line "<key bytes> <payload bytes>" followed by the key and the payload, unescaped.
 */
export async function encodePack(entries: readonly { key: string; payload: Buffer }[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const { key, payload } of entries) {
    const keyBytes = Buffer.from(key, "utf8");
    parts.push(Buffer.from(`${keyBytes.length} ${payload.length}\n`, "latin1"), keyBytes, payload);
  }
  const body = Buffer.concat(parts);
  const header = `${packMagic} ${entries.length} ${body.length} ${await sha256Hex(body)}\n`;
  return Buffer.concat([Buffer.from(header, "latin1"), body]);
}

/** The entries of a well-formed pack (payloads share the file's buffer), or why it is not one. */
export async function decodePack(data: Buffer): Promise<Map<string, Buffer> | string> {
  const newline = data.indexOf(0x0a);
  if (newline < 0 || newline > 200) return "no header";
  const header = data.subarray(0, newline).toString("latin1").split(" ");
  if (header.length !== 5 || `${header[0]} ${header[1]}` !== packMagic) return "unknown header";
  const count = Number(header[2]);
  const length = Number(header[3]);
  const body = data.subarray(newline + 1);
  if (!Number.isInteger(count) || !Number.isInteger(length) || body.length !== length) return "truncated";
  if ((await sha256Hex(body)) !== header[4]) return "checksum mismatch";
  const entries = new Map<string, Buffer>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = body.indexOf(0x0a, at);
    if (end < 0 || end - at > 40) return "malformed entry";
    const [keyText, payloadText] = body.subarray(at, end).toString("latin1").split(" ");
    const keyLength = Number(keyText);
    const payloadLength = Number(payloadText);
    if (!Number.isInteger(keyLength) || !Number.isInteger(payloadLength) || keyLength <= 0 || payloadLength < 0) {
      return "malformed entry";
    }
    const keyEnd = end + 1 + keyLength;
    const payloadEnd = keyEnd + payloadLength;
    if (payloadEnd > body.length) return "malformed entry";
    entries.set(body.toString("utf8", end + 1, keyEnd), body.subarray(keyEnd, payloadEnd));
    at = payloadEnd;
  }
  if (at !== body.length) return "trailing bytes";
  return entries;
}

/** SHA-256 through Web Crypto, which hashes on libuv's thread pool rather than the main thread. */
async function sha256Hex(data: Buffer): Promise<string> {
  const digest = await webcrypto.subtle.digest("SHA-256", data);
  return Buffer.from(digest).toString("hex");
}

/**
 * Lets callers through for a few milliseconds of each event-loop turn and queues the rest for later
 * turns. Time is wall time since the turn's first caller, so it covers what callers do with their
 * answers in the same turn.
 */
export class Pacer {
  private readonly waiting: (() => void)[] = [];
  private readonly turn: TurnBudget;
  private draining = false;

  constructor(private readonly budgetMs: number) {
    this.turn = new TurnBudget(budgetMs);
  }

  /** Undefined when the caller may go on now; otherwise a promise that resolves in a later turn. */
  pass(): Promise<void> | undefined {
    if (this.waiting.length === 0 && this.turn.allows()) return undefined;
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => this.drain());
      }
    });
  }

  private drain(): void {
    const started = performance.now();
    // One caller per microtask: each released caller's next step runs before the clock is read again.
    const step = (): void => {
      if (this.waiting.length === 0) {
        this.draining = false;
        return;
      }
      if (performance.now() - started >= this.budgetMs) {
        setImmediate(() => this.drain());
        return;
      }
      this.waiting.shift()?.();
      queueMicrotask(step);
    };
    step();
  }
}

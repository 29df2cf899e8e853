import { promises as fs } from "node:fs";
import * as path from "node:path";
import { decodeEntry } from "../../server/src/node/diskCache";
import { seededRandom, type Random } from "./seededRandom";

/**
 * Tools for corrupting Pinsight's disk cache the ways real caches get damaged (a crash mid-write, a
 * flaky disk, a sync tool, a user poking around), shared by the unit campaign and the server and CLI
 * tests. Randomness is seeded so that a failing campaign replays exactly.
 */

export type { Random };

/** mulberry32: a tiny deterministic generator. */
export const generator = seededRandom;

/** A whole number in [0, n). */
export const below = (random: Random, n: number): number => Math.floor(random() * n);

export const damageKinds = [
  "truncated",
  "header bit flip",
  "payload bit flip",
  "garbage",
  "zero length",
  "deleted",
  "directory",
  "swapped",
] as const;
export type DamageKind = (typeof damageKinds)[number];

/** Damages one entry file in place; `swapped` takes a second file and exchanges the two contents. */
export async function damage(kind: DamageKind, file: string, random: Random, partner?: string): Promise<void> {
  const data = await fs.readFile(file);
  const newline = data.indexOf(0x0a);
  switch (kind) {
    case "truncated":
      await fs.writeFile(file, data.subarray(0, below(random, data.length)));
      return;
    case "header bit flip":
    case "payload bit flip": {
      const copy = Buffer.from(data);
      const offset =
        kind === "header bit flip"
          ? below(random, newline + 1)
          : newline + 1 + below(random, data.length - newline - 1);
      copy[offset] = (copy[offset] ?? 0) ^ (1 << below(random, 8));
      await fs.writeFile(file, copy);
      return;
    }
    case "garbage":
      await fs.writeFile(file, Buffer.from(Array.from({ length: 1 + below(random, 8192) }, () => below(random, 256))));
      return;
    case "zero length":
      await fs.writeFile(file, Buffer.alloc(0));
      return;
    case "deleted":
      await fs.rm(file);
      return;
    case "directory":
      await fs.rm(file);
      await fs.mkdir(file);
      await fs.writeFile(path.join(file, "inside"), "a directory where an entry belongs");
      return;
    case "swapped": {
      if (partner === undefined) throw new Error("a swap needs two entries");
      // Both entries are valid on their own; only the binding of the checksum to the key can tell.
      const other = await fs.readFile(partner);
      await fs.writeFile(file, other);
      await fs.writeFile(partner, data);
      return;
    }
  }
}

/** Junk beside the entries, which is never read as an entry and so must never be reported as damage. */
export async function addJunk(cacheDir: string, random: Random): Promise<number> {
  const shards = (await fs.readdir(cacheDir, { withFileTypes: true })).filter((e) => e.isDirectory());
  const shard = path.join(cacheDir, shards[below(random, shards.length)]?.name ?? "ff");
  await fs.mkdir(shard, { recursive: true });
  await fs.writeFile(path.join(shard, `junk-${below(random, 1e9)}`), "junk");
  await fs.writeFile(path.join(shard, `${"0".repeat(64)}.entry.1.deadbeef.tmp`), "half a write");
  await fs.writeFile(path.join(cacheDir, "README"), "not a cache entry");
  return 3;
}

/** One valid entry found on disk, with the key its record names (checked against the checksum). */
export interface CacheEntry {
  readonly file: string;
  readonly key: string;
}

/** Every regular file under `dir`. */
export async function listFiles(dir: string): Promise<string[]> {
  const result: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isFile()) result.push(path.join(entry.parentPath, entry.name));
  }
  return result;
}

/** The valid entries of a cache directory; files that are not valid entries are left out. */
export async function validEntries(dir: string): Promise<CacheEntry[]> {
  const result: CacheEntry[] = [];
  for (const file of await listFiles(dir)) {
    if (!file.endsWith(".entry")) continue;
    const data = await fs.readFile(file).catch(() => Buffer.alloc(0));
    const newline = data.indexOf(0x0a);
    let key: unknown;
    try {
      key = (JSON.parse(data.subarray(newline + 1).toString("utf8")) as { key?: unknown }).key;
    } catch {
      continue;
    }
    if (typeof key === "string" && decodeEntry(data, key) !== null) result.push({ file, key });
  }
  return result;
}

export interface DamageRow {
  injected: number;
  detected: number;
  refetched: number;
}

/** The table the campaign prints: kind, injected, detected, refetched. */
export function formatTable(title: string, rows: ReadonlyMap<string, DamageRow>): string {
  const lines = [["corruption kind", "injected", "detected", "refetched"]];
  const total = { injected: 0, detected: 0, refetched: 0 };
  for (const [kind, row] of rows) {
    lines.push([kind, String(row.injected), String(row.detected), String(row.refetched)]);
    total.injected += row.injected;
    total.detected += row.detected;
    total.refetched += row.refetched;
  }
  lines.push(["total", String(total.injected), String(total.detected), String(total.refetched)]);
  const widths = (lines[0] ?? []).map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length)));
  const text = lines.map((l) =>
    l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "),
  );
  return `\n    ${title}:\n${text.map((l) => `      ${l}`).join("\n")}\n`;
}

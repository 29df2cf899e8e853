import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { NearbyLock } from "../core/locks/drift";
import { lockFormatOf } from "../core/locks/detect";
import type { ParsedLock } from "../core/locks/lockModel";
import { parseLock } from "../core/locks/parseLock";
import { parseManifest } from "../core/manifests/manifest";
import { parseTomlDocument, plain } from "../core/locks/tomlDoc";
import type { RequirementsTree } from "../core/parsing/requirementsModel";

/** Lock files larger than this are not read for drift checks (a lock of 20 MB is not a lock to edit). */
const maxBytes = 16 * 1024 * 1024;

/**
 * Lock files and manifests next to a document, read from disk (or from the editor when open) and
 * parsed once per modification time, for the drift checks between a manifest and its lock.
 */
export class NearbyFiles {
  private readonly locks = new Map<string, { stamp: string; lock: ParsedLock }>();
  private readonly manifests = new Map<string, { stamp: string; tree: RequirementsTree; data: unknown }>();

  constructor(private readonly openText: (file: string) => string | undefined) {}

  /** The first existing lock among `names` in `directory`. */
  lockNear(directory: string, names: readonly string[]): NearbyLock | null {
    for (const name of names) {
      const file = path.join(directory, name);
      const format = lockFormatOf(name);
      if (format === null || format === "pyproject.toml" || format === "Pipfile") continue;
      const text = this.read(file);
      if (text === null) continue;
      const stamp = text.stamp;
      let cached = this.locks.get(file);
      if (cached === undefined || cached.stamp !== stamp) {
        cached = { stamp, lock: parseLock(format, text.text) };
        this.locks.set(file, cached);
      }
      return { name, lock: cached.lock };
    }
    return null;
  }

  /** The manifest (`pyproject.toml` or `Pipfile`) in `directory`, as a requirements tree. */
  manifestNear(directory: string, name: "pyproject.toml" | "Pipfile"): RequirementsTree | null {
    return this.manifest(directory, name)?.tree ?? null;
  }

  /** The manifest as plain data (TOML tables as objects), for content hashes; null when absent. */
  manifestData(directory: string, name: "pyproject.toml" | "Pipfile"): unknown {
    return this.manifest(directory, name)?.data ?? null;
  }

  private manifest(directory: string, name: "pyproject.toml" | "Pipfile") {
    const file = path.join(directory, name);
    const text = this.read(file);
    if (text === null) return null;
    let cached = this.manifests.get(file);
    if (cached === undefined || cached.stamp !== text.stamp) {
      const document = parseTomlDocument(text.text);
      cached = {
        stamp: text.stamp,
        tree: parseManifest(name, file, text.text).tree,
        data: document.error ? null : plain(document.root),
      };
      this.manifests.set(file, cached);
    }
    return cached;
  }

  /** A small text file next to a document (the editor's text when open), or undefined. */
  text(file: string): string | undefined {
    const open = this.openText(file);
    if (open !== undefined) return open;
    try {
      const stat = fs.statSync(file);
      return stat.isFile() && stat.size <= maxBytes ? fs.readFileSync(file, "utf8").replace(/^\ufeff/, "") : undefined;
    } catch {
      return undefined;
    }
  }

  private read(file: string): { text: string; stamp: string } | null {
    const open = this.openText(file);
    if (open !== undefined) return { text: open, stamp: `open:${open.length}:${hash(open)}` };
    try {
      const stat = fs.statSync(file);
      if (!stat.isFile() || stat.size > maxBytes) return null;
      const stamp = `${stat.mtimeMs}:${stat.size}`;
      const cachedLock = this.locks.get(file);
      const cachedManifest = this.manifests.get(file);
      if (cachedLock?.stamp === stamp || cachedManifest?.stamp === stamp) return { text: "", stamp };
      return { text: fs.readFileSync(file, "utf8").replace(/^\ufeff/, ""), stamp };
    } catch {
      return null;
    }
  }
}

/** A cheap content fingerprint for open documents (FNV-1a), so unchanged text is not re-parsed. */
function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h.toString(16);
}

/** Which locks belong to a manifest or requirements file, in the order they are looked for. */
export function lockCandidates(kind: "requirements" | "pyproject.toml" | "Pipfile", tool?: string): string[] {
  if (kind === "Pipfile") return ["Pipfile.lock"];
  if (kind === "pyproject.toml") {
    if (tool === "poetry") return ["poetry.lock"];
    if (tool === "uv") return ["uv.lock"];
    if (tool === "pdm") return ["pdm.lock", "pylock.toml"];
    return ["uv.lock", "pdm.lock", "pylock.toml", "poetry.lock"];
  }
  return ["poetry.lock", "uv.lock", "pdm.lock", "pylock.toml", "Pipfile.lock"];
}

/** SHA-256 of a text (UTF-8), lower-case hex. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { normalizeName } from "../core/parsing/names";
import { parseDistMetadata } from "../core/python/distMetadata";
import { parsePyvenvCfg } from "../core/python/pyvenvCfg";

/**
 * Finds the project's Python environment and reads its installed distributions from
 * `*.dist-info/METADATA` and `*.egg-info` without running Python, which may not even be installed where
 * the editor runs (a remote container, a venv made for another machine).
 */

/** A Python environment on disk. */
export interface PythonEnvironment {
  /** The absolute path of the environment root (the directory holding `pyvenv.cfg`, `bin/`, `lib/`). */
  readonly path: string;
  /** Whether it was named by the `pinsight.pythonEnvironment` setting or found in the workspace folder. */
  readonly source: "setting" | "workspace";
  /** The Python version from `pyvenv.cfg`, e.g. "3.11.7" (or "3.12" when the creator wrote only that). */
  readonly pythonVersion?: string;
  /** The implementation from `pyvenv.cfg`, e.g. "CPython", when the creator wrote one. */
  readonly implementation?: string;
}

/** One installed distribution, as its core metadata names it. */
export interface InstalledDistribution {
  /** The `Name` header as written (`Django`, `zope.interface`). */
  readonly name: string;
  /** The PEP 503 normalised name (`django`, `zope-interface`), the key of the map. */
  readonly normalizedName: string;
  /** The `Version` header as written (not validated against PEP 440). */
  readonly version: string;
  /** The site-packages directory it was found in. */
  readonly location: string;
}

/** Workspace folders looked in, in order, when there is no setting. */
const candidates = [".venv", "venv", "env"];
/** More directory entries than any real environment has: a bound against pathological directories. */
const maxEntries = 20_000;
/** A `pyvenv.cfg` is a few hundred bytes; read no more than this of one. */
const maxCfgBytes = 64 * 1024;
/** The metadata headers come first; a long description after them can be megabytes. */
const metadataFirstRead = 16 * 1024;
/** When the headers were not complete in the first read, read this much before giving up. */
const metadataMaxRead = 256 * 1024;
/** Metadata files read at the same time. */
const readConcurrency = 16;

/**
 * Finds the environment for a workspace `folder`.
 *
 * `setting` is `pinsight.pythonEnvironment`: absolute, or relative to `folder`; `~`, `${userHome}` and
 * `${workspaceFolder}` are expanded. It may name the environment root, its `bin`/`Scripts` directory,
 * its python executable (`bin/python`, `Scripts/python.exe`, or a conda-style `python.exe` at the root)
 * or its `pyvenv.cfg`. A set setting is authoritative: when it names nothing that exists the result is
 * undefined and the workspace is not searched. A root without `pyvenv.cfg` (conda, a system Python) is
 * accepted, just without a Python version.
 *
 * Otherwise the first of `.venv/`, `venv/`, `env/` in `folder` that contains a `pyvenv.cfg` file.
 * Never rejects.
 */
export async function findPythonEnvironment(folder: string, setting?: string): Promise<PythonEnvironment | undefined> {
  try {
    return await findEnvironment(folder, setting);
  } catch {
    // Only something outside the file system (no home directory to expand `~` with) gets here.
    return undefined;
  }
}

async function findEnvironment(folder: string, setting: string | undefined): Promise<PythonEnvironment | undefined> {
  if (setting !== undefined && setting.trim() !== "") {
    const root = await settingRoot(folder, setting.trim());
    if (root === undefined) return undefined;
    const cfg = await readCfg(root);
    return { path: root, source: "setting", ...cfg };
  }
  for (const name of candidates) {
    const root = path.resolve(folder, name);
    const cfg = await readCfg(root);
    if (cfg !== undefined) return { path: root, source: "workspace", ...cfg };
  }
  return undefined;
}

/**
 * Reads the installed distributions of `env`: every `*.dist-info` (its `METADATA`) and `*.egg-info` (a
 * `PKG-INFO` file inside it, or the file itself) in the environment's site-packages directories, keyed
 * by normalised name. When a name occurs twice the first wins, in site-packages order and then in
 * sorted entry order, so the result does not depend on directory listing order. At most ~20,000
 * directory entries are looked at; unreadable or unparseable entries are skipped. Never rejects.
 */
export async function readInstalledDistributions(
  env: PythonEnvironment,
): Promise<ReadonlyMap<string, InstalledDistribution>> {
  const result = new Map<string, InstalledDistribution>();
  let budget = maxEntries;
  for (const dir of await sitePackagesDirs(env.path, env.pythonVersion)) {
    if (budget <= 0) break;
    const names = (await listDir(dir)).sort().slice(0, budget);
    budget -= names.length;
    const entries = names.filter((name) => name.endsWith(".dist-info") || name.endsWith(".egg-info"));
    const parsed = await mapBounded(entries, readConcurrency, (name) => readEntry(dir, name));
    for (const dist of parsed) {
      if (dist !== undefined && !result.has(dist.normalizedName)) result.set(dist.normalizedName, dist);
    }
  }
  return result;
}

/** Resolves the setting to an existing environment root, or undefined. */
async function settingRoot(folder: string, setting: string): Promise<string | undefined> {
  const target = path.resolve(folder, expandSetting(setting, folder));
  const kind = await entryKind(target);
  if (kind === undefined) return undefined;
  if (kind === "directory") {
    // `.venv/bin` or `.venv/Scripts` named instead of the root.
    if (isScriptsDir(target) && (await readCfg(path.dirname(target))) !== undefined) return path.dirname(target);
    return target;
  }
  const parent = path.dirname(target);
  if (path.basename(target).toLowerCase() === "pyvenv.cfg") return parent;
  // An executable: in `bin/` (POSIX) or `Scripts/` (Windows venv) under the root, or directly in the
  // root (Windows conda and the python.org installer layout).
  return isScriptsDir(parent) ? path.dirname(parent) : parent;
}

/** Expands a leading `~` and the `${userHome}` and `${workspaceFolder}` variables VS Code users write. */
function expandSetting(setting: string, folder: string): string {
  const expanded = setting.replace(/\$\{(userHome|workspaceFolder)\}/g, (_, name: string) =>
    name === "userHome" ? os.homedir() : folder,
  );
  if (expanded === "~") return os.homedir();
  if (expanded.startsWith("~/") || expanded.startsWith("~\\")) return path.join(os.homedir(), expanded.slice(2));
  return expanded;
}

function isScriptsDir(dir: string): boolean {
  const base = path.basename(dir).toLowerCase();
  return base === "bin" || base === "scripts";
}

/**
 * What `target` is: a symbolic link that does not resolve still counts as a file, because a venv
 * copied from another machine (or a container) has a `bin/python` link to an interpreter that is
 * not here, and its site-packages are still readable.
 */
async function entryKind(target: string): Promise<"file" | "directory" | undefined> {
  try {
    return (await fs.stat(target)).isDirectory() ? "directory" : "file";
  } catch {
    try {
      return (await fs.lstat(target)).isSymbolicLink() ? "file" : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * Reads `root/pyvenv.cfg`: undefined when there is no such file, otherwise the version and
 * implementation it names (possibly neither).
 */
async function readCfg(root: string): Promise<Pick<PythonEnvironment, "pythonVersion" | "implementation"> | undefined> {
  const text = await readStart(path.join(root, "pyvenv.cfg"), maxCfgBytes);
  if (text === undefined) return undefined;
  const cfg = parsePyvenvCfg(text.text);
  return {
    ...(cfg.version !== undefined ? { pythonVersion: cfg.version } : {}),
    ...(cfg.implementation !== undefined ? { implementation: cfg.implementation } : {}),
  };
}

/**
 * The site-packages directories of the environment at `root`, in lookup order: `lib/<python>/` and
 * `lib64/<python>/` (POSIX, with `<python>` like `python3.11`, `python3.13t` or `pypy3.10`),
 * `Lib/site-packages` (Windows) and `site-packages` (old PyPy). When the Python version is known and a
 * `lib/pythonX.Y*` directory matches it, directories of other versions (left behind by an upgrade) are
 * ignored. Directories reached twice (`lib64` is often a link to `lib`; `lib` and `Lib` are one
 * directory on case-insensitive file systems) are listed once.
 */
async function sitePackagesDirs(root: string, pythonVersion: string | undefined): Promise<string[]> {
  // Only the names as they are on disk, so that a case-insensitive file system does not yield `Lib` as
  // `lib` too (which would be found twice, and reported under a spelling that is not on disk).
  const rootNames = new Set(await listDir(root));
  const versioned: string[] = [];
  const other: string[] = [];
  for (const lib of ["lib", "lib64", "Lib"]) {
    if (!rootNames.has(lib)) continue;
    for (const name of (await listDir(path.join(root, lib))).sort()) {
      if (/^(?:python|pypy)\d/.test(name)) versioned.push(path.join(root, lib, name, "site-packages"));
      else if (name === "site-packages") other.push(path.join(root, lib, name));
    }
  }
  if (rootNames.has("site-packages")) other.push(path.join(root, "site-packages"));
  const minor = pythonVersion === undefined ? undefined : /^\d+\.\d+/.exec(pythonVersion)?.[0];
  const own = minor === undefined ? undefined : new RegExp(`^(?:python|pypy)${minor.replace(".", "\\.")}t?$`);
  const matching = own === undefined ? [] : versioned.filter((dir) => own.test(dirVersionPart(dir)));
  const seen = new Set<string>();
  const dirs: string[] = [];
  for (const dir of [...(matching.length > 0 ? matching : versioned), ...other]) {
    const identity = await directoryIdentity(dir);
    if (identity === undefined || seen.has(identity)) continue;
    seen.add(identity);
    dirs.push(dir);
  }
  return dirs;
}

/** `python3.11` from `<root>/lib/python3.11/site-packages`. */
function dirVersionPart(sitePackages: string): string {
  return path.basename(path.dirname(sitePackages));
}

/** A key equal for two paths of the same directory (device and inode), or undefined if not a directory. */
async function directoryIdentity(dir: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(dir, { bigint: true });
    return stat.isDirectory() ? `${stat.dev}:${stat.ino}` : undefined;
  } catch {
    return undefined;
  }
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch {
    return [];
  }
}

/** Reads one `*.dist-info` or `*.egg-info` entry of `dir`, or undefined when it is unusable. */
async function readEntry(dir: string, name: string): Promise<InstalledDistribution | undefined> {
  let file = path.join(dir, name, "METADATA");
  if (name.endsWith(".egg-info")) {
    const kind = await entryKind(path.join(dir, name));
    file = kind === "directory" ? path.join(dir, name, "PKG-INFO") : path.join(dir, name);
  }
  let read = await readStart(file, metadataFirstRead);
  let metadata = read === undefined ? null : parseDistMetadata(read.text);
  if (metadata === null && read !== undefined && read.truncated) {
    read = await readStart(file, metadataMaxRead);
    metadata = read === undefined ? null : parseDistMetadata(read.text);
  }
  if (metadata === null) return undefined;
  const normalizedName = normalizeName(metadata.name);
  return { name: metadata.name, normalizedName, version: metadata.version, location: dir };
}

/**
 * Reads at most `limit` bytes from the start of a regular file as UTF-8 (a character cut at the end
 * becomes U+FFFD). Undefined when the file cannot be read or is not a regular file.
 */
async function readStart(file: string, limit: number): Promise<{ text: string; truncated: boolean } | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, "r");
    const stat = await handle.stat();
    if (!stat.isFile()) return undefined;
    const buffer = Buffer.alloc(Math.min(limit, Math.max(0, stat.size)));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { text: buffer.subarray(0, filled).toString("utf8"), truncated: stat.size > limit };
  } catch {
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** `items.map(fn)` with at most `limit` calls in flight; results keep the order of `items`. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

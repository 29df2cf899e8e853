import * as fs from "node:fs/promises";
import * as path from "node:path";
import { parseDistMetadata } from "../core/python/distMetadata";
import { parsePyvenvCfg } from "../core/python/pyvenvCfg";
import { normalizeName } from "../core/parsing/names";

/**
 * Finds the project's virtual environment and reads its installed distributions from
 * `*.dist-info/METADATA` and `*.egg-info` without running Python (which may not even be installed
 * where the editor runs).
 */

export interface PythonEnvironment {
  readonly path: string;
  readonly source: "setting" | "workspace";
  readonly pythonVersion?: string;
  readonly implementation?: string;
}

export interface InstalledDistribution {
  readonly name: string;
  readonly normalizedName: string;
  readonly version: string;
  readonly location: string;
}

const candidates = [".venv", "venv", "env"];
/** More entries than any real environment has; a bound against pathological directories. */
const maxEntries = 20_000;

async function readCfg(root: string): Promise<PythonEnvironment | undefined> {
  try {
    const text = await fs.readFile(path.join(root, "pyvenv.cfg"), "utf8");
    const cfg = parsePyvenvCfg(text);
    return {
      path: root,
      source: "workspace",
      ...(cfg.version !== undefined ? { pythonVersion: cfg.version } : {}),
      ...(cfg.implementation !== undefined ? { implementation: cfg.implementation } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * `setting` (`pinsight.pythonEnvironment`) may be absolute or relative to `folder` and may name the
 * environment root or its python executable. Otherwise the first of `.venv/`, `venv/`, `env/` in
 * `folder` that has a `pyvenv.cfg`.
 */
export async function findPythonEnvironment(folder: string, setting?: string): Promise<PythonEnvironment | undefined> {
  if (setting !== undefined && setting.trim() !== "") {
    let root = path.resolve(folder, setting.trim());
    try {
      const stat = await fs.stat(root);
      // A python executable sits in bin/ (POSIX) or Scripts/ (Windows) under the root.
      if (stat.isFile()) root = path.dirname(path.dirname(root));
    } catch {
      return undefined;
    }
    const env = await readCfg(root);
    return env === undefined ? { path: root, source: "setting" } : { ...env, source: "setting" };
  }
  for (const name of candidates) {
    const env = await readCfg(path.join(folder, name));
    if (env !== undefined) return env;
  }
  return undefined;
}

async function sitePackagesDirs(root: string): Promise<string[]> {
  const dirs: string[] = [];
  for (const lib of ["lib", "lib64", "Lib"]) {
    let names: string[];
    try {
      names = await fs.readdir(path.join(root, lib));
    } catch {
      continue;
    }
    if (names.includes("site-packages")) dirs.push(path.join(root, lib, "site-packages"));
    for (const name of names) {
      if (/^(python|pypy)\d/.test(name)) dirs.push(path.join(root, lib, name, "site-packages"));
    }
  }
  return [...new Set(dirs)];
}

export async function readInstalledDistributions(
  env: PythonEnvironment,
): Promise<ReadonlyMap<string, InstalledDistribution>> {
  const result = new Map<string, InstalledDistribution>();
  let seen = 0;
  for (const dir of await sitePackagesDirs(env.path)) {
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (++seen > maxEntries) return result;
      let metadataPath: string;
      if (name.endsWith(".dist-info")) metadataPath = path.join(dir, name, "METADATA");
      else if (name.endsWith(".egg-info")) metadataPath = path.join(dir, name);
      else continue;
      try {
        if (name.endsWith(".egg-info") && (await fs.stat(metadataPath)).isDirectory()) {
          metadataPath = path.join(metadataPath, "PKG-INFO");
        }
        const handle = await fs.open(metadataPath, "r");
        let text: string;
        try {
          // The headers are at the top; a long description can be megabytes.
          const buffer = Buffer.alloc(16 * 1024);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
          text = buffer.subarray(0, bytesRead).toString("utf8");
        } finally {
          await handle.close();
        }
        const parsed = parseDistMetadata(text);
        if (parsed === null) continue;
        const normalizedName = normalizeName(parsed.name);
        if (!result.has(normalizedName)) {
          result.set(normalizedName, { name: parsed.name, normalizedName, version: parsed.version, location: dir });
        }
      } catch {
        continue;
      }
    }
  }
  return result;
}

import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { ParsedLock } from "../../server/src/core/locks/lockModel";

/** What Python's tomllib reads from a lock file: its packages in order and its Python target, or why it refused it. */
export type TomllibReading =
  { readonly packages: [string | null, string | null][]; readonly python: string | null } | { readonly error: string };

/**
 * Reads each file with Python's tomllib (one python3 run for all): the (name, version) pairs of the
 * arrays of tables under `packageKeys`, in order, and the value at `pythonPath` (keys and list
 * indexes from the document root). Undefined when python3 or tomllib (Python 3.11+) is missing.
 */
export function readWithTomllib(
  files: readonly string[],
  packageKeys: readonly string[],
  pythonPath: readonly (string | number)[],
): Record<string, TomllibReading> | undefined {
  const script = [
    "import json, sys, tomllib",
    "keys = json.loads(sys.argv[1])",
    "python_path = json.loads(sys.argv[2])",
    "def at(doc, path):",
    "    for step in path:",
    "        if isinstance(step, int):",
    "            doc = doc[step] if isinstance(doc, list) and len(doc) > step else None",
    "        else:",
    "            doc = doc.get(step) if isinstance(doc, dict) else None",
    "    return doc",
    "out = {}",
    "for path in sys.argv[3:]:",
    "    try:",
    "        with open(path, 'rb') as f:",
    "            doc = tomllib.load(f)",
    "    except Exception as e:",
    "        out[path] = {'error': str(e)}",
    "        continue",
    "    packages = [p for key in keys for p in doc.get(key, [])]",
    "    out[path] = {",
    "        'packages': [[p.get('name'), p.get('version')] for p in packages],",
    "        'python': at(doc, python_path),",
    "    }",
    "print(json.dumps(out))",
  ].join("\n");
  const result = spawnSync(
    "python3",
    ["-c", script, JSON.stringify(packageKeys), JSON.stringify(pythonPath), ...files],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.error || result.status !== 0) return undefined;
  return JSON.parse(result.stdout) as Record<string, TomllibReading>;
}

/**
 * Asserts that our parse of `file` agrees with tomllib's reading: the same packages in the same order
 * and the same Python target, or — where tomllib refused the file — an error-level problem.
 */
export function assertAgreesWithTomllib(file: string, theirs: TomllibReading | undefined, lock: ParsedLock): void {
  assert.ok(theirs, `tomllib did not read ${file}`);
  if ("error" in theirs) {
    assert.ok(
      lock.problems.some((p) => p.severity === "error"),
      `${file}: tomllib refused it: ${theirs.error}`,
    );
    return;
  }
  const ours = lock.entries.map((e) => [e.name.value, e.version?.value ?? null]);
  assert.equal(ours.length, theirs.packages.length, file);
  assert.deepEqual(ours, theirs.packages, file);
  assert.equal(lock.python?.raw.value ?? null, theirs.python, file);
}

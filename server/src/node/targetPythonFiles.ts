import * as fs from "node:fs/promises";
import * as path from "node:path";

/**
 * Reads the files that declare a project's target Python, for `detectTargetPython` in
 * `core/python/targetPython.ts`, which decides between them.
 */

/** The files looked for in each directory, in the priority order the detection expects. */
const candidates: readonly { readonly relative: string; readonly name: string }[] = [
  { relative: path.join(".venv", "pyvenv.cfg"), name: "pyvenv.cfg" },
  { relative: path.join("venv", "pyvenv.cfg"), name: "pyvenv.cfg" },
  { relative: ".python-version", name: ".python-version" },
  { relative: "runtime.txt", name: "runtime.txt" },
  { relative: "pyproject.toml", name: "pyproject.toml" },
  { relative: "Pipfile", name: "Pipfile" },
  { relative: "setup.cfg", name: "setup.cfg" },
  { relative: "uv.lock", name: "uv.lock" },
];

/** How many parent directories are searched when there is no workspace folder to stop at. */
const levelsWithoutStop = 3;
/**
 * The most read of one file. Declarations sit near the top (a `uv.lock` of several megabytes starts
 * with `requires-python`), so a longer file is read up to this size and cut back to its last line break,
 * which keeps a value from being cut in half.
 */
const maxBytes = 1024 * 1024;

/**
 * The directories searched, nearest first: `documentDir` and its parents up to and including `stopAt`
 * (the workspace folder). When `stopAt` is null or does not contain `documentDir`, `documentDir` and at
 * most three of its parents are searched. The walk also ends at the file-system root.
 */
function directoriesToSearch(documentDir: string, stopAt: string | null): string[] {
  const start = path.resolve(documentDir);
  const stop = stopAt === null ? null : path.resolve(stopAt);
  const relative = stop === null ? null : path.relative(stop, start);
  const inside =
    relative !== null && relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
  const directories: string[] = [];
  let current = start;
  while (true) {
    directories.push(current);
    if (inside ? current === stop : directories.length > levelsWithoutStop) break;
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return directories;
}

/** The start of a regular file as text (see {@link maxBytes}), or undefined when it cannot be read. */
async function readStart(file: string): Promise<string | undefined> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, "r");
    const stat = await handle.stat();
    if (!stat.isFile()) return undefined;
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const text = buffer.subarray(0, filled).toString("utf8");
    if (stat.size <= maxBytes) return text;
    const lastBreak = text.lastIndexOf("\n");
    return lastBreak < 0 ? "" : text.slice(0, lastBreak + 1);
  } catch {
    // A missing or unreadable file is simply not a source.
    return undefined;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Reads the target-Python files from `documentDir` up to `stopAt` (see {@link directoriesToSearch}):
 * in each directory `.venv/pyvenv.cfg`, `venv/pyvenv.cfg` (both named "pyvenv.cfg"), `.python-version`,
 * `runtime.txt`, `pyproject.toml`, `Pipfile`, `setup.cfg` and `uv.lock`, in that order, nearest directory
 * first. Files that are missing, not regular files or unreadable are left out; nothing throws.
 */
export async function readTargetPythonSources(
  documentDir: string,
  stopAt: string | null,
): Promise<{ name: string; text: string; path: string }[]> {
  const wanted = directoriesToSearch(documentDir, stopAt).flatMap((directory) =>
    candidates.map((candidate) => ({ name: candidate.name, path: path.join(directory, candidate.relative) })),
  );
  const texts = await Promise.all(wanted.map((file) => readStart(file.path)));
  const sources: { name: string; text: string; path: string }[] = [];
  wanted.forEach((file, i) => {
    const text = texts[i];
    if (text !== undefined) sources.push({ name: file.name, text, path: file.path });
  });
  return sources;
}

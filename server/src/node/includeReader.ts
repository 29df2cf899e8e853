import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type { IncludeReader } from "../core/parsing/requirementsModel";

/** Files larger than this are not read: no requirements file is this big, but /dev/zero-like inputs are endless. */
export const maxRequirementsFileBytes = 32 * 1024 * 1024;

/**
 * Reads requirements files for the parser: open editor documents first (their unsaved text is what the
 * user sees), then the disk. Identities are absolute paths; `-r` targets resolve against the including
 * file's folder as pip does. Remote (http/https) includes are named but not fetched.
 */
export function createIncludeReader(
  openDocuments: (file: string) => string | undefined = () => undefined,
): IncludeReader {
  return {
    stamp(file: string): string | undefined {
      // Open documents change without touching the disk, so only closed files get a stamp.
      if (openDocuments(file) !== undefined || /^https?:\/\//i.test(file)) return undefined;
      try {
        const stat = fs.statSync(file);
        return stat.isFile() ? `${stat.mtimeMs}:${stat.size}:${stat.ino}` : undefined;
      } catch {
        return undefined;
      }
    },
    resolve(fromFile: string, target: string): string {
      if (/^https?:\/\//i.test(target)) return target;
      if (/^file:/i.test(target)) {
        try {
          return fileURLToPath(target);
        } catch {
          return target;
        }
      }
      if (/^https?:\/\//i.test(fromFile)) return new URL(target, fromFile).toString();
      return path.resolve(path.dirname(fromFile), target);
    },
    read(file: string) {
      const open = openDocuments(file);
      if (open !== undefined) return { kind: "text", text: open };
      if (/^https?:\/\//i.test(file)) {
        return { kind: "error", reason: "remote requirements files are not fetched by Pinsight" };
      }
      return readRequirementsFromDisk(file);
    },
  };
}

export function readRequirementsFromDisk(file: string): ReturnType<IncludeReader["read"]> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { kind: "missing" };
    return { kind: "error", reason: describeError(error) };
  }
  if (stat.isDirectory()) return { kind: "not-a-file", reason: "it is a directory" };
  if (!stat.isFile()) return { kind: "not-a-file", reason: "it is not a regular file" };
  if (stat.size > maxRequirementsFileBytes) {
    return { kind: "error", reason: `it is larger than ${maxRequirementsFileBytes / 1024 / 1024} MB` };
  }
  try {
    return { kind: "bytes", bytes: fs.readFileSync(file) };
  } catch (error) {
    return { kind: "error", reason: describeError(error) };
  }
}

function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code !== undefined ? `${e.code}: ${e.message}` : String(error);
}

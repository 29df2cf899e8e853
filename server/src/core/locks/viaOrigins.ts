import { parseRequirementsText } from "../parsing/requirementsFile";
import type { LockEntry, ParsedLock } from "./lockModel";

/**
 * pip-compile writes `# via -r requirements.in` for packages the input file names. This replaces that
 * origin with the exact line — `requirements.in line 3` — by reading the input file (through
 * `readText`, relative to the compiled file's folder), so "why is it here" ends at the line a person
 * wrote. Origins that cannot be read stay as written.
 */
export function locateOrigins(
  compiled: ParsedLock,
  readText: (relativePath: string) => string | undefined,
): ParsedLock {
  const inputs = new Map<string, Map<string, number> | null>();
  const linesOf = (relative: string): Map<string, number> | null => {
    let lines = inputs.get(relative);
    if (lines === undefined) {
      const text = readText(relative);
      lines = null;
      if (text !== undefined) {
        lines = new Map();
        for (const entry of parseRequirementsText(text).entries) {
          if (entry.kind === "requirement" && entry.normalizedName && !lines.has(entry.normalizedName)) {
            lines.set(entry.normalizedName, entry.pipLine);
          }
        }
      }
      inputs.set(relative, lines);
    }
    return lines;
  };
  let changed = false;
  const entries: LockEntry[] = compiled.entries.map((entry) => {
    const via = entry.via.map((origin) => {
      const match = /^-(?:r|c)\s+(.+)$/.exec(origin.trim());
      const line = match?.[1] ? linesOf(match[1])?.get(entry.normalizedName) : undefined;
      return line === undefined || !match?.[1] ? origin : `${match[1]} line ${line}`;
    });
    if (via.every((origin, i) => origin === entry.via[i])) return entry;
    changed = true;
    return { ...entry, via };
  });
  return changed ? { ...compiled, entries } : compiled;
}

import type { IncludeReader } from "../../../server/src/core/parsing/requirementsModel";
import type { Span } from "../../../server/src/core/span";

/**
 * Cursor markers for fixture text: `⟦` and `⟧` delimit expected spans and are removed from the text.
 * `marked("⟦requests⟧\n")` gives the text "requests\n" and the span {0, 8}.
 */
export function marked(source: string): { text: string; spans: Span[] } {
  let text = "";
  const spans: Span[] = [];
  const open: number[] = [];
  for (const char of source) {
    if (char === "⟦") open.push(text.length);
    else if (char === "⟧") spans.push({ start: open.pop() ?? 0, end: text.length });
    else text += char;
  }
  spans.sort((a, b) => a.start - b.start);
  return { text, spans };
}

/** An include reader over an in-memory map of absolute POSIX paths to file contents. */
export function memoryReader(files: Readonly<Record<string, string>>): IncludeReader {
  return {
    resolve(fromFile, target) {
      if (target.startsWith("/")) return normalize(target);
      const dir = fromFile.slice(0, fromFile.lastIndexOf("/") + 1);
      return normalize(dir + target);
    },
    read(file) {
      const text = files[file];
      return text === undefined ? { kind: "missing" } : { kind: "text", text };
    },
  };
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "." && part !== "") parts.push(part);
  }
  return `/${parts.join("/")}`;
}

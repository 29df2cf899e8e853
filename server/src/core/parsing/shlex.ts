/**
 * Python's `shlex.split` (POSIX mode, no comments), which pip applies to the options part of a line,
 * with the source range of each word so diagnostics can point at it.
 */
export interface ShlexWord {
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

export type ShlexResult =
  { readonly ok: true; readonly words: ShlexWord[] } | { readonly ok: false; readonly error: string };

const whitespace = new Set([" ", "\t", "\r", "\n"]);

export function shlexSplit(text: string): ShlexResult {
  const words: ShlexWord[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && whitespace.has(text[i] as string)) i++;
    if (i >= text.length) break;
    const start = i;
    let value = "";
    while (i < text.length && !whitespace.has(text[i] as string)) {
      const c = text[i] as string;
      if (c === "'") {
        const close = text.indexOf("'", i + 1);
        if (close < 0) return { ok: false, error: "No closing quotation" };
        value += text.slice(i + 1, close);
        i = close + 1;
      } else if (c === '"') {
        i++;
        let closed = false;
        while (i < text.length) {
          const d = text[i] as string;
          if (d === '"') {
            closed = true;
            i++;
            break;
          }
          if (d === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) {
            value += text[i + 1];
            i += 2;
          } else {
            value += d;
            i++;
          }
        }
        if (!closed) return { ok: false, error: "No closing quotation" };
      } else if (c === "\\") {
        if (i + 1 >= text.length) return { ok: false, error: "No escaped character" };
        value += text[i + 1];
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    words.push({ value, start, end: i });
  }
  return { ok: true, words };
}

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

/** shlex's whitespace: space, tab, CR and LF. */
function isWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10;
}

/**
 * Splits `text` into words. A word's value is assembled from slices of the text (a plain run, the
 * inside of quotes, an escaped character), never character by character, so that a 1 MB options part
 * (a long `--hash` list) splits in a few milliseconds.
 */
export function shlexSplit(text: string): ShlexResult {
  const words: ShlexWord[] = [];
  const length = text.length;
  let i = 0;
  while (i < length) {
    while (i < length && isWhitespace(text.charCodeAt(i))) i++;
    if (i >= length) break;
    const start = i;
    const pieces: string[] = [];
    let run = i;
    while (i < length) {
      const c = text.charCodeAt(i);
      if (isWhitespace(c)) break;
      if (c === 39 /* ' */) {
        const close = text.indexOf("'", i + 1);
        if (close < 0) return { ok: false, error: "No closing quotation" };
        pieces.push(text.slice(run, i), text.slice(i + 1, close));
        i = close + 1;
        run = i;
      } else if (c === 34 /* " */) {
        pieces.push(text.slice(run, i));
        i++;
        let segment = i;
        let closed = false;
        while (i < length) {
          const d = text.charCodeAt(i);
          if (d === 34) {
            pieces.push(text.slice(segment, i));
            closed = true;
            i++;
            break;
          }
          const next = text.charCodeAt(i + 1);
          if (d === 92 /* \ */ && (next === 34 || next === 92)) {
            // Inside double quotes a backslash escapes only `"` and itself.
            pieces.push(text.slice(segment, i), text.charAt(i + 1));
            i += 2;
            segment = i;
          } else {
            i++;
          }
        }
        if (!closed) return { ok: false, error: "No closing quotation" };
        run = i;
      } else if (c === 92 /* \ */) {
        if (i + 1 >= length) return { ok: false, error: "No escaped character" };
        pieces.push(text.slice(run, i), text.charAt(i + 1));
        i += 2;
        run = i;
      } else {
        i++;
      }
    }
    pieces.push(text.slice(run, i));
    words.push({ value: pieces.length === 1 ? (pieces[0] as string) : pieces.join(""), start, end: i });
  }
  return { ok: true, words };
}

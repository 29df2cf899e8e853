import type { Span } from "../span";
import type { FileEntry, Located, ParseProblem } from "./requirementsModel";

/** What one logical line parsed to, at the offsets and line number it was parsed at. */
export interface ParsedLine {
  readonly entries: readonly FileEntry[];
  readonly problems: readonly ParseProblem[];
  readonly requiresHashes: boolean;
}

interface Remembered {
  readonly parsed: ParsedLine;
  readonly start: number;
  readonly pipLine: number;
}

/**
 * Parses of logical lines kept between parses of an edited document, keyed by the line's source text
 * (and its text after `${VAR}` expansion): an edit re-parses only the lines it touched, and a line
 * that moved is shifted rather than parsed again. Two generations are kept — the lines seen by the
 * current and the previous parse — so the memo never holds much more than two versions of the file.
 */
export class LineParseMemo {
  private current = new Map<string, Remembered>();
  private previous = new Map<string, Remembered>();

  /** Starts a new parse of the document (or tree): lines not seen since the one before are dropped. */
  begin(): void {
    this.previous = this.current;
    this.current = new Map();
  }

  /** The line's parse, shifted to `start` and `pipLine`, or `parse`'s result (remembered). */
  get(key: string, start: number, pipLine: number, parse: () => ParsedLine): ParsedLine {
    let remembered = this.current.get(key);
    if (remembered === undefined) {
      remembered = this.previous.get(key);
      if (remembered !== undefined) this.current.set(key, remembered);
    }
    if (remembered === undefined) {
      const parsed = parse();
      this.current.set(key, { parsed, start, pipLine });
      return parsed;
    }
    return shiftLine(remembered.parsed, start - remembered.start, pipLine - remembered.pipLine);
  }
}

function shiftSpan(span: Span, delta: number): Span {
  return { start: span.start + delta, end: span.end + delta };
}

function shiftLocated<T>(located: Located<T>, delta: number): Located<T> {
  return { value: located.value, span: shiftSpan(located.span, delta) };
}

/** A parsed line moved by `delta` characters and `lines` lines. */
export function shiftLine(parsed: ParsedLine, delta: number, lines: number): ParsedLine {
  if (delta === 0 && lines === 0) return parsed;
  return {
    entries: parsed.entries.map((entry) => shiftEntry(entry, delta, lines)),
    problems: parsed.problems.map((problem) => ({ ...problem, span: shiftSpan(problem.span, delta) })),
    requiresHashes: parsed.requiresHashes,
  };
}

/** Every offset and the line number of an entry, moved. */
export function shiftEntry(entry: FileEntry, delta: number, lines: number): FileEntry {
  const pipLine = entry.pipLine + lines;
  const span = shiftSpan(entry.span, delta);
  switch (entry.kind) {
    case "option":
      return { ...entry, pipLine, span, values: entry.values.map((v) => shiftLocated(v, delta)) };
    case "include":
      return { ...entry, pipLine, span, target: shiftLocated(entry.target, delta) };
    case "requirement": {
      const shifted = {
        ...entry,
        pipLine,
        span,
        extras: entry.extras.map((e) => shiftLocated(e, delta)),
        hashes: entry.hashes.map((h) => ({ ...h, span: shiftSpan(h.span, delta) })),
      };
      if (entry.name) shifted.name = shiftLocated(entry.name, delta);
      if (entry.specifier) shifted.specifier = shiftLocated(entry.specifier, delta);
      if (entry.marker) shifted.marker = shiftLocated(entry.marker, delta);
      if (entry.url) shifted.url = shiftLocated(entry.url, delta);
      if (entry.comment) shifted.comment = shiftLocated(entry.comment, delta);
      if (entry.insertSpecifierAt !== undefined) shifted.insertSpecifierAt = entry.insertSpecifierAt + delta;
      return shifted;
    }
  }
}

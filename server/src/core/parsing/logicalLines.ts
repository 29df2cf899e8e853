import { isPythonWhitespace } from "../pep440/pyString";
import type { Located } from "./requirementsModel";
import { MappedText } from "./mappedText";

/**
 * pip's preprocessing of a requirements file (req_file.py `preprocess`): split lines as Python's
 * `splitlines` does, join `\` continuations, strip comments, drop empty lines and expand `${VAR}`.
 * Each logical line keeps pip's line number and a map back to document offsets.
 */

export interface LogicalLine {
  /** pip's 1-based line number: the first physical line of a joined line. */
  readonly pipLine: number;
  /** The line pip parses, with its map to the document. */
  readonly content: MappedText;
  /** The comment removed from the line, if any. */
  readonly comment?: Located;
  /** Where the physical lines it was joined from start and end in the document. */
  readonly source: { readonly start: number; readonly end: number };
}

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Python's `str.splitlines()` boundaries: \n, \r\n, \r, \v, \f, \x1c–\x1e, \x85, U+2028, U+2029.
 * The lines are returned packed as `[start, end, start, end, …]` (line n, 1-based, at index 2n − 2):
 * an object per line made 1 MB of line breaks (a million empty lines) spend most of its time in the
 * garbage collector.
 */
function physicalLines(text: string, from: number): number[] {
  const lines: number[] = [];
  let start = from;
  // eslint-disable-next-line no-control-regex -- these are exactly Python's extra line breaks.
  if (!/[\r\v\f\x1c-\x1e\x85\u2028\u2029]/.test(text)) {
    // The common case: only \n separators, found with indexOf.
    while (start < text.length) {
      const newline = text.indexOf("\n", start);
      const end = newline < 0 ? text.length : newline;
      lines.push(start, end);
      start = end + 1;
    }
    return lines;
  }
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (
      c === 10 ||
      c === 13 ||
      c === 11 ||
      c === 12 ||
      (c >= 0x1c && c <= 0x1e) ||
      c === 0x85 ||
      c === 0x2028 ||
      c === 0x2029
    ) {
      lines.push(start, i);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
  }
  if (start < text.length) lines.push(start, text.length);
  return lines;
}

/** `COMMENT_RE.match(line)`: the line is a comment if it starts with optional whitespace and '#'. */
function isCommentLine(text: string, start: number, end: number): boolean {
  let i = start;
  while (i < end && isPythonWhitespace(text.charCodeAt(i))) i++;
  return i < end && text.charCodeAt(i) === 35;
}

function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isPythonWhitespace(text.charCodeAt(i))) return false;
  return true;
}

/** Where `COMMENT_RE.sub` cuts: the first '#' at the start or after whitespace, or -1. */
function commentStart(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 35 && (i === 0 || isPythonWhitespace(text.charCodeAt(i - 1)))) return i;
  }
  return -1;
}

const envVarPattern = /\$\{([A-Z0-9_]+)\}/g;

export function logicalLines(text: string, env: Environment = {}): LogicalLine[] {
  // A BOM left in editor text is not content.
  const lines = physicalLines(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  const result: LogicalLine[] = [];
  let pending: MappedText[] = [];
  let primary = 0;
  let pendingStart = 0;
  let pendingEnd = 0;

  const emit = (pipLine: number, raw: MappedText, source: { start: number; end: number }): void => {
    const cut = commentStart(raw.text);
    let comment: Located | undefined;
    let content = raw;
    if (cut >= 0) {
      const commentText = raw.slice(cut);
      const trimmed = commentText.strip();
      comment = { value: trimmed.text, span: trimmed.span(0, trimmed.length) };
      content = raw.slice(0, cut);
    }
    content = content.strip();
    if (content.length === 0) return;
    const replacements: { start: number; end: number; value: string }[] = [];
    for (const match of content.text.matchAll(envVarPattern)) {
      const value = env[match[1] ?? ""];
      if (value === undefined || value === "") continue;
      replacements.push({ start: match.index, end: match.index + match[0].length, value });
    }
    if (replacements.length > 0) content = content.substitute(replacements);
    result.push(comment === undefined ? { pipLine, content, source } : { pipLine, content, comment, source });
  };

  for (let k = 0; k < lines.length; k += 2) {
    const line = { start: lines[k] as number, end: lines[k + 1] as number, number: k / 2 + 1 };
    const endsWithBackslash = line.end > line.start && text.charCodeAt(line.end - 1) === 92;
    const comment = isCommentLine(text, line.start, line.end);
    // Fast path: a lone comment or blank line yields nothing (most lines of a large file).
    if (pending.length === 0 && (comment || (!endsWithBackslash && isBlank(text, line.start, line.end)))) continue;
    if (!endsWithBackslash || comment) {
      // pip prefixes an absorbed comment line with a space so that it is stripped as a comment.
      const piece = comment
        ? MappedText.concat([MappedText.synthetic(" ", line.start), MappedText.of(text, line.start, line.end)])
        : MappedText.of(text, line.start, line.end);
      if (pending.length > 0) {
        pending.push(piece);
        emit(primary, MappedText.concat(pending), { start: pendingStart, end: line.end });
        pending = [];
      } else {
        emit(line.number, piece, { start: line.start, end: line.end });
      }
    } else {
      if (pending.length === 0) {
        primary = line.number;
        pendingStart = line.start;
      }
      // `line.strip("\\")` removes every leading and trailing backslash of the piece.
      let start = line.start;
      let end = line.end;
      while (start < end && text.charCodeAt(start) === 92) start++;
      while (end > start && text.charCodeAt(end - 1) === 92) end--;
      pending.push(MappedText.of(text, start, end));
      pendingEnd = line.end;
    }
  }
  if (pending.length > 0) emit(primary, MappedText.concat(pending), { start: pendingStart, end: pendingEnd });
  return result;
}

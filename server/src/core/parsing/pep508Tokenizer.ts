import { specifierRegexBody } from "../pep440/specifier";
import type { Span } from "../span";

/**
 * The context-sensitive tokenizer of PEP 508 dependency specifiers, with the token rules and error
 * shape of packaging's `_tokenizer.py` (packaging 26), so that our messages and caret spans are
 * packaging's own.
 */

/**
 * Python's `\w` for `str` patterns: Unicode letters and numbers plus `_` (Python's `str.isalnum()`,
 * which matches `[\p{L}\p{N}]` exactly). packaging's `\b` is therefore Unicode-aware: `nameé` is not
 * a name followed by junk but no name at all. JavaScript's `\b` is ASCII-only, so the boundaries are
 * spelled out with lookarounds. Every keyword here starts and ends with a word character, so its
 * `\b` on either side means "no word character next to it".
 */
const word = String.raw`[\p{L}\p{N}_]`;
const before = `(?<!${word})`;
const after = `(?!${word})`;
/** `\b` after a run that may end in a word character (`a`) or not (`a.`). */
const boundary = `(?:(?<=${word})${after}|${before}(?=${word}))`;

const variables = [
  "python_version",
  "python_full_version",
  "os[._]name",
  "sys[._]platform",
  "platform_(?:release|system)",
  "platform[._](?:version|machine|python_implementation)",
  "python_implementation",
  "implementation_(?:name|version)",
  "extras?",
  "dependency_groups",
].join("|");

const rules = {
  LEFT_PARENTHESIS: /\(/y,
  RIGHT_PARENTHESIS: /\)/y,
  LEFT_BRACKET: /\[/y,
  RIGHT_BRACKET: /\]/y,
  SEMICOLON: /;/y,
  COMMA: /,/y,
  QUOTED_STRING: /'[^']*'|"[^"]*"/y,
  OP: /===|==|~=|!=|<=|>=|<|>/y,
  BOOLOP: new RegExp(`${before}(?:or|and)${after}`, "uy"),
  IN: new RegExp(`${before}in${after}`, "uy"),
  NOT: new RegExp(`${before}not${after}`, "uy"),
  VARIABLE: new RegExp(`${before}(?:${variables})${after}`, "uy"),
  // Case-insensitive without the `u` flag, like the PEP 440 module and like packaging, which
  // rejects `==1.0.poſt1` and the Kelvin sign although Python's full case folding would allow them.
  SPECIFIER: new RegExp(specifierRegexBody, "iy"),
  AT: /@/y,
  URL: /[^ \t]+/y,
  IDENTIFIER: new RegExp(`${before}[a-zA-Z0-9][a-zA-Z0-9._-]*${boundary}`, "uy"),
  VERSION_PREFIX_TRAIL: /\.\*/y,
  VERSION_LOCAL_LABEL_TRAIL: /\+[a-z0-9]+(?:[-_.][a-z0-9]+)*/y,
  WS: /[ \t]+/y,
  // Python's `\Z`: the very end, so a trailing line break is not "the end" (packaging 26.3+).
  END: /(?![\s\S])/y,
} as const;

export type TokenName = keyof typeof rules;

export interface Token {
  readonly name: TokenName;
  readonly text: string;
  readonly position: number;
}

/** A syntax error as packaging reports it: the message and the span its `~~~^` line marks. */
export interface Pep508Error {
  readonly message: string;
  /** The span packaging's caret line marks: `~` under `start..end`, then `^` at `end`. */
  readonly span: Span;
  /**
   * False for errors that packaging raises without a caret (an invalid specifier found after the
   * grammar accepted the text, e.g. `Invalid specifier: 'y'`); the span then covers the specifier.
   */
  readonly caret?: false;
}

/**
 * Thrown inside the recursive-descent parsers only and caught by every public entry point, which
 * return it as data. It is deliberately not an `Error`: it is control flow, not a crash.
 */
export class SyntaxErrorAt {
  constructor(
    readonly message: string,
    readonly span: Span,
  ) {}
}

export class Tokenizer {
  position = 0;
  private next: Token | null = null;

  constructor(readonly source: string) {}

  /** Whether the next token is `name`; unless `peek`, the token is loaded for `read`. */
  check(name: TokenName, peek = false): boolean {
    const text = this.match(name);
    if (text === null) return false;
    if (!peek) this.next = { name, text, position: this.position };
    return true;
  }

  /**
   * The text of token `name` at the current position, or null. Single-character tokens and
   * whitespace are matched without a regex, and each regex token is skipped when its first
   * character cannot start it: requirement lines are parsed by the thousand on every keystroke.
   */
  private match(name: TokenName): string | null {
    const source = this.source;
    const at = this.position;
    const c = source.charCodeAt(at);
    switch (name) {
      case "LEFT_PARENTHESIS":
        return c === 40 ? "(" : null;
      case "RIGHT_PARENTHESIS":
        return c === 41 ? ")" : null;
      case "LEFT_BRACKET":
        return c === 91 ? "[" : null;
      case "RIGHT_BRACKET":
        return c === 93 ? "]" : null;
      case "SEMICOLON":
        return c === 59 ? ";" : null;
      case "COMMA":
        return c === 44 ? "," : null;
      case "AT":
        return c === 64 ? "@" : null;
      case "END":
        return at >= source.length ? "" : null;
      case "WS": {
        let end = at;
        while (end < source.length && (source.charCodeAt(end) === 32 || source.charCodeAt(end) === 9)) end++;
        return end > at ? source.slice(at, end) : null;
      }
      case "VERSION_PREFIX_TRAIL":
        return c === 46 && source.charCodeAt(at + 1) === 42 ? ".*" : null;
      case "SPECIFIER":
      case "OP":
        // = ! ~ < >
        if (c !== 61 && c !== 33 && c !== 126 && c !== 60 && c !== 62) return null;
        break;
      case "QUOTED_STRING":
        if (c !== 39 && c !== 34) return null;
        break;
      case "VERSION_LOCAL_LABEL_TRAIL":
        if (c !== 43) return null;
        break;
      default:
        break;
    }
    const rule = rules[name];
    rule.lastIndex = at;
    const match = rule.exec(source);
    return match === null ? null : match[0];
  }

  /** Reads token `name` if it is next. */
  consume(name: TokenName): void {
    if (this.check(name)) this.read();
  }

  /** Reads the token loaded by the last successful `check`. */
  read(): Token {
    const token = this.next;
    if (token === null) throw new SyntaxErrorAt("Internal error: read() without check()", this.here());
    this.position += token.text.length;
    this.next = null;
    return token;
  }

  /** Reads token `name`, or fails with packaging's "Expected …" message at the current position. */
  expect(name: TokenName, expected: string): Token {
    if (!this.check(name)) throw this.error(`Expected ${expected}`);
    return this.read();
  }

  /** A syntax error spanning `start..end` (both default to the current position), to be thrown. */
  error(message: string, start?: number, end?: number): SyntaxErrorAt {
    return new SyntaxErrorAt(message, { start: start ?? this.position, end: end ?? this.position });
  }

  private here(): Span {
    return { start: this.position, end: this.position };
  }
}

/**
 * Runs a recursive-descent parse, turning a thrown `SyntaxErrorAt` into data. Any other exception
 * would be a bug in the parser; it is reported as an error over the whole text rather than escaping,
 * because the language server must never crash on a document.
 */
export function runParser<T>(
  source: string,
  parse: () => T,
): { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Pep508Error } {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (error instanceof SyntaxErrorAt) return { ok: false, error: { message: error.message, span: error.span } };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { message: `Internal parser error: ${message}`, span: { start: 0, end: source.length } } };
  }
}

/** packaging's three-line error text: the message, the source, and a `~~~^` marker under the span. */
export function formatSyntaxError(source: string, error: Pep508Error): string {
  if (error.caret === false) return error.message;
  const { start, end } = error.span;
  return `${error.message}\n    ${source}\n    ${" ".repeat(start)}${"~".repeat(Math.max(0, end - start))}^`;
}

import { specifierRegexBody } from "../pep440/specifier";
import type { Span } from "../span";

/**
 * The context-sensitive tokenizer of PEP 508 dependency specifiers, with the token rules and error
 * shape of packaging's `_tokenizer.py` (packaging 26), so that our messages and caret spans are
 * packaging's own.
 */

/**
 * packaging's token rules. Most are matched by hand below (for speed: requirement lines are parsed by
 * the thousand on every keystroke); the regexes that remain are packaging's own.
 *
 * packaging's `\b` is Python's, which is Unicode-aware: a word character is a Unicode letter or
 * number or `_` (Python's `str.isalnum()`, exactly `[\p{L}\p{N}]`). So `nameé` is not a name
 * followed by junk but no name at all, and `andé` is not the keyword `and`. JavaScript's `\b` is
 * ASCII-only, so the boundaries are checked by hand (`isWordBefore`/`isWordAfter`).
 */
const _tokenNames = [
  "LEFT_PARENTHESIS", // \(
  "RIGHT_PARENTHESIS", // \)
  "LEFT_BRACKET", // \[
  "RIGHT_BRACKET", // \]
  "SEMICOLON", // ;
  "COMMA", // ,
  "QUOTED_STRING", // '[^']*'|"[^"]*"
  "OP", // ===|==|~=|!=|<=|>=|<|>
  "BOOLOP", // \b(or|and)\b
  "IN", // \bin\b
  "NOT", // \bnot\b
  "VARIABLE", // \b(python_version|python_full_version|os[._]name|...|extras?|dependency_groups)\b
  "SPECIFIER", // Specifier._specifier_regex_str, VERBOSE | IGNORECASE
  "AT", // @
  "URL", // [^ \t]+
  "IDENTIFIER", // \b[a-zA-Z0-9][a-zA-Z0-9._-]*\b
  "VERSION_PREFIX_TRAIL", // \.\*
  "VERSION_LOCAL_LABEL_TRAIL", // \+[a-z0-9]+(?:[-_\.][a-z0-9]+)*
  "WS", // [ \t]+
  "END", // \Z: the very end, so a trailing line break is not "the end" (packaging 26.3+)
] as const;

// Case-insensitive without the `u` flag, like the PEP 440 module and like packaging, which rejects
// `==1.0.poſt1` and the Kelvin sign although Python's full case folding would allow them.
const specifierRule = new RegExp(specifierRegexBody, "iy");
const localLabelRule = /\+[a-z0-9]+(?:[-_.][a-z0-9]+)*/y;

/** The marker variables, legacy dotted spellings included, as packaging's VARIABLE rule lists them. */
export const markerVariables = [
  "python_version",
  "python_full_version",
  "os_name",
  "os.name",
  "sys_platform",
  "sys.platform",
  "platform_release",
  "platform_system",
  "platform_version",
  "platform.version",
  "platform_machine",
  "platform.machine",
  "platform_python_implementation",
  "platform.python_implementation",
  "python_implementation",
  "implementation_name",
  "implementation_version",
  "extra",
  "extras",
  "dependency_groups",
] as const;

const boolops = ["or", "and"] as const;

const unicodeWord = /^[\p{L}\p{N}]$/u;

/** Python's `\w` for one code point. */
function isWordCode(code: number): boolean {
  if (code < 128) {
    return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  }
  return unicodeWord.test(String.fromCodePoint(code));
}

/** Whether the code point ending just before `at` is a word character. */
function isWordBefore(source: string, at: number): boolean {
  if (at <= 0) return false;
  const low = source.charCodeAt(at - 1);
  if (low >= 0xdc00 && low <= 0xdfff && at >= 2) {
    const high = source.charCodeAt(at - 2);
    if (high >= 0xd800 && high <= 0xdbff) return isWordCode(source.codePointAt(at - 2) ?? low);
  }
  return isWordCode(low);
}

/** Whether the code point starting at `at` is a word character. */
function isWordAfter(source: string, at: number): boolean {
  return at < source.length && isWordCode(source.codePointAt(at) ?? 0);
}

/** The end of the first of `words` standing alone at `at` (no word character on either side), or -1. */
function keywordAt(source: string, at: number, words: readonly string[]): number {
  if (isWordBefore(source, at)) return -1;
  for (const word of words) {
    if (source.startsWith(word, at) && !isWordAfter(source, at + word.length)) return at + word.length;
  }
  return -1;
}

function isAsciiAlphanumeric(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

/** `\b[a-zA-Z0-9][a-zA-Z0-9._-]*\b`, backtracking from the longest run as Python's regex does. */
function identifierAt(source: string, at: number): number {
  if (!isAsciiAlphanumeric(source.charCodeAt(at)) || isWordBefore(source, at)) return -1;
  let end = at + 1;
  for (let c = source.charCodeAt(end); isAsciiAlphanumeric(c) || c === 46 || c === 95 || c === 45;) {
    c = source.charCodeAt(++end);
  }
  for (; end > at; end--) {
    if (isWordBefore(source, end) !== isWordAfter(source, end)) return end;
  }
  return -1;
}

/** `===|==|~=|!=|<=|>=|<|>` */
function operatorAt(source: string, at: number): number {
  const c = source.charCodeAt(at);
  const next = source.charCodeAt(at + 1);
  if (c === 61) {
    if (next !== 61) return -1;
    return source.charCodeAt(at + 2) === 61 ? at + 3 : at + 2;
  }
  if (c === 126 || c === 33) return next === 61 ? at + 2 : -1;
  if (c === 60 || c === 62) return next === 61 ? at + 2 : at + 1;
  return -1;
}

function execAt(rule: RegExp, source: string, at: number): number {
  rule.lastIndex = at;
  // `test`, not `exec`: only the end is needed, and a match array per token is costly garbage.
  return rule.test(source) ? rule.lastIndex : -1;
}

/** The end of a run of characters from `at` for which `accept` holds, or -1 when the run is empty. */
function runAt(source: string, at: number, accept: (code: number) => boolean): number {
  let end = at;
  while (end < source.length && accept(source.charCodeAt(end))) end++;
  return end > at ? end : -1;
}

const isSpaceOrTab = (code: number): boolean => code === 32 || code === 9;
const isNotSpaceOrTab = (code: number): boolean => code !== 32 && code !== 9;

export type TokenName = (typeof _tokenNames)[number];

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
  /** The token loaded by the last successful non-peek `check`: its name and end offset. */
  private nextName: TokenName | null = null;
  private nextEnd = 0;

  constructor(readonly source: string) {}

  /** Whether the next token is `name`; unless `peek`, the token is loaded for `read`. */
  check(name: TokenName, peek = false): boolean {
    const end = this.match(name);
    if (end < 0) return false;
    if (!peek) {
      this.nextName = name;
      this.nextEnd = end;
    }
    return true;
  }

  /**
   * The end offset of token `name` at the current position, or -1. Most tokens are matched by hand,
   * and each regex token is skipped when its first character cannot start it: requirement lines are
   * parsed by the thousand on every keystroke.
   */
  private match(name: TokenName): number {
    const source = this.source;
    const at = this.position;
    const c = source.charCodeAt(at);
    switch (name) {
      case "LEFT_PARENTHESIS":
        return c === 40 ? at + 1 : -1;
      case "RIGHT_PARENTHESIS":
        return c === 41 ? at + 1 : -1;
      case "LEFT_BRACKET":
        return c === 91 ? at + 1 : -1;
      case "RIGHT_BRACKET":
        return c === 93 ? at + 1 : -1;
      case "SEMICOLON":
        return c === 59 ? at + 1 : -1;
      case "COMMA":
        return c === 44 ? at + 1 : -1;
      case "AT":
        return c === 64 ? at + 1 : -1;
      case "END":
        return at >= source.length ? at : -1;
      case "WS":
        return runAt(source, at, isSpaceOrTab);
      case "URL":
        return runAt(source, at, isNotSpaceOrTab);
      case "QUOTED_STRING": {
        if (c !== 39 && c !== 34) return -1;
        const close = source.indexOf(c === 39 ? "'" : '"', at + 1);
        return close < 0 ? -1 : close + 1;
      }
      case "OP":
        return operatorAt(source, at);
      case "BOOLOP":
        return c === 111 || c === 97 ? keywordAt(source, at, boolops) : -1;
      case "IN":
        return c === 105 ? keywordAt(source, at, ["in"]) : -1;
      case "NOT":
        return c === 110 ? keywordAt(source, at, ["not"]) : -1;
      case "VARIABLE":
        // p(ython…/latform…) o(s…) s(ys…) i(mplementation…) e(xtra…) d(ependency_groups)
        return c === 112 || c === 111 || c === 115 || c === 105 || c === 101 || c === 100
          ? keywordAt(source, at, markerVariables)
          : -1;
      case "IDENTIFIER":
        return identifierAt(source, at);
      case "VERSION_PREFIX_TRAIL":
        return c === 46 && source.charCodeAt(at + 1) === 42 ? at + 2 : -1;
      case "SPECIFIER":
        // = ! ~ < >
        if (c !== 61 && c !== 33 && c !== 126 && c !== 60 && c !== 62) return -1;
        return execAt(specifierRule, source, at);
      case "VERSION_LOCAL_LABEL_TRAIL":
        return c === 43 ? execAt(localLabelRule, source, at) : -1;
    }
  }

  /** Reads token `name` if it is next, without materialising it. */
  consume(name: TokenName): void {
    const end = this.match(name);
    if (end >= 0) this.position = end;
  }

  /** `consume("WS")`, for the hot paths: spaces and tabs. */
  skipWs(): void {
    const source = this.source;
    let at = this.position;
    for (let c = source.charCodeAt(at); c === 32 || c === 9; c = source.charCodeAt(++at));
    this.position = at;
  }

  /** Reads the token loaded by the last successful `check` without materialising it; returns its start. */
  take(): number {
    if (this.nextName === null) throw new SyntaxErrorAt("Internal error: take() without check()", this.here());
    const start = this.position;
    this.position = this.nextEnd;
    this.nextName = null;
    return start;
  }

  /** Reads the token loaded by the last successful `check`. */
  read(): Token {
    const name = this.nextName;
    if (name === null) throw new SyntaxErrorAt("Internal error: read() without check()", this.here());
    const token: Token = { name, text: this.source.slice(this.position, this.nextEnd), position: this.position };
    this.position = this.nextEnd;
    this.nextName = null;
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
    return {
      ok: false,
      error: { message: `Internal parser error: ${message}`, span: { start: 0, end: source.length } },
    };
  }
}

/** packaging's three-line error text: the message, the source, and a `~~~^` marker under the span. */
export function formatSyntaxError(source: string, error: Pep508Error): string {
  if (error.caret === false) return error.message;
  const { start, end } = error.span;
  return `${error.message}\n    ${source}\n    ${" ".repeat(start)}${"~".repeat(Math.max(0, end - start))}^`;
}

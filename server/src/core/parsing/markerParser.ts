import type { Span } from "../span";
import { normalizeName } from "./names";
import type { Tokenizer } from "./pep508Tokenizer";

/**
 * The syntax of PEP 508 environment markers: the tree, packaging's recursive-descent grammar (with
 * its messages), and Python's reading of quoted strings. Evaluation lives in `markerEval.ts`;
 * the public entry points are in `markers.ts`.
 */

/** A marker variable. Legacy spellings are stored under their canonical name. */
export interface MarkerVariable {
  readonly kind: "variable";
  /** Canonical name: dots become underscores and `python_implementation` is `platform_python_implementation`. */
  readonly name: string;
  readonly span: Span;
}

/** A quoted string, after Python's escape processing (and PEP 685 normalisation for extras). */
export interface MarkerValue {
  readonly kind: "value";
  readonly value: string;
  /** The span of the quoted token, quotes included. */
  readonly span: Span;
}

export type MarkerOperator = "===" | "==" | "~=" | "!=" | "<=" | ">=" | "<" | ">" | "in" | "not in";

/** `left op right`; either side may be the variable, and (as in packaging) both may be. */
export interface MarkerComparison {
  readonly kind: "compare";
  readonly left: MarkerVariable | MarkerValue;
  readonly op: MarkerOperator;
  readonly right: MarkerVariable | MarkerValue;
  /** From the start of the left operand to the end of the right one. */
  readonly span: Span;
}

/**
 * A sequence of atoms separated by `and`/`or`, as packaging's `MarkerList`: the whole marker is one,
 * and so is every parenthesised group. `and` binds tighter than `or` at evaluation; the flat shape
 * is kept because `str(Marker)` prints parentheses from it.
 */
export interface MarkerList {
  readonly kind: "list";
  readonly items: readonly (MarkerNode | "and" | "or")[];
  /** The whole marker, or the group including its parentheses. */
  readonly span: Span;
}

export type MarkerNode = MarkerList | MarkerComparison;

/** Nesting deeper than this is refused: real markers nest two or three levels. */
export const maxMarkerDepth = 100;

/** The variables that hold sets of names in lock files (PEP 751): only `"name" in extras` makes sense. */
export const setVariables: ReadonlySet<string> = new Set(["extras", "dependency_groups"]);

/** packaging's `_parse_marker` and friends over a shared tokenizer. Throws `SyntaxErrorAt`. */
export class MarkerParser {
  private depth = 0;

  constructor(private readonly tokenizer: Tokenizer) {}

  /** marker = marker_atom (BOOLOP marker_atom)* */
  parseMarker(): MarkerList {
    const start = this.tokenizer.position;
    const items = this.parseSequence();
    return { kind: "list", items, span: { start, end: this.tokenizer.position } };
  }

  private parseSequence(): (MarkerNode | "and" | "or")[] {
    const t = this.tokenizer;
    const items: (MarkerNode | "and" | "or")[] = [this.parseAtom()];
    while (t.check("BOOLOP")) {
      items.push(t.source.charCodeAt(t.take()) === 97 ? "and" : "or");
      items.push(this.parseAtom());
    }
    return items;
  }

  /** marker_atom = WS? '(' WS? marker WS? ')' WS? | WS? marker_item WS? */
  private parseAtom(): MarkerNode {
    const t = this.tokenizer;
    t.skipWs();
    let node: MarkerNode;
    if (t.check("LEFT_PARENTHESIS")) {
      const open = t.take();
      // Recursion is bounded so that hostile input cannot overflow the stack.
      if (++this.depth > maxMarkerDepth) {
        throw t.error(`Marker nesting is deeper than ${maxMarkerDepth} levels`, open, open + 1);
      }
      t.skipWs();
      const items = this.parseSequence();
      t.skipWs();
      if (!t.check("RIGHT_PARENTHESIS")) {
        throw t.error("Expected matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after marker expression", open);
      }
      t.take();
      this.depth--;
      node = { kind: "list", items, span: { start: open, end: t.position } };
    } else {
      node = this.parseItem();
    }
    t.skipWs();
    return node;
  }

  /** marker_item = WS? marker_var WS? marker_op WS? marker_var WS? */
  private parseItem(): MarkerComparison {
    const t = this.tokenizer;
    t.skipWs();
    const start = t.position;
    let left = this.parseVar();
    t.skipWs();
    const op = this.parseOp();
    t.skipWs();
    let right = this.parseVar();
    const end = t.position;
    t.skipWs();
    // PEP 685, as packaging applies it when a marker is built: the literal compared with `extra`,
    // and the literal tested for membership in `extras` or `dependency_groups`, are normalised like
    // names, so that `str()`, equality and evaluation agree.
    if (left.kind === "variable" && left.name === "extra" && right.kind === "value") {
      right = { ...right, value: normalizeName(right.value) };
    } else if (
      right.kind === "variable" &&
      left.kind === "value" &&
      (right.name === "extra" || setVariables.has(right.name))
    ) {
      left = { ...left, value: normalizeName(left.value) };
    }
    return { kind: "compare", left, op, right, span: { start, end } };
  }

  /** marker_var = VARIABLE | QUOTED_STRING */
  private parseVar(): MarkerVariable | MarkerValue {
    const t = this.tokenizer;
    if (t.check("VARIABLE")) {
      const start = t.take();
      const text = t.source.slice(start, t.position);
      return { kind: "variable", name: canonicalVariables[text] ?? text, span: { start, end: t.position } };
    }
    if (t.check("QUOTED_STRING")) {
      const start = t.take();
      const value = pythonStringBody(t.source.slice(start + 1, t.position - 1));
      if (value === null) throw t.error("Invalid quoted string", start, t.position);
      return { kind: "value", value, span: { start, end: t.position } };
    }
    throw t.error("Expected a marker variable or quoted string");
  }

  /** marker_op = IN | NOT WS IN | OP */
  private parseOp(): MarkerOperator {
    const t = this.tokenizer;
    if (t.check("IN")) {
      t.take();
      return "in";
    }
    if (t.check("NOT")) {
      t.take();
      t.expect("WS", "whitespace after 'not'");
      t.expect("IN", "'in' after 'not'");
      return "not in";
    }
    if (t.check("OP")) return t.read().text as MarkerOperator;
    throw t.error("Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in");
  }
}

/** packaging's `process_env_var` for the legacy spellings; the other names are already canonical. */
const canonicalVariables: Readonly<Record<string, string>> = {
  "os.name": "os_name",
  "sys.platform": "sys_platform",
  "platform.version": "platform_version",
  "platform.machine": "platform_machine",
  "platform.python_implementation": "platform_python_implementation",
  python_implementation: "platform_python_implementation",
};

const simpleEscapes: Readonly<Record<string, string>> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

function isOctal(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "7";
}

/**
 * What Python's `ast.literal_eval` makes of a quoted-string token, which is how packaging reads
 * marker values: the standard escapes are interpreted (`'\x41'` is `A`), unknown ones are kept
 * (`'\q'` is backslash-q), and a malformed token is refused (null), as packaging refuses it with
 * "Invalid quoted string": a truncated `\x`/`\u`/`\U` escape, a code point above U+10FFFF, a
 * backslash that escapes the closing quote (`"C:\"`), a raw line break inside the quotes, a NUL
 * character, or a lone surrogate (Python cannot encode it as UTF-8 source).
 *
 * One deliberate difference: `\N{NAME}` needs Python's Unicode name database, which we do not
 * carry; it is refused rather than guessed. No real marker uses it.
 */
export function pythonStringLiteral(token: string): string | null {
  return pythonStringBody(token.slice(1, -1));
}

/** `pythonStringLiteral` of the text between the quotes. */
function pythonStringBody(body: string): string | null {
  let plain = true;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    if (code === 0 || code === 10 || code === 13) {
      // NUL is refused anywhere; a line break only when it is not escaped (checked below).
      if (code === 0 || plain) return null;
    } else if (code === 92) {
      plain = false;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      const next = body.charCodeAt(i + 1);
      if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return null;
      i++;
    }
  }
  if (plain) return body;
  const parts: string[] = [];
  let i = 0;
  while (i < body.length) {
    const backslash = body.indexOf("\\", i);
    const run = body.slice(i, backslash < 0 ? body.length : backslash);
    if (run.includes("\n") || run.includes("\r")) return null;
    parts.push(run);
    if (backslash < 0) break;
    i = backslash + 1;
    const n = body[i++];
    if (n === undefined) return null; // The backslash escapes the closing quote.
    const simple = simpleEscapes[n];
    if (simple !== undefined) {
      parts.push(simple);
    } else if (n === "\n") {
      // A backslash-newline continues the string on the next line and adds nothing.
    } else if (n === "\r") {
      // Python reads `\r\n` and a lone `\r` in source as one newline.
      if (body[i] === "\n") i++;
    } else if (isOctal(n)) {
      let code = n.charCodeAt(0) - 48;
      for (let digits = 1; digits < 3 && isOctal(body[i]); digits++) code = code * 8 + body.charCodeAt(i++) - 48;
      parts.push(String.fromCharCode(code));
    } else if (n === "x" || n === "u" || n === "U") {
      const code = hexAt(body, i, n === "x" ? 2 : n === "u" ? 4 : 8);
      if (code < 0 || code > 0x10ffff) return null;
      parts.push(String.fromCodePoint(code));
      i += n === "x" ? 2 : n === "u" ? 4 : 8;
    } else if (n === "N") {
      return null;
    } else {
      parts.push("\\", n);
    }
  }
  return parts.join("");
}

/** The value of exactly `length` hex digits at `at`, or -1. */
function hexAt(text: string, at: number, length: number): number {
  if (at + length > text.length) return -1;
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

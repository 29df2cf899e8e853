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
    const t = this.tokenizer;
    const start = t.position;
    const items: (MarkerNode | "and" | "or")[] = [this.parseAtom()];
    while (t.check("BOOLOP")) {
      items.push(t.read().text === "and" ? "and" : "or");
      items.push(this.parseAtom());
    }
    return { kind: "list", items, span: { start, end: t.position } };
  }

  /** marker_atom = WS? '(' WS? marker WS? ')' WS? | WS? marker_item WS? */
  private parseAtom(): MarkerNode {
    const t = this.tokenizer;
    t.consume("WS");
    let node: MarkerNode;
    if (t.check("LEFT_PARENTHESIS")) {
      const open = t.position;
      t.read();
      // Recursion is bounded so that hostile input cannot overflow the stack.
      if (++this.depth > maxMarkerDepth) {
        throw t.error(`Marker nesting is deeper than ${maxMarkerDepth} levels`, open, open + 1);
      }
      t.consume("WS");
      const inner = this.parseMarker();
      t.consume("WS");
      if (!t.check("RIGHT_PARENTHESIS")) {
        throw t.error("Expected matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after marker expression", open);
      }
      t.read();
      this.depth--;
      node = { kind: "list", items: inner.items, span: { start: open, end: t.position } };
    } else {
      node = this.parseItem();
    }
    t.consume("WS");
    return node;
  }

  /** marker_item = WS? marker_var WS? marker_op WS? marker_var WS? */
  private parseItem(): MarkerComparison {
    const t = this.tokenizer;
    t.consume("WS");
    const start = t.position;
    const left = this.parseVar();
    t.consume("WS");
    const op = this.parseOp();
    t.consume("WS");
    const right = this.parseVar();
    const end = t.position;
    t.consume("WS");
    return { kind: "compare", left, op, right, span: { start, end } };
  }

  /** marker_var = VARIABLE | QUOTED_STRING */
  private parseVar(): MarkerVariable | MarkerValue {
    const t = this.tokenizer;
    if (t.check("VARIABLE")) {
      const token = t.read();
      return { kind: "variable", name: canonicalVariable(token.text), span: { start: token.position, end: t.position } };
    }
    if (t.check("QUOTED_STRING")) {
      const token = t.read();
      const value = pythonStringLiteral(token.text);
      if (value === null) throw t.error("Invalid quoted string", token.position, t.position);
      return { kind: "value", value, span: { start: token.position, end: t.position } };
    }
    throw t.error("Expected a marker variable or quoted string");
  }

  /** marker_op = IN | NOT WS IN | OP */
  private parseOp(): MarkerOperator {
    const t = this.tokenizer;
    if (t.check("IN")) {
      t.read();
      return "in";
    }
    if (t.check("NOT")) {
      t.read();
      t.expect("WS", "whitespace after 'not'");
      t.expect("IN", "'in' after 'not'");
      return "not in";
    }
    if (t.check("OP")) return t.read().text as MarkerOperator;
    throw t.error("Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in");
  }
}

/** packaging's `process_env_var`: `os.name` → `os_name`, `python_implementation` → `platform_python_implementation`. */
function canonicalVariable(text: string): string {
  const name = text.replace(/\./g, "_");
  return name === "python_implementation" ? "platform_python_implementation" : name;
}

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

function isHex(text: string): boolean {
  return /^[0-9a-fA-F]*$/.test(text);
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
  const body = token.slice(1, -1);
  if (body.includes("\0") || /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(body)) {
    return null;
  }
  if (!body.includes("\\")) return /[\r\n]/.test(body) ? null : body;
  let result = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === "\n" || c === "\r") return null;
    if (c !== "\\") {
      result += c;
      continue;
    }
    const n = body[++i];
    if (n === undefined) return null; // The backslash escapes the closing quote.
    const simple = simpleEscapes[n];
    if (simple !== undefined) {
      result += simple;
    } else if (n === "\n") {
      // A backslash-newline continues the string on the next line and adds nothing.
    } else if (n === "\r") {
      // Python reads `\r\n` and a lone `\r` in source as one newline.
      if (body[i + 1] === "\n") i++;
    } else if (isOctal(n)) {
      let digits = n;
      while (digits.length < 3 && isOctal(body[i + 1])) digits += body[++i];
      result += String.fromCharCode(parseInt(digits, 8));
    } else if (n === "x" || n === "u" || n === "U") {
      const length = n === "x" ? 2 : n === "u" ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + length);
      if (hex.length !== length || !isHex(hex)) return null;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) return null;
      result += String.fromCodePoint(code);
      i += length;
    } else if (n === "N") {
      return null;
    } else {
      result += `\\${n}`;
    }
  }
  return result;
}

/**
 * PEP 685, as packaging applies it when a marker is built: the literal compared with `extra`, and
 * the literal tested for membership in `extras` or `dependency_groups`, are normalised like names,
 * so that `str()`, equality and evaluation agree.
 */
export function normalizeMarkerExtras(list: MarkerList): MarkerList {
  return {
    ...list,
    items: list.items.map((item) => {
      if (typeof item === "string") return item;
      if (item.kind === "list") return normalizeMarkerExtras(item);
      const { left, right } = item;
      if (left.kind === "variable" && left.name === "extra" && right.kind === "value") {
        return { ...item, right: { ...right, value: normalizeName(right.value) } };
      }
      if (right.kind === "variable" && left.kind === "value" && (right.name === "extra" || setVariables.has(right.name))) {
        return { ...item, left: { ...left, value: normalizeName(left.value) } };
      }
      return item;
    }),
  };
}

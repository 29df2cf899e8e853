import { parseSpecifier } from "../pep440/specifier";
import type { Span } from "../span";
import { normalizeName } from "./names";
import { SyntaxErrorAt, Tokenizer, formatSyntaxError } from "./pep508Tokenizer";

/**
 * PEP 508 environment markers: parsing (packaging's grammar and messages), evaluation against an
 * environment (packaging 26 semantics), normalised printing, and plain-English descriptions.
 */

export interface MarkerVariable {
  readonly kind: "variable";
  /** Canonical name: dots become underscores and `python_implementation` is `platform_python_implementation`. */
  readonly name: string;
  readonly span: Span;
}

export interface MarkerValue {
  readonly kind: "value";
  readonly value: string;
  readonly span: Span;
}

export interface MarkerComparison {
  readonly kind: "compare";
  readonly left: MarkerVariable | MarkerValue;
  readonly op: string;
  readonly right: MarkerVariable | MarkerValue;
  readonly span: Span;
}

/** A parenthesised or top-level sequence: atoms separated by "and"/"or", as packaging's MarkerList. */
export interface MarkerList {
  readonly kind: "list";
  readonly items: readonly (MarkerNode | "and" | "or")[];
  readonly span: Span;
}

export type MarkerNode = MarkerList | MarkerComparison;

export interface MarkerError {
  readonly message: string;
  readonly span: Span;
}

export type MarkerEnvironment = Readonly<Record<string, string | readonly string[]>>;

/** Nesting deeper than this is refused: real markers nest two or three levels. */
export const maxMarkerDepth = 100;

const versionKeys = new Set(["python_version", "python_full_version", "implementation_version", "platform_release"]);
const setKeys = new Set(["extras", "dependency_groups"]);

export class MarkerParser {
  private depth = 0;

  constructor(private readonly tokenizer: Tokenizer) {}

  /** marker = marker_atom (BOOLOP marker_atom)* */
  parseMarker(): MarkerList {
    const start = this.tokenizer.position;
    const items: (MarkerNode | "and" | "or")[] = [this.parseAtom()];
    while (this.tokenizer.check("BOOLOP")) {
      items.push(this.tokenizer.read().text as "and" | "or");
      items.push(this.parseAtom());
    }
    return { kind: "list", items, span: { start, end: this.tokenizer.position } };
  }

  private parseAtom(): MarkerNode {
    const t = this.tokenizer;
    t.consume("WS");
    let node: MarkerNode;
    if (t.check("LEFT_PARENTHESIS", true)) {
      t.check("LEFT_PARENTHESIS");
      const open = t.position;
      t.read();
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

  private parseVar(): MarkerVariable | MarkerValue {
    const t = this.tokenizer;
    if (t.check("VARIABLE")) {
      const token = t.read();
      let name = token.text.replace(/\./g, "_");
      if (name === "python_implementation") name = "platform_python_implementation";
      return { kind: "variable", name, span: { start: token.position, end: t.position } };
    }
    if (t.check("QUOTED_STRING")) {
      const token = t.read();
      const value = pythonStringLiteral(token.text);
      if (value === null) throw t.error("Invalid quoted string", token.position, token.position + token.text.length);
      return { kind: "value", value, span: { start: token.position, end: t.position } };
    }
    throw t.error("Expected a marker variable or quoted string");
  }

  private parseOp(): string {
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
    if (t.check("OP")) return t.read().text;
    throw t.error("Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in");
  }
}

/**
 * Python's `ast.literal_eval` of a quoted string token, which packaging applies: backslash escapes
 * are interpreted; malformed ones (or a trailing backslash escaping the closing quote) are invalid.
 */
export function pythonStringLiteral(token: string): string | null {
  const body = token.slice(1, -1);
  let result = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== "\\") {
      result += c;
      continue;
    }
    const n = body[++i];
    if (n === undefined) return null; // The backslash escapes the closing quote.
    const simple: Record<string, string> = {
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
      "\n": "",
    };
    if (n in simple) {
      result += simple[n];
    } else if (/[0-7]/.test(n)) {
      let digits = n;
      while (digits.length < 3 && /[0-7]/.test(body[i + 1] ?? "")) digits += body[++i];
      result += String.fromCodePoint(parseInt(digits, 8));
    } else if (n === "x" || n === "u" || n === "U") {
      const length = n === "x" ? 2 : n === "u" ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + length);
      if (hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex)) return null;
      const code = parseInt(hex, 16);
      if (code > 0x10ffff) return null;
      result += String.fromCodePoint(code);
      i += length;
    } else if (n === "N") {
      return null; // Named escapes need Python's Unicode database; no real marker uses them.
    } else {
      result += `\\${n}`;
    }
  }
  return result;
}

/** Parses a whole marker expression (the text after `;`). */
export function parseMarker(text: string): { ok: true; marker: MarkerList } | { ok: false; error: MarkerError } {
  const tokenizer = new Tokenizer(text);
  try {
    const marker = new MarkerParser(tokenizer).parseMarker();
    tokenizer.expect("END", "end of marker expression");
    return { ok: true, marker: normalizeExtras(marker) };
  } catch (error) {
    if (error instanceof SyntaxErrorAt) return { ok: false, error: { message: error.message, span: error.span } };
    return { ok: false, error: { message: String(error), span: { start: 0, end: text.length } } };
  }
}

export function formatMarkerError(text: string, error: MarkerError): string {
  return formatSyntaxError(text, error.message, error.span);
}

/** PEP 685: `extra` values (and `"x" in extras` literals) are normalised at parse time, as packaging does. */
export function normalizeExtras(list: MarkerList): MarkerList {
  return {
    ...list,
    items: list.items.map((item) => {
      if (typeof item === "string") return item;
      if (item.kind === "list") return normalizeExtras(item);
      const { left, right } = item;
      if (left.kind === "variable" && left.name === "extra" && right.kind === "value") {
        return { ...item, right: { ...right, value: normalizeName(right.value) } };
      }
      if (right.kind === "variable" && left.kind === "value" && (right.name === "extra" || setKeys.has(right.name))) {
        return { ...item, left: { ...left, value: normalizeName(left.value) } };
      }
      return item;
    }),
  };
}

function serializeValue(value: string): string {
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value}"`;
}

/** packaging's `str(Marker)`: double quotes where possible, single spaces, redundant parentheses dropped. */
export function markerToString(marker: MarkerNode): string {
  return format(marker, true);
}

function format(node: MarkerNode, first: boolean): string {
  if (node.kind === "compare") {
    const side = (v: MarkerVariable | MarkerValue): string =>
      v.kind === "variable" ? v.name : serializeValue(v.value);
    return `${side(node.left)} ${node.op} ${side(node.right)}`;
  }
  const only = node.items.length === 1 ? node.items[0] : undefined;
  if (only !== undefined && typeof only !== "string") return format(only, first);
  const inner = node.items.map((item) => (typeof item === "string" ? item : format(item, false))).join(" ");
  return first ? inner : `(${inner})`;
}

class MarkerEvaluationError {
  constructor(readonly message: string) {}
}

/**
 * Evaluates a marker against an environment (merged over `defaultEnvironment("3.11")` unless `base`
 * says otherwise), as packaging 26 does: version semantics for version-typed keys when the right-hand
 * side parses as a specifier, string semantics otherwise.
 */
export function evaluateMarker(
  marker: MarkerNode,
  environment: MarkerEnvironment,
  context: "requirement" | "metadata" | "lock_file" = "requirement",
): { ok: true; value: boolean } | { ok: false; error: string } {
  const env: Record<string, string | readonly string[]> = { ...defaultEnvironment("3.11") };
  if (context === "lock_file") {
    env["extras"] = [];
    env["dependency_groups"] = [];
  } else if (context === "metadata") {
    env["extra"] = "";
  }
  Object.assign(env, environment);
  const extra = env["extra"];
  if (typeof extra === "string") env["extra"] = extra === "" ? "" : normalizeName(extra);
  const full = env["python_full_version"];
  if (typeof full === "string" && full.endsWith("+")) env["python_full_version"] = `${full}local`;
  try {
    return { ok: true, value: evaluateNode(marker, env) };
  } catch (error) {
    if (error instanceof MarkerEvaluationError) return { ok: false, error: error.message };
    throw error;
  }
}

function evaluateNode(node: MarkerNode, env: Readonly<Record<string, string | readonly string[]>>): boolean {
  if (node.kind === "compare") return evaluateComparison(node, env);
  const groups: boolean[][] = [[]];
  for (const item of node.items) {
    if (item === "or") groups.push([]);
    else if (item !== "and") (groups[groups.length - 1] as boolean[]).push(evaluateNode(item, env));
  }
  return groups.some((group) => group.every(Boolean));
}

function lookup(env: Readonly<Record<string, string | readonly string[]>>, key: string): string | readonly string[] {
  const value = env[key];
  if (value === undefined) throw new MarkerEvaluationError(`Undefined environment name: ${key}`);
  return value;
}

function evaluateComparison(
  node: MarkerComparison,
  env: Readonly<Record<string, string | readonly string[]>>,
): boolean {
  let key: string;
  let lhs: string | readonly string[];
  let rhs: string | readonly string[];
  if (node.left.kind === "variable") {
    key = node.left.name;
    lhs = lookup(env, key);
    rhs = node.right.kind === "variable" ? lookup(env, node.right.name) : node.right.value;
  } else {
    lhs = node.left.value;
    key = node.right.kind === "variable" ? node.right.name : "";
    rhs = node.right.kind === "variable" ? lookup(env, node.right.name) : node.right.value;
  }
  if (typeof lhs !== "string") {
    throw new MarkerEvaluationError(
      `Set-valued marker '${key}' can only be used with the membership form (e.g. "<name>" in ${key})`,
    );
  }
  if (setKeys.has(key)) {
    lhs = normalizeName(lhs);
    rhs = typeof rhs === "string" ? normalizeName(rhs) : rhs.map(normalizeName);
  }
  if (versionKeys.has(key) && typeof rhs === "string") {
    const spec = parseSpecifier(`${node.op}${rhs}`);
    if (spec.ok) return spec.value.contains(lhs, { prereleases: true });
  }
  switch (node.op) {
    case "in":
      return rhs.includes(lhs);
    case "not in":
      return !rhs.includes(lhs);
    case "<":
    case ">":
      return false;
    case "<=":
    case "==":
    case ">=":
      return lhs === rhs;
    case "!=":
      return lhs !== rhs;
    default:
      throw new MarkerEvaluationError(`Undefined ${node.op} on ${JSON.stringify(lhs)} and ${JSON.stringify(rhs)}.`);
  }
}

/** A plausible CPython environment for a target Python "X.Y" or "X.Y.Z" on a platform. */
export function defaultEnvironment(
  pythonVersion: string,
  platform: "linux" | "darwin" | "win32" = "linux",
): Readonly<Record<string, string>> {
  const parts = pythonVersion.split(".");
  const short = parts.slice(0, 2).join(".");
  const full = parts.length >= 3 ? pythonVersion : `${short}.0`;
  const system = { linux: "Linux", darwin: "Darwin", win32: "Windows" }[platform];
  return {
    implementation_name: "cpython",
    implementation_version: full,
    os_name: platform === "win32" ? "nt" : "posix",
    platform_machine: platform === "win32" ? "AMD64" : "x86_64",
    platform_release: "",
    platform_system: system,
    platform_version: "",
    python_full_version: full,
    platform_python_implementation: "CPython",
    python_version: short,
    sys_platform: platform,
  };
}

const variableWords: Readonly<Record<string, string>> = {
  python_version: "Python",
  python_full_version: "Python",
  implementation_version: "the Python implementation version",
  platform_release: "the OS release",
  platform_version: "the OS version",
  platform_machine: "the machine",
  implementation_name: "the Python implementation",
  platform_python_implementation: "the Python implementation",
};

const platformWords: Readonly<Record<string, string>> = {
  win32: "Windows",
  linux: "Linux",
  darwin: "macOS",
  cygwin: "Cygwin",
  nt: "Windows",
  posix: "POSIX systems",
  windows: "Windows",
};

/** Short English for hovers, e.g. "only when Python < 3.8 and on Windows". */
export function describeMarker(marker: MarkerNode): string {
  return `only when ${describeNode(marker, true)}`;
}

function describeNode(node: MarkerNode, top: boolean): string {
  if (node.kind === "compare") return describeComparison(node);
  const only = node.items.length === 1 ? node.items[0] : undefined;
  if (only !== undefined && typeof only !== "string") return describeNode(only, top);
  const text = node.items.map((item) => (typeof item === "string" ? item : describeNode(item, false))).join(" ");
  return top ? text : `(${text})`;
}

function describeComparison(node: MarkerComparison): string {
  const variable = node.left.kind === "variable" ? node.left : node.right.kind === "variable" ? node.right : undefined;
  const value = node.left.kind === "value" ? node.left : node.right.kind === "value" ? node.right : undefined;
  if (variable === undefined || value === undefined) return markerToString(node);
  const v = value.value;
  const op = node.op;
  switch (variable.name) {
    case "sys_platform":
    case "os_name":
    case "platform_system": {
      const place = platformWords[v.toLowerCase()] ?? v;
      if (op === "==") return `on ${place}`;
      if (op === "!=") return `not on ${place}`;
      break;
    }
    case "extra":
      if (op === "==") return `the "${v}" extra is requested`;
      break;
    default:
      break;
  }
  const subject = variableWords[variable.name] ?? variable.name;
  return variable === node.left ? `${subject} ${op} ${v}` : `"${v}" ${op} ${subject}`;
}

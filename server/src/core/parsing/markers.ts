import {
  MarkerParser,
  type MarkerComparison,
  type MarkerNode,
  type MarkerValue,
  type MarkerVariable,
} from "./markerParser";
import { Tokenizer, formatSyntaxError, runParser, type Pep508Error } from "./pep508Tokenizer";

/**
 * PEP 508 environment markers: parsing (packaging's grammar and messages), evaluation (packaging
 * 26 semantics), packaging's `str(Marker)` normalisation, and plain-English descriptions for hovers.
 */

export {
  maxMarkerDepth,
  pythonStringLiteral,
  type MarkerComparison,
  type MarkerList,
  type MarkerNode,
  type MarkerOperator,
  type MarkerValue,
  type MarkerVariable,
} from "./markerParser";
export {
  defaultEnvironment,
  evaluateMarker,
  type EvaluateContext,
  type MarkerEnvironment,
  type MarkerEvaluation,
  type MarkerEvaluationErrorKind,
  type TargetPlatform,
} from "./markerEval";
export type { Pep508Error, Pep508Error as MarkerError } from "./pep508Tokenizer";

export type MarkerParseResult =
  { readonly ok: true; readonly marker: MarkerNode } | { readonly ok: false; readonly error: Pep508Error };

/**
 * Parses a marker expression (the text after `;`) as packaging's `Marker(text)` does, including its
 * PEP 685 normalisation of extra names. Spans are offsets into `text`. Never throws.
 */
export function parseMarker(text: string): MarkerParseResult {
  const result = runParser(text, () => {
    const tokenizer = new Tokenizer(text);
    const marker = new MarkerParser(tokenizer).parseMarker();
    tokenizer.expect("END", "end of marker expression");
    return marker;
  });
  return result.ok ? { ok: true, marker: result.value } : result;
}

/** packaging's three-line error text for a marker error (`str(InvalidMarker)`). */
export function formatMarkerError(text: string, error: Pep508Error): string {
  return formatSyntaxError(text, error);
}

/**
 * packaging's `str(Marker)`: values in double quotes (single quotes when the value contains a double
 * quote), single spaces, redundant outer parentheses dropped, nested groups kept.
 *
 * packaging raises for a value containing both quote characters (possible only through escapes);
 * we never throw, and print such a value double-quoted with `\x22` for each `"` (and `\\`, `\xHH`,
 * `\uHHHH` for backslashes, control characters and lone surrogates), which Python's reading of the
 * literal (and ours) turns back into the same value.
 *
 * Like packaging, other values are quoted verbatim, so a value holding a backslash, a line break,
 * NUL or a lone surrogate (possible only through escapes such as `"\\"` or `"\n"`) prints as text
 * that does not read back as the same marker. That is packaging's `str()`, which the differential
 * tests hold us to; nothing writes a printed marker into a document.
 */
export function markerToString(marker: MarkerNode): string {
  return format(marker, true);
}

function serializeValue(value: string): string {
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  return `"${escapeValue(value)}"`;
}

/** A string literal body that Python's `ast.literal_eval` (and `pythonStringLiteral`) reads as `value`. */
function escapeValue(value: string): string {
  let body = "";
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "\\") body += "\\\\";
    else if (char === '"') body += "\\x22";
    else if (code < 0x20 || code === 0x7f) body += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code >= 0xd800 && code <= 0xdfff) body += `\\u${code.toString(16).padStart(4, "0")}`;
    else body += char;
  }
  return body;
}

function serializeOperand(operand: MarkerVariable | MarkerValue): string {
  return operand.kind === "variable" ? operand.name : serializeValue(operand.value);
}

function format(node: MarkerNode, first: boolean): string {
  if (node.kind === "compare") return `${serializeOperand(node.left)} ${node.op} ${serializeOperand(node.right)}`;
  // A group of one keeps the nesting context of its parent, as packaging's `_format_marker` does.
  const only = node.items.length === 1 ? node.items[0] : undefined;
  if (only !== undefined && typeof only !== "string") return format(only, first);
  const inner = node.items.map((item) => (typeof item === "string" ? item : format(item, false))).join(" ");
  return first ? inner : `(${inner})`;
}

const platformNames: Readonly<Record<string, string>> = {
  win32: "Windows",
  cygwin: "Cygwin",
  linux: "Linux",
  linux2: "Linux",
  darwin: "macOS",
  nt: "Windows",
  posix: "POSIX systems",
  java: "Java",
  windows: "Windows",
  emscripten: "Emscripten",
  wasi: "WASI",
  ios: "iOS",
  android: "Android",
  freebsd: "FreeBSD",
  aix: "AIX",
};

const implementationNames: Readonly<Record<string, string>> = {
  cpython: "CPython",
  pypy: "PyPy",
  graalpy: "GraalPy",
  jython: "Jython",
  ironpython: "IronPython",
};

const subjects: Readonly<Record<string, string>> = {
  python_version: "Python",
  python_full_version: "Python",
  implementation_version: "the implementation version",
  platform_release: "the OS release",
  platform_version: "the OS version",
  platform_machine: "the machine",
  platform_system: "the OS",
  sys_platform: "the platform",
  os_name: "the OS family",
  implementation_name: "the implementation",
  platform_python_implementation: "the implementation",
  extra: "the extra",
};

/** How a comparison reads with its operands swapped (`"3.8" <= python_version` is `python_version >= "3.8"`). */
const mirrored: Readonly<Record<string, string>> = {
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
  "==": "==",
  "!=": "!=",
};

/**
 * Short English for hovers, e.g. `only when Python < 3.8 and on Windows`. `and` groups inside an
 * `or` are parenthesised where the marker had parentheses, so the reading keeps its precedence.
 */
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
  let { left, op, right } = node;
  if (left.kind === "value" && right.kind === "variable" && mirrored[op] !== undefined) {
    [left, right] = [right, left];
    op = mirrored[op] as typeof op;
  }
  if (left.kind === "value" && right.kind === "variable" && (op === "in" || op === "not in")) {
    const negated = op === "not in" ? " not" : "";
    if (right.name === "extras") return `the "${left.value}" extra is${negated} requested`;
    if (right.name === "dependency_groups") return `the "${left.value}" dependency group is${negated} requested`;
    const subject = subjects[right.name] ?? right.name;
    return `${subject}${negated ? " does not contain" : " contains"} "${left.value}"`;
  }
  if (left.kind !== "variable" || right.kind !== "value") return markerToString(node);
  const value = right.value;
  switch (left.name) {
    case "sys_platform":
    case "os_name":
    case "platform_system": {
      const place = platformNames[value.toLowerCase()] ?? value;
      if (op === "==") return `on ${place}`;
      if (op === "!=") return `not on ${place}`;
      break;
    }
    case "implementation_name":
    case "platform_python_implementation": {
      const name = implementationNames[value.toLowerCase()] ?? value;
      if (op === "==") return `on ${name}`;
      if (op === "!=") return `not on ${name}`;
      break;
    }
    case "platform_machine":
      if (op === "==") return `on ${value} machines`;
      if (op === "!=") return `not on ${value} machines`;
      break;
    case "extra":
      if (op === "==") return `the "${value}" extra is requested`;
      if (op === "!=") return `the "${value}" extra is not requested`;
      break;
    case "python_version":
    case "python_full_version":
    case "implementation_version":
      if (op !== "in" && op !== "not in") return `${subjects[left.name]} ${op} ${value}`;
      break;
    default:
      break;
  }
  const subject = subjects[left.name] ?? left.name;
  return `${subject} ${op} "${value}"`;
}

import { parseTOML, type AST } from "toml-eslint-parser";
import type { Span } from "../span";

/**
 * TOML with source positions, for lock files and manifests whose diagnostics must point at the exact
 * key or value. `toml-eslint-parser` gives an AST with UTF-16 offsets; this module folds it into
 * nested values (tables, arrays of tables, dotted keys merged) that keep each value's span and each
 * key's span, so callers read `doc.get("metadata").get("python-versions")` and still know where it is.
 */

export type TomlNode = TomlTable | TomlArray | TomlScalar;

export interface TomlTable {
  readonly kind: "table";
  /** For `[[package]]` items and `[table]` headers: the header through the last key; else the value. */
  readonly span: Span;
  /** The span of the `[header]` or `[[header]]` line for tables that have one. */
  readonly headerSpan: Span | null;
  readonly entries: Map<string, { readonly keySpan: Span; readonly value: TomlNode }>;
}

export interface TomlArray {
  readonly kind: "array";
  readonly span: Span;
  readonly items: TomlNode[];
}

export interface TomlScalar {
  readonly kind: "string" | "integer" | "float" | "boolean" | "datetime";
  readonly span: Span;
  /** Strings as decoded; numbers and booleans as written (`String(value)`); datetimes as ISO text. */
  readonly value: string;
}

export interface TomlDocument {
  readonly root: TomlTable;
  /** The first syntax error, when the text is not valid TOML; the root then holds what came before it. */
  readonly error: { readonly message: string; readonly span: Span } | null;
}

/**
 * Refused before the parser sees them: lines longer than `maxLineLength`, lines with more separators
 * (`,` `=` `.` outside strings) than `maxSeparatorsPerLine`, strings or bare values (numbers, dates,
 * keys) longer than `maxTokenLength`, and brackets nested deeper than `maxDepth`.
 */
const maxLineLength = 256 * 1024;
const maxSeparatorsPerLine = 4096;
const maxTokenLength = 64 * 1024;
const maxDepth = 64;

/** Characters that end a bare value: whitespace, brackets, separators, comments and quotes. */
function endsBareValue(c: string): boolean {
  return " \t\r[]{},=#\"'".includes(c);
}

/**
 * Where the text stops being safe to hand to the parser. Brackets nested too deep overflow
 * `toml-eslint-parser`'s stack; so does a string or number of more than about 120,000 characters (it
 * builds each token's value with `String.fromCodePoint(...characters)`, one argument per character),
 * which it then reports as "Maximum call stack size exceeded". It also costs about 2 µs per value
 * (tokens, nodes and locations for the garbage collector), so a 200 KB line of `1,1,1,…` took half a
 * second: a line is also refused when it holds more separators than any real lock file or manifest
 * line (the longest in the corpus has 39). One linear scan; the inside of strings is only measured.
 */
function unsafeOffset(text: string): { offset: number; reason: string } | null {
  let depth = 0;
  let lineStart = 0;
  let separators = 0;
  let quote: string | null = null;
  let quoteStart = 0;
  let quoteLineStart = 0;
  let bareStart = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "\n") {
      lineStart = i + 1;
      separators = 0;
      bareStart = -1;
      if (quote !== null && quote.length === 1) quote = null;
      continue;
    }
    if (i - lineStart > maxLineLength) return { offset: lineStart, reason: "a line is longer than 256 KiB" };
    if (quote !== null) {
      if (i - quoteStart > maxTokenLength) return { offset: quoteLineStart, reason: "a string is longer than 64 KiB" };
      if (c === "\\" && quote.startsWith('"')) i++;
      else if (text.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = null;
      }
      continue;
    }
    if (endsBareValue(c)) {
      bareStart = -1;
    } else if (bareStart < 0) {
      bareStart = i;
    } else if (i - bareStart > maxTokenLength) {
      return { offset: lineStart, reason: "a value is longer than 64 KiB" };
    }
    if (c === "#") {
      const end = text.indexOf("\n", i);
      if (end < 0) break;
      i = end - 1;
    } else if (c === '"' || c === "'") {
      quote = text.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      quoteStart = i;
      quoteLineStart = lineStart;
      i += quote.length - 1;
    } else if (c === "[" || c === "{") {
      if (++depth > maxDepth) return { offset: lineStart, reason: `brackets are nested deeper than ${maxDepth}` };
    } else if ((c === "]" || c === "}") && depth > 0) {
      depth--;
    } else if ((c === "," || c === "=" || c === ".") && ++separators > maxSeparatorsPerLine) {
      return { offset: lineStart, reason: `a line holds more than ${maxSeparatorsPerLine} values` };
    }
  }
  return null;
}

/** Parses TOML, never throwing: a syntax error keeps every complete table before it. */
export function parseTomlDocument(text: string): TomlDocument {
  const unsafe = unsafeOffset(text);
  if (unsafe !== null) {
    const span = { start: unsafe.offset, end: Math.min(text.length, lineEnd(text, unsafe.offset)) };
    return {
      root: recover(text, unsafe.offset),
      error: { message: `TOML not read past line ${lineNumber(text, unsafe.offset)}: ${unsafe.reason}`, span },
    };
  }
  try {
    return { root: build(parseTOML(text), text.length), error: null };
  } catch (error) {
    const offset = errorOffset(error, text);
    const message = error instanceof Error ? error.message : String(error);
    const span = { start: Math.min(offset, text.length), end: Math.min(text.length, lineEnd(text, offset)) };
    return { root: recover(text, offset), error: { message: `TOML syntax error: ${message}`, span } };
  }
}

function errorOffset(error: unknown, text: string): number {
  const index = (error as { index?: unknown }).index;
  return typeof index === "number" && Number.isFinite(index) ? Math.max(0, Math.min(index, text.length)) : 0;
}

function lineNumber(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function lineEnd(text: string, offset: number): number {
  const end = text.indexOf("\n", offset);
  return end < 0 ? text.length : end;
}

/**
 * Re-parses the longest prefix that ends just before a table header at or above the error, so a
 * truncated or damaged lock file still yields its complete entries. A few attempts at most: each one
 * moves to an earlier header.
 */
function recover(text: string, offset: number): TomlTable {
  let cut = offset;
  for (let attempt = 0; attempt < 8 && cut > 0; attempt++) {
    const header = lastHeaderBefore(text, cut);
    if (header <= 0) break;
    try {
      return build(parseTOML(text.slice(0, header)), header);
    } catch (error) {
      cut = Math.min(header - 1, errorOffset(error, text.slice(0, header)));
    }
  }
  return { kind: "table", span: { start: 0, end: 0 }, headerSpan: null, entries: new Map() };
}

function lastHeaderBefore(text: string, offset: number): number {
  const pattern = /^[ \t]*\[/gm;
  let last = -1;
  for (let match = pattern.exec(text); match !== null && match.index < offset; match = pattern.exec(text)) {
    last = match.index;
  }
  return last;
}

const spanOf = (node: AST.TOMLNode): Span => ({ start: node.range[0], end: node.range[1] });

function emptyTable(span: Span, headerSpan: Span | null = null): TomlTable {
  return { kind: "table", span, headerSpan, entries: new Map() };
}

function build(program: AST.TOMLProgram, length: number): TomlTable {
  const root = emptyTable({ start: 0, end: length });
  const top = program.body[0];
  if (!top) return root;
  for (const node of top.body) {
    if (node.type === "TOMLKeyValue") {
      assign(root, node);
      continue;
    }
    const table = tableAt(root, node);
    for (const pair of node.body) assign(table, pair);
  }
  return root;
}

/** The table a `[a.b]` or `[[a.b]]` header opens, creating intermediate tables and array items. */
function tableAt(root: TomlTable, node: AST.TOMLTable): TomlTable {
  const names = node.key.keys.map(keyName);
  let current = root;
  for (const [i, name] of names.entries()) {
    const last = i === names.length - 1;
    const existing = current.entries.get(name)?.value;
    if (last && node.kind === "array") {
      const item = emptyTable(spanOf(node), spanOf(node.key));
      const header = { start: node.range[0], end: node.key.range[1] + 2 };
      const array: TomlArray = existing?.kind === "array" ? existing : { kind: "array", span: spanOf(node), items: [] };
      array.items.push({ ...item, headerSpan: header });
      if (existing?.kind !== "array") current.entries.set(name, { keySpan: spanOf(node.key), value: array });
      return array.items[array.items.length - 1] as TomlTable;
    }
    if (existing?.kind === "table") {
      current = existing;
    } else if (existing?.kind === "array" && existing.items[existing.items.length - 1]?.kind === "table") {
      // `[a.b]` after `[[a]]` continues the last item of the array of tables, whose span then covers
      // the sub-table too (a `[package.dependencies]` belongs to its `[[package]]`).
      current = existing.items[existing.items.length - 1] as TomlTable;
      const span = current.span as { start: number; end: number };
      span.end = Math.max(span.end, node.range[1]);
    } else {
      const span = last ? spanOf(node) : spanOf(node.key);
      const table = emptyTable(span, last ? { start: node.range[0], end: node.key.range[1] + 1 } : null);
      current.entries.set(name, { keySpan: spanOf(node.key), value: table });
      current = table;
    }
  }
  return current;
}

function assign(table: TomlTable, pair: AST.TOMLKeyValue): void {
  const names = pair.key.keys.map(keyName);
  let current = table;
  for (const name of names.slice(0, -1)) {
    const existing = current.entries.get(name)?.value;
    if (existing?.kind === "table") current = existing;
    else {
      const created = emptyTable(spanOf(pair));
      current.entries.set(name, { keySpan: spanOf(pair.key), value: created });
      current = created;
    }
  }
  const last = names[names.length - 1] ?? "";
  current.entries.set(last, { keySpan: spanOf(pair.key), value: valueOf(pair.value) });
}

function keyName(key: AST.TOMLBare | AST.TOMLQuoted): string {
  return key.type === "TOMLBare" ? key.name : key.value;
}

function valueOf(node: AST.TOMLContentNode): TomlNode {
  switch (node.type) {
    case "TOMLArray":
      return { kind: "array", span: spanOf(node), items: node.elements.map(valueOf) };
    case "TOMLInlineTable": {
      const table = emptyTable(spanOf(node));
      for (const pair of node.body) assign(table, pair);
      return table;
    }
    default:
      return scalarOf(node);
  }
}

function scalarOf(node: AST.TOMLValue): TomlScalar {
  const span = spanOf(node);
  switch (node.kind) {
    case "string":
      return { kind: "string", span, value: node.value };
    case "integer":
      return { kind: "integer", span, value: String(node.value) };
    case "float":
      return { kind: "float", span, value: String(node.value) };
    case "boolean":
      return { kind: "boolean", span, value: String(node.value) };
    default:
      return { kind: "datetime", span, value: node.datetime ?? String(node.value) };
  }
}

/** A child of a table, or undefined when the node is not a table or has no such key. */
export function child(node: TomlNode | undefined, key: string): TomlNode | undefined {
  return node?.kind === "table" ? node.entries.get(key)?.value : undefined;
}

/** A string child's value, or null. */
export function stringAt(node: TomlNode | undefined, key: string): string | null {
  const value = child(node, key);
  return value?.kind === "string" ? value.value : null;
}

/** The items of an array child (empty when absent or not an array). */
export function itemsAt(node: TomlNode | undefined, key: string): TomlNode[] {
  const value = child(node, key);
  return value?.kind === "array" ? value.items : [];
}

/** The span of a key in a table, when present. */
export function keySpanAt(node: TomlNode | undefined, key: string): Span | undefined {
  return node?.kind === "table" ? node.entries.get(key)?.keySpan : undefined;
}

/** Converts a node to plain JavaScript data (tables to objects), e.g. to compare with Python's tomllib. */
export function plain(node: TomlNode): unknown {
  switch (node.kind) {
    case "table":
      return Object.fromEntries([...node.entries].map(([key, entry]) => [key, plain(entry.value)]));
    case "array":
      return node.items.map(plain);
    case "integer":
    case "float":
      return Number(node.value);
    case "boolean":
      return node.value === "true";
    default:
      return node.value;
  }
}

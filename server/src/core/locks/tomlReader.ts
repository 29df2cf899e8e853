import type { Span } from "../span";
import type { LockHash, LockProblem, LockValue } from "./lockModel";
import type { TomlNode, TomlScalar, TomlTable } from "./tomlDoc";

/**
 * Typed, warning-instead-of-throwing access to the TOML of a lock file, shared by the lock parsers:
 * values with spans narrowed to a string's content, hashes, file names, and caps on problems.
 */

/** A child table, or undefined (with a warning when the key holds something else). */
export function tableChild(node: TomlTable | undefined, key: string, reader: Reader): TomlTable | undefined {
  const entry = node?.entries.get(key);
  if (entry === undefined) return undefined;
  if (entry.value.kind === "table") return entry.value;
  reader.warn(`\`${key}\` is expected to be a table; it is ignored.`, entry.value.span);
  return undefined;
}

/** The items of the top-level `package` array of tables (empty when there is none). */
export function packageItems(root: TomlTable, reader: Reader): TomlTable[] {
  const entry = root.entries.get("package");
  if (entry === undefined) return [];
  if (entry.value.kind !== "array") {
    reader.warn("`package` is expected to be an array of tables (`[[package]]`); it is ignored.", entry.keySpan);
    return [];
  }
  const tables: TomlTable[] = [];
  for (const item of entry.value.items) {
    if (item.kind === "table") tables.push(item);
    else reader.warn("A `package` item that is not a table is ignored.", item.span);
  }
  return tables;
}

/** The most warnings reported for one file. */
const maxWarnings = 100;

/**
 * Typed access to table values that records a warning, instead of throwing, whenever a value has an
 * unexpected type. It keeps the text so that value spans can be narrowed to the string's content.
 */
export class Reader {
  constructor(
    readonly text: string,
    private readonly problems: LockProblem[],
  ) {}

  private warnings = 0;

  /**
   * Records a warning. A hostile or badly damaged file could otherwise yield one warning per line, more
   * than anyone reads and a burden on the editor, so after {@link maxWarnings} one last warning says so.
   */
  warn(message: string, span: Span): void {
    this.warnings++;
    if (this.warnings <= maxWarnings) this.problems.push({ message, span, severity: "warning" });
    else if (this.warnings === maxWarnings + 1) {
      this.problems.push({ message: "Further warnings about this file are left out.", span, severity: "warning" });
    }
  }

  /** A string value with its span, or null when absent (or, with a warning, not a string). */
  value(table: TomlTable | undefined, key: string): LockValue | null {
    const node = table?.entries.get(key)?.value;
    if (node === undefined) return null;
    if (node.kind !== "string") {
      this.warn(`\`${key}\` is expected to be a string; it is ignored.`, node.span);
      return null;
    }
    return { value: node.value, span: contentSpan(this.text, node) };
  }

  /** A boolean value; absent counts as false, another type as false with a warning. */
  boolean(table: TomlTable, key: string): boolean {
    const node = table.entries.get(key)?.value;
    if (node === undefined) return false;
    if (node.kind !== "boolean") {
      this.warn(`\`${key}\` is expected to be true or false; it is ignored.`, node.span);
      return false;
    }
    return node.value === "true";
  }

  /** The strings of an array value; other items are skipped with a warning. */
  strings(table: TomlTable, key: string): string[] {
    const node = table.entries.get(key)?.value;
    if (node === undefined) return [];
    if (node.kind !== "array") {
      this.warn(`\`${key}\` is expected to be an array of strings; it is ignored.`, node.span);
      return [];
    }
    const values: string[] = [];
    for (const item of node.items) {
      if (item.kind === "string") values.push(item.value);
      else this.warn(`An item of \`${key}\` that is not a string is ignored.`, item.span);
    }
    return values;
  }

  /**
   * A hash string `algorithm:digest`; with `bareDigests`, also a bare hex digest (as Poetry's old
   * `[metadata.hashes]` held them), whose algorithm follows from its length.
   */
  hash(node: TomlScalar, file: string | null, bareDigests = false): LockHash | null {
    const parsed = splitHash(node.value, bareDigests);
    if (parsed === null) {
      this.warn(`"${node.value.slice(0, 80)}" is not a recognised file hash; it is ignored.`, node.span);
      return null;
    }
    return { ...parsed, file, span: contentSpan(this.text, node) };
  }
}

/** The algorithms a bare digest can be told apart by, from its number of hex digits. */
const algorithmsByLength: ReadonlyMap<number, string> = new Map([
  [32, "md5"],
  [40, "sha1"],
  [56, "sha224"],
  [64, "sha256"],
  [96, "sha384"],
  [128, "sha512"],
]);

function splitHash(value: string, bareDigests: boolean): { algorithm: string; digest: string } | null {
  const match = /^(?:([A-Za-z0-9_-]+):)?([0-9A-Fa-f]+)$/.exec(value.trim());
  if (match === null || (match[1] === undefined && !bareDigests)) return null;
  const digest = (match[2] ?? "").toLowerCase();
  const algorithm = match[1]?.toLowerCase() ?? algorithmsByLength.get(digest.length);
  return algorithm === undefined ? null : { algorithm, digest };
}

/**
 * The span of a string's characters without its quotes, when the literal is written without escapes
 * (the content between the quotes is then exactly the value); the literal's whole span otherwise.
 */
export function contentSpan(text: string, node: TomlScalar): Span {
  const { start, end } = node.span;
  for (const quote of ['"""', "'''", '"', "'"]) {
    const inner = { start: start + quote.length, end: end - quote.length };
    if (
      inner.start <= inner.end &&
      text.startsWith(quote, start) &&
      text.startsWith(quote, inner.end) &&
      text.slice(inner.start, inner.end) === node.value
    ) {
      return inner;
    }
  }
  return node.span;
}

/** A scalar's value and span (see `lockValue`), or null when the node is absent or not a scalar. */
export function scalarValue(node: TomlNode | undefined, text: string): LockValue | null {
  return node && node.kind !== "table" && node.kind !== "array" ? lockValue(node, text) : null;
}

/**
 * A scalar's value with the span of its text inside the quotes, so that editing or underlining a name
 * or version touches the characters the user reads. Strings with escapes keep the inner span, whose
 * slice then differs from the decoded value.
 */
export function lockValue(node: TomlScalar, text: string): LockValue {
  return { value: node.value, span: node.kind === "string" ? innerSpan(node.span, text) : node.span };
}

function innerSpan(outer: Span, text: string): Span {
  const raw = text.slice(outer.start, outer.end);
  const delimiter =
    raw.startsWith('"""') || raw.startsWith("'''") ? 3 : raw.startsWith('"') || raw.startsWith("'") ? 1 : 0;
  let start = outer.start + delimiter;
  // TOML drops a line break that directly follows the opening delimiter of a multi-line string.
  if (delimiter === 3) start += text.startsWith("\r\n", start) ? 2 : text.startsWith("\n", start) ? 1 : 0;
  return { start, end: Math.max(start, outer.end - delimiter) };
}

/** The most problems reported for one file by `capped`. */
const maxProblems = 100;

/**
 * A damaged or hostile file can repeat the same mistake thousands of times; past a hundred the editor
 * gains nothing from more diagnostics, so the rest are counted in one last problem.
 */
export function capped(problems: LockProblem[]): LockProblem[] {
  if (problems.length <= maxProblems) return problems;
  const kept = problems.slice(0, maxProblems - 1);
  const omitted = problems.slice(maxProblems - 1);
  const severity = omitted.some((problem) => problem.severity === "error") ? "error" : "warning";
  const span = omitted[0]?.span ?? { start: 0, end: 0 };
  return [...kept, { message: `${omitted.length} more problems`, span, severity }];
}

/** A distribution file's name from its URL or path: the last segment, percent-decoded, or null. */
export function fileNameOfLocation(location: string): string | null {
  const withoutQuery = location.replace(/[?#].*$/s, "");
  const segment = withoutQuery.slice(Math.max(withoutQuery.lastIndexOf("/"), withoutQuery.lastIndexOf("\\")) + 1);
  if (segment === "") return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    // A stray `%` that is not an escape: the name is kept exactly as written.
    return segment;
  }
}

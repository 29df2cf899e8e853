import { parseTomlDocument, child, type TomlNode, type TomlScalar, type TomlTable } from "../locks/tomlDoc";
import { normalizeName } from "../parsing/names";
import { parseRequirementsText } from "../parsing/requirementsFile";
import type {
  EffectiveRequirement,
  OptionEntry,
  ParsedRequirementsFile,
  ParseProblem,
  RequirementEntry,
  RequirementsTree,
} from "../parsing/requirementsModel";
import type { Span } from "../span";
import { poetryConstraintToPep440 } from "../python/targetPython";

/**
 * Manifests — `pyproject.toml` and `Pipfile` — read as requirement entries whose spans point into the
 * manifest's text. Every requirement-file analysis then applies unchanged (unpinned, range,
 * python-support, index findings, hovers, hints, pin fixes): a pin edit replaces the specifier inside
 * the TOML string (or the Poetry/Pipfile constraint string), which keeps the TOML valid because
 * versions contain no quotes or backslashes.
 *
 * - `[project] dependencies` and `[project.optional-dependencies]`, `[dependency-groups]` (PEP 735):
 *   PEP 508 strings.
 * - `[tool.poetry.dependencies]` and `[tool.poetry.group.<g>.dependencies]` (and the older
 *   `dev-dependencies`): `name = "^1.2"` or `{ version = "^1.2", extras = [...], markers = "..." }`,
 *   Poetry constraints translated to PEP 440; `python` is the project's Python, not a package.
 * - Pipfile `[packages]` / `[dev-packages]`: `name = "*"` or `{ version = ">=1", extras = [...] }`;
 *   `[[source]]` URLs become index options (the first the index URL, the rest extra indexes).
 * - `[tool.uv] index-url`/`extra-index-url` and `[[tool.uv.index]]` URLs likewise; packages that
 *   `[tool.uv.sources]` takes from git, a path, a URL or the workspace are left out.
 */

export type ManifestKind = "pyproject.toml" | "Pipfile";

export interface ParsedManifest {
  readonly kind: ManifestKind;
  readonly parsed: ParsedRequirementsFile;
  readonly tree: RequirementsTree;
  /** Which tool the manifest is for, to find its lock file next to it. */
  readonly tool: "poetry" | "uv" | "pdm" | "pipenv" | "pep621";
}

export function parseManifest(kind: ManifestKind, file: string, text: string): ParsedManifest {
  const document = parseTomlDocument(text);
  const entries: RequirementEntry[] = [];
  const options: OptionEntry[] = [];
  const problems: ParseProblem[] = [];
  if (document.error) {
    problems.push({ code: "syntax", severity: "error", message: document.error.message, span: document.error.span });
  }
  const root = document.root;
  let tool: ParsedManifest["tool"] = kind === "Pipfile" ? "pipenv" : "pep621";
  if (kind === "pyproject.toml") {
    const project = child(root, "project");
    for (const item of arrayItems(child(project, "dependencies"))) pep508Entry(text, item, entries, problems);
    for (const group of tableValues(child(project, "optional-dependencies"))) {
      for (const item of arrayItems(group)) pep508Entry(text, item, entries, problems);
    }
    for (const group of tableValues(child(root, "dependency-groups"))) {
      // Groups may include other groups (`{include-group = "test"}`); only strings are requirements.
      for (const item of arrayItems(group)) pep508Entry(text, item, entries, problems);
    }
    const toolTable = child(root, "tool");
    const poetry = child(toolTable, "poetry");
    if (poetry) {
      tool = "poetry";
      poetryTable(text, child(poetry, "dependencies"), entries);
      poetryTable(text, child(poetry, "dev-dependencies"), entries);
      for (const group of tableValues(child(poetry, "group"))) poetryTable(text, child(group, "dependencies"), entries);
    }
    const uv = child(toolTable, "uv");
    if (uv) {
      tool = "uv";
      // `[tool.uv.sources]` sends a package to git, a path, a URL or a workspace member: not to an
      // index, so the index checks (and pins) do not apply to it.
      const direct = new Set<string>();
      for (const [name, { value }] of tableEntries(child(uv, "sources"))) {
        if (value.kind === "table" && ["git", "path", "url", "workspace"].some((key) => value.entries.has(key))) {
          direct.add(normalizeName(name));
        }
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        if (direct.has(entries[i]?.normalizedName ?? "")) entries.splice(i, 1);
      }
      indexOption(child(uv, "index-url"), "index-url", options);
      for (const item of arrayItems(child(uv, "extra-index-url"))) indexOption(item, "extra-index-url", options);
      for (const index of arrayItems(child(uv, "index"))) indexOption(child(index, "url"), "extra-index-url", options);
    }
    if (child(toolTable, "pdm")) tool = "pdm";
  } else {
    pipfileTable(text, child(root, "packages"), entries);
    pipfileTable(text, child(root, "dev-packages"), entries);
    for (const [i, source] of arrayItems(child(root, "source")).entries()) {
      indexOption(child(source, "url"), i === 0 ? "index-url" : "extra-index-url", options);
    }
  }
  entries.sort((a, b) => a.span.start - b.span.start);
  const parsed: ParsedRequirementsFile = {
    text,
    encoding: "utf-8",
    entries: [...options, ...entries].sort((a, b) => a.span.start - b.span.start),
    problems,
    requiresHashes: false,
  };
  const requirements: EffectiveRequirement[] = entries.map((entry) => ({ file, entry, constraint: false, via: [] }));
  const tree: RequirementsTree = {
    root: file,
    files: { [file]: parsed },
    requirements,
    options: options.map((entry) => ({ file, entry })),
    includeProblems: [],
    requiresHashes: false,
  };
  return { kind, parsed, tree, tool };
}

function arrayItems(node: TomlNode | undefined): TomlNode[] {
  return node?.kind === "array" ? node.items : [];
}

function tableEntries(node: TomlNode | undefined): [string, { value: TomlNode }][] {
  return node?.kind === "table" ? [...node.entries] : [];
}

function tableValues(node: TomlNode | undefined): TomlNode[] {
  return node?.kind === "table" ? [...node.entries.values()].map((e) => e.value) : [];
}

/**
 * The offset where a string's content starts, when the raw text between the quotes is exactly the
 * decoded value (no escapes), so spans inside the content map one to one; null otherwise.
 */
function contentStart(text: string, scalar: TomlScalar): number | null {
  if (scalar.kind !== "string") return null;
  const raw = text.slice(scalar.span.start, scalar.span.end);
  for (const quote of ['"""', "'''", '"', "'"]) {
    if (raw.startsWith(quote) && raw.endsWith(quote) && raw.length >= quote.length * 2) {
      const inner = raw.slice(quote.length, raw.length - quote.length);
      return inner === scalar.value ? scalar.span.start + quote.length : null;
    }
  }
  return null;
}

/** A `[project]`-style PEP 508 string as a requirement entry with spans in the manifest. */
function pep508Entry(text: string, node: TomlNode, entries: RequirementEntry[], problems: ParseProblem[]): void {
  if (node.kind !== "string") return;
  const start = contentStart(text, node);
  if (start === null) return;
  const parsed = parseRequirementsText(node.value);
  for (const problem of parsed.problems) problems.push({ ...problem, span: shift(problem.span, start) });
  for (const entry of parsed.entries) {
    if (entry.kind === "requirement") entries.push(shiftEntry(entry, start));
  }
}

/**
 * Poetry's `name = "^1.2"` / `name = { version = "^1.2", extras = […], markers = "…" }` (git, path
 * and url dependencies are skipped: they name their artefact).
 */
function poetryTable(text: string, table: TomlNode | undefined, entries: RequirementEntry[]): void {
  if (table?.kind !== "table") return;
  for (const [name, { keySpan, value }] of table.entries) {
    if (name.toLowerCase() === "python") continue;
    const constraint = constraintNode(value);
    if (constraint === undefined) continue;
    const converted = constraint === null ? [""] : (poetryConstraintToPep440(constraint.value) ?? null);
    const specifier = converted === null || converted.length !== 1 ? null : (converted[0] ?? "");
    entries.push(tableEntry(text, name, keySpan, value, constraint, specifier));
  }
}

/** Pipfile's `name = "*"` / `name = { version = ">=1", extras = […] }`. */
function pipfileTable(text: string, table: TomlNode | undefined, entries: RequirementEntry[]): void {
  if (table?.kind !== "table") return;
  for (const [name, { keySpan, value }] of table.entries) {
    const constraint = constraintNode(value);
    if (constraint === undefined) continue;
    const raw = constraint === null ? "*" : constraint.value.trim();
    entries.push(tableEntry(text, name, keySpan, value, constraint, raw === "*" || raw === "" ? "" : raw));
  }
}

/**
 * The version constraint string of a table-style dependency: the string itself, or the table's
 * `version`; null for a table without one (any version); undefined for git/path/url dependencies.
 */
function constraintNode(value: TomlNode): TomlScalar | null | undefined {
  if (value.kind === "string") return value;
  if (value.kind !== "table") return undefined;
  if (["git", "path", "url", "file"].some((key) => value.entries.has(key))) return undefined;
  const version = child(value, "version");
  return version?.kind === "string" ? version : null;
}

function tableEntry(
  text: string,
  name: string,
  keySpan: Span,
  value: TomlNode,
  constraint: TomlScalar | null,
  specifier: string | null,
): RequirementEntry {
  const table = value.kind === "table" ? (value as TomlTable) : null;
  const extras = arrayItems(child(table ?? undefined, "extras"))
    .filter((e): e is TomlScalar => e.kind === "string")
    .map((e) => ({ value: e.value, span: e.span }));
  const marker = child(table ?? undefined, "markers");
  const inner = constraint ? contentStart(text, constraint) : null;
  const specifierSpan =
    constraint && inner !== null ? { start: inner, end: inner + constraint.value.length } : undefined;
  const nameSpan = keyNameSpan(text, keySpan, name);
  return {
    kind: "requirement",
    pipLine: lineOf(text, keySpan.start),
    span: { start: keySpan.start, end: value.span.end },
    text: `${name}${specifier ?? ""}`,
    form: "pep508",
    editable: false,
    name: { value: name, span: nameSpan },
    normalizedName: normalizeName(name),
    extras,
    ...(specifier !== null && specifierSpan ? { specifier: { value: specifier, span: specifierSpan } } : {}),
    ...(marker?.kind === "string" ? { marker: { value: marker.value, span: marker.span } } : {}),
    hashes: [],
    configSettings: {},
    // Only a constraint string can take a pin; a table without `version` gets no edit.
    ...(specifierSpan === undefined ? {} : { insertSpecifierAt: specifierSpan.start }),
  };
}

/** The key's span without quotes (`"foo" = …` → the foo). */
function keyNameSpan(text: string, keySpan: Span, name: string): Span {
  const raw = text.slice(keySpan.start, keySpan.end);
  const at = raw.indexOf(name);
  return at >= 0 ? { start: keySpan.start + at, end: keySpan.start + at + name.length } : keySpan;
}

function indexOption(
  node: TomlNode | undefined,
  option: "index-url" | "extra-index-url",
  options: OptionEntry[],
): void {
  if (node?.kind !== "string") return;
  options.push({
    kind: "option",
    pipLine: 0,
    span: node.span,
    option,
    values: [{ value: node.value, span: node.span }],
  });
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

function shift(span: Span, by: number): Span {
  return { start: span.start + by, end: span.end + by };
}

function shiftLocated<T>(
  located: { value: T; span: Span } | undefined,
  by: number,
): { value: T; span: Span } | undefined {
  return located === undefined ? undefined : { value: located.value, span: shift(located.span, by) };
}

function shiftEntry(entry: RequirementEntry, by: number): RequirementEntry {
  const name = shiftLocated(entry.name, by);
  const specifier = shiftLocated(entry.specifier, by);
  const marker = shiftLocated(entry.marker, by);
  const url = shiftLocated(entry.url, by);
  const comment = shiftLocated(entry.comment, by);
  return {
    ...entry,
    span: shift(entry.span, by),
    extras: entry.extras.map((e) => ({ value: e.value, span: shift(e.span, by) })),
    hashes: entry.hashes.map((h) => ({ ...h, span: shift(h.span, by) })),
    ...(name ? { name } : {}),
    ...(specifier ? { specifier } : {}),
    ...(marker ? { marker } : {}),
    ...(url ? { url } : {}),
    ...(comment ? { comment } : {}),
    ...(entry.insertSpecifierAt !== undefined ? { insertSpecifierAt: entry.insertSpecifierAt + by } : {}),
  };
}

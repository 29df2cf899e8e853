import { Reader, tableChild, packageItems } from "./tomlReader";
import { normalizeName } from "../parsing/names";
import { poetryConstraintToPep440 } from "../python/targetPython";
import type { Span } from "../span";
import type {
  LockDependency,
  LockEntry,
  LockHash,
  LockProblem,
  LockSource,
  LockSourceKind,
  LockValue,
  ParsedLock,
} from "./lockModel";
import { child, parseTomlDocument, type TomlNode, type TomlTable } from "./tomlDoc";

/**
 * Reads `poetry.lock` (SPECS §5.1) into the common lock model. Every layout Poetry has written is
 * accepted: files without `lock-version` (before Poetry 1.0, hashes in `[metadata.hashes]`), lock-version
 * 1.0/1.1 (hashes in `[metadata.files]`), 2.0 (`files` inside each `[[package]]`) and 2.1 (adds `groups`
 * and `markers`). The reader never throws: a TOML syntax error becomes an error problem and the packages
 * of the complete tables before it are still returned; a value of an unexpected type is skipped with a
 * warning.
 *
 * Value spans (names, versions, hashes, `lock-version` …) cover the characters between the quotes when
 * the string is written without escapes, so that slicing the text at the span gives the value; an
 * escaped or multi-line string keeps the span of the whole literal.
 */
export function parsePoetryLock(text: string): ParsedLock {
  const doc = parseTomlDocument(text);
  const problems: LockProblem[] = [];
  if (doc.error !== null) problems.push({ message: doc.error.message, span: doc.error.span, severity: "error" });
  const reader = new Reader(text, problems);
  const metadata = tableChild(doc.root, "metadata", reader);

  const lockVersion = reader.value(metadata, "lock-version");
  checkLockVersion(lockVersion, reader);
  const rawPython = reader.value(metadata, "python-versions");
  const python = rawPython === null ? null : { raw: rawPython, pep440: singleBranch(rawPython.value, true) };
  const contentHash = reader.value(metadata, "content-hash");

  const metadataHashes = readMetadataHashes(metadata, reader);
  const sources: LockValue[] = [];
  const entries: LockEntry[] = [];
  for (const item of packageItems(doc.root, reader)) {
    const entry = readPackage(item, metadataHashes, reader);
    if (entry === null) continue;
    entries.push(entry.entry);
    if (entry.index !== null && !sources.some((source) => source.value === entry.index?.value)) {
      sources.push(entry.index);
    }
  }

  return { format: "poetry.lock", text, lockVersion, python, contentHash, sources, entries, problems };
}

/** Poetry itself reads lock versions from 1 up to (not including) 3; a newer file may mean other things. */
function checkLockVersion(lockVersion: LockValue | null, reader: Reader): void {
  if (lockVersion === null) return;
  const major = Number(/^\s*(\d+)/.exec(lockVersion.value)?.[1] ?? Number.NaN);
  if (Number.isFinite(major) && major >= 3) {
    reader.warn(
      `lock-version ${lockVersion.value} is newer than 2.x, the newest Pinsight reads; its packages are read as in 2.1.`,
      lockVersion.span,
    );
  }
}

/**
 * Converts a Poetry constraint to one PEP 440 specifier set, or null when it has several OR branches (a
 * union cannot be written as one set) or is not a valid constraint. `*` converts to the empty set; with
 * `keepEmpty` false that is reported as null too, which is what "unconstrained" means for a dependency or
 * a package's Requires-Python.
 */
function singleBranch(constraint: string, keepEmpty: boolean): string | null {
  const branches = poetryConstraintToPep440(constraint.trim());
  if (branches === null || branches.length !== 1) return null;
  const [branch] = branches;
  if (branch === undefined || (branch === "" && !keepEmpty)) return null;
  return branch;
}

/** A `[[package]]` table read into an entry, plus the index URL of a `legacy` source. */
function readPackage(
  item: TomlTable,
  metadataHashes: ReadonlyMap<string, readonly LockHash[]>,
  reader: Reader,
): { entry: LockEntry; index: LockValue | null } | null {
  const name = reader.value(item, "name");
  if (name === null) {
    reader.warn("A `[[package]]` without a string `name` is ignored.", item.headerSpan ?? item.span);
    return null;
  }
  const normalizedName = normalizeName(name.value);
  const requiresPython = reader.value(item, "python-versions");
  const source = readSource(item, reader);
  const files = child(item, "files");
  const hashes = files === undefined ? (metadataHashes.get(normalizedName) ?? []) : readFiles(files, reader);
  const markers = readMarkers(item, reader);
  const entry: LockEntry = {
    name,
    normalizedName,
    version: reader.value(item, "version"),
    source: source.source,
    hashes,
    marker: markers.marker,
    markerByGroup: markers.markerByGroup,
    groups: readGroups(item, reader),
    requiresPython: requiresPython === null ? null : singleBranch(requiresPython.value, false),
    dependencies: readDependencies(item, reader),
    via: [],
    span: item.span,
  };
  return { entry, index: source.index };
}

/**
 * The groups of a package: `groups` since lock-version 2.1, else the single `category` ("main" or
 * "dev") that earlier versions wrote.
 */
function readGroups(item: TomlTable, reader: Reader): string[] {
  if (item.entries.has("groups")) return reader.strings(item, "groups");
  const category = reader.value(item, "category");
  return category === null ? [] : [category.value];
}

/**
 * `markers` is a string when every group installs the package under the same condition and an inline
 * table keyed by group otherwise (lock-version 2.1). Files written before Poetry 1.0 used `marker`.
 */
function readMarkers(
  item: TomlTable,
  reader: Reader,
): { marker: string | null; markerByGroup: Record<string, string> | null } {
  const markers = item.entries.get("markers")?.value;
  if (markers?.kind === "table") {
    const byGroup: Record<string, string> = {};
    for (const [group, entry] of markers.entries) {
      if (entry.value.kind === "string") byGroup[group] = entry.value.value;
      else reader.warn(`The marker of group "${group}" is not a string; it is ignored.`, entry.value.span);
    }
    return { marker: null, markerByGroup: byGroup };
  }
  if (markers !== undefined) {
    const marker = reader.value(item, "markers");
    return { marker: marker?.value ?? null, markerByGroup: null };
  }
  return { marker: reader.value(item, "marker")?.value ?? null, markerByGroup: null };
}

/** Maps Poetry's `[package.source] type` to the model's source kinds. */
const sourceKinds: ReadonlyMap<string, LockSourceKind> = new Map<string, LockSourceKind>([
  ["git", "git"],
  ["directory", "directory"],
  ["file", "file"],
  ["url", "url"],
  ["legacy", "registry"],
  // An empty type says no more than an absent source does: the default index.
  ["", "registry"],
]);

/**
 * `[package.source]`: absent for packages from PyPI, which the model records as a registry without a
 * URL. A `legacy` source is a secondary package index; its URL is also returned so that the lock's
 * `sources` list names it.
 */
function readSource(item: TomlTable, reader: Reader): { source: LockSource; index: LockValue | null } {
  const table = tableChild(item, "source", reader);
  if (table === undefined) return { source: { kind: "registry", url: null, reference: null }, index: null };
  const type = reader.value(table, "type")?.value ?? "";
  const kind = sourceKinds.get(type) ?? "unknown";
  const url = reader.value(table, "url");
  const urlText = url === null || url.value === "" ? null : url.value;
  // For git the commit Poetry resolved is the useful reference; the requested branch or tag is the fallback.
  const reference =
    kind === "git"
      ? (nonEmpty(reader.value(table, "resolved_reference")?.value) ??
        nonEmpty(reader.value(table, "reference")?.value))
      : null;
  const index = kind === "registry" && urlText !== null ? url : null;
  return { source: { kind, url: urlText, reference }, index };
}

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}

/** `files = [{file, hash}, …]` (lock-version 2.x), or the same as `[[package.files]]` tables. */
function readFiles(files: TomlNode, reader: Reader): LockHash[] {
  if (files.kind !== "array") {
    reader.warn("`files` is expected to be an array; it is ignored.", files.span);
    return [];
  }
  const hashes: LockHash[] = [];
  for (const file of files.items) {
    const hash = fileHash(file, reader);
    if (hash !== null) hashes.push(hash);
  }
  return hashes;
}

/** One `{file, hash}` table, or a bare hash string as `[metadata.hashes]` holds them. */
function fileHash(node: TomlNode, reader: Reader): LockHash | null {
  if (node.kind === "string") return reader.hash(node, null, true);
  if (node.kind !== "table") {
    reader.warn("A file entry that is neither a table nor a hash string is ignored.", node.span);
    return null;
  }
  const hash = node.entries.get("hash")?.value;
  if (hash?.kind !== "string") {
    reader.warn("A file entry without a string `hash` is ignored.", node.span);
    return null;
  }
  return reader.hash(hash, reader.value(node, "file")?.value ?? null, true);
}

/**
 * The hashes of lock-version 1.x (`[metadata.files]`, name → `[{file, hash}]`) and of earlier files
 * (`[metadata.hashes]`, name → bare sha256 strings), by normalised name. Like Poetry, every package of a
 * name gets the whole list: the 1.x layout does not say which file belongs to which version.
 */
function readMetadataHashes(metadata: TomlTable | undefined, reader: Reader): Map<string, LockHash[]> {
  const byName = new Map<string, LockHash[]>();
  for (const key of ["files", "hashes"]) {
    const table = tableChild(metadata, key, reader);
    if (table === undefined) continue;
    for (const [name, entry] of table.entries) {
      const hashes = readFiles(entry.value, reader);
      const normalized = normalizeName(name);
      byName.set(normalized, [...(byName.get(normalized) ?? []), ...hashes]);
    }
  }
  return byName;
}

/**
 * `[package.dependencies]`: name → a constraint string, a table (`{version, markers, extras, …}`), or an
 * array of tables when the dependency has several constraints, each under its own markers. Every
 * constraint becomes one dependency.
 */
function readDependencies(item: TomlTable, reader: Reader): LockDependency[] {
  const table = tableChild(item, "dependencies", reader);
  if (table === undefined) return [];
  const dependencies: LockDependency[] = [];
  for (const [name, entry] of table.entries) {
    const value = entry.value;
    if (value.kind === "array") {
      for (const constraint of value.items) {
        const dependency = readDependency(name, constraint, constraint.span, reader);
        if (dependency !== null) dependencies.push(dependency);
      }
    } else {
      const span = {
        start: Math.min(entry.keySpan.start, value.span.start),
        end: Math.max(entry.keySpan.end, value.span.end),
      };
      const dependency = readDependency(name, value, span, reader);
      if (dependency !== null) dependencies.push(dependency);
    }
  }
  return dependencies;
}

function readDependency(name: string, value: TomlNode, span: Span, reader: Reader): LockDependency | null {
  const base = { name, normalizedName: normalizeName(name), span };
  if (value.kind === "string") {
    return { ...base, specifier: singleBranch(value.value, false), marker: null, extras: [] };
  }
  if (value.kind !== "table") {
    reader.warn(`The dependency "${name}" is neither a constraint string nor a table; it is ignored.`, value.span);
    return null;
  }
  const version = reader.value(value, "version");
  return {
    ...base,
    specifier: version === null ? null : singleBranch(version.value, false),
    marker: reader.value(value, "markers")?.value ?? null,
    extras: reader.strings(value, "extras"),
  };
}

import { contentSpan, Reader, tableChild, packageItems } from "./tomlReader";
import { normalizeName } from "../parsing/names";
import { parseRequirement } from "../parsing/pep508";
import { parseSpecifierSet } from "../pep440/specifier";
import type { Span } from "../span";
import type { LockDependency, LockEntry, LockHash, LockProblem, LockSource, ParsedLock } from "./lockModel";
import { parseTomlDocument, type TomlNode, type TomlTable } from "./tomlDoc";

/**
 * Reads `pdm.lock` (SPECS §5.4) into the common lock model. Besides the current layout (lock_version
 * 4.x: `[metadata]`, `[[metadata.targets]]` since 4.5, `files` inside each `[[package]]` since 4.4), the
 * older ones PDM has written are accepted: `[metadata.files]` keyed by `"name version"` (lock_version 2 to
 * 4.0), `sections` instead of `groups`, `[package.dependencies]` as a table of specifiers, and the first
 * layout of 2020 with `[root]` and the file hashes directly in `[metadata]`.
 *
 * The reader never throws: a TOML syntax error becomes an error problem and the packages of the complete
 * tables before it are still returned; a value of an unexpected type is skipped with a warning. Value
 * spans cover the characters between the quotes when the string has no escapes, so that slicing the text
 * at the span gives the value; otherwise they cover the whole literal.
 */
export function parsePdmLock(text: string): ParsedLock {
  const doc = parseTomlDocument(text);
  const problems: LockProblem[] = [];
  if (doc.error !== null) problems.push({ message: doc.error.message, span: doc.error.span, severity: "error" });
  const reader = new Reader(text, problems);
  const metadata = tableChild(doc.root, "metadata", reader);
  // The 2020 layout kept its format version and content hash in `[root]`.
  const legacyRoot = tableChild(doc.root, "root", reader);

  const lockVersion = reader.value(metadata, "lock_version") ?? reader.value(legacyRoot, "meta_version");
  const contentHash = reader.value(metadata, "content_hash") ?? reader.value(legacyRoot, "content_hash");
  const python = readTarget(metadata, reader);
  const metadataHashes = readMetadataHashes(metadata, reader);

  const entries: LockEntry[] = [];
  for (const item of packageItems(doc.root, reader)) {
    const entry = readPackage(item, metadataHashes, reader);
    if (entry !== null) entries.push(entry);
  }
  return { format: "pdm.lock", text, lockVersion, python, contentHash, sources: [], entries, problems };
}

/**
 * The lock's Python: the first `[[metadata.targets]]` entry's `requires_python` (lock_version 4.5+),
 * which PDM writes as a PEP 440 specifier set already. Older files record no target.
 */
function readTarget(metadata: TomlTable | undefined, reader: Reader): ParsedLock["python"] {
  const targets = metadata?.entries.get("targets")?.value;
  if (targets === undefined) return null;
  if (targets.kind !== "array") {
    reader.warn("`metadata.targets` is expected to be an array of tables; it is ignored.", targets.span);
    return null;
  }
  const first = targets.items[0];
  if (first?.kind !== "table") return null;
  const raw = reader.value(first, "requires_python");
  if (raw === null) return null;
  if (!parseSpecifierSet(raw.value).ok) {
    reader.warn(`The target's requires_python "${raw.value}" is not a valid PEP 440 specifier set.`, raw.span);
    return { raw, pep440: null };
  }
  return { raw, pep440: raw.value };
}

function readPackage(
  item: TomlTable,
  metadataHashes: ReadonlyMap<string, readonly LockHash[]>,
  reader: Reader,
): LockEntry | null {
  const name = reader.value(item, "name");
  if (name === null) {
    reader.warn("A `[[package]]` without a string `name` is ignored.", item.headerSpan ?? item.span);
    return null;
  }
  const normalizedName = normalizeName(name.value);
  const version = reader.value(item, "version");
  const files = item.entries.get("files")?.value;
  const hashes =
    files !== undefined
      ? readFiles(files, reader)
      : (metadataHashes.get(hashKey(normalizedName, version?.value ?? "")) ?? []);
  const requiresPython = reader.value(item, "requires_python")?.value.trim() ?? "";
  return {
    name,
    normalizedName,
    version,
    source: readSource(item, reader),
    hashes,
    marker: reader.value(item, "marker")?.value ?? null,
    markerByGroup: null,
    // Lock versions before 3 called the groups "sections".
    groups: reader.strings(item, item.entries.has("groups") ? "groups" : "sections"),
    requiresPython: requiresPython === "" ? null : requiresPython,
    dependencies: readDependencies(item, reader),
    via: [],
    span: item.span,
  };
}

/** VCS keys PDM writes, as in its `VcsRequirement`; only git has a kind of its own in the model. */
const vcsKeys = ["git", "hg", "svn", "bzr"] as const;

/** Archive suffixes that tell a local file from a local project directory. */
const archiveSuffixes = /\.(?:whl|zip|tar|tar\.gz|tgz|tar\.bz2|tbz|tar\.xz|txz)$/i;

/**
 * Where the package comes from: a VCS checkout (`git`/`hg`/… with `revision`, else `ref`), a local path
 * (`path`, editable or not), a direct URL (`url` on the package), or otherwise a package index, whose
 * URL pdm.lock does not record.
 */
function readSource(item: TomlTable, reader: Reader): LockSource {
  for (const key of vcsKeys) {
    const url = reader.value(item, key);
    if (url === null) continue;
    const reference = reader.value(item, "revision") ?? reader.value(item, "ref");
    return { kind: key === "git" ? "git" : "vcs", url: url.value, reference: reference?.value ?? null };
  }
  const path = reader.value(item, "path");
  if (path !== null) {
    const editable = reader.boolean(item, "editable");
    const kind = editable ? "editable" : archiveSuffixes.test(path.value) ? "file" : "directory";
    return { kind, url: path.value, reference: null };
  }
  const url = reader.value(item, "url");
  if (url !== null) return { kind: "url", url: url.value, reference: null };
  return { kind: "registry", url: null, reference: null };
}

/** `files = [{file, hash} | {url, hash}, …]`; `url` replaces `file` with the `static_urls` strategy. */
function readFiles(files: TomlNode, reader: Reader): LockHash[] {
  if (files.kind !== "array") {
    reader.warn("`files` is expected to be an array; it is ignored.", files.span);
    return [];
  }
  const hashes: LockHash[] = [];
  for (const file of files.items) {
    if (file.kind !== "table") {
      reader.warn("A file entry that is not a table is ignored.", file.span);
      continue;
    }
    const hash = file.entries.get("hash")?.value;
    if (hash?.kind !== "string") {
      reader.warn("A file entry without a string `hash` is ignored.", file.span);
      continue;
    }
    const name = reader.value(file, "file") ?? reader.value(file, "url");
    const parsed = reader.hash(hash, name?.value ?? null);
    if (parsed !== null) hashes.push(parsed);
  }
  return hashes;
}

function hashKey(normalizedName: string, version: string): string {
  return `${normalizedName} ${version}`;
}

/**
 * File hashes of lock versions before 4.4, keyed `"name version"` or `"name[extras] version"`: in
 * `[metadata.files]`, or (the 2020 layout) directly in `[metadata]`. The map's keys are the normalised
 * name and the version, so an extras variant shares its package's files.
 */
function readMetadataHashes(metadata: TomlTable | undefined, reader: Reader): Map<string, LockHash[]> {
  const byKey = new Map<string, LockHash[]>();
  const nested = metadata?.entries.get("files")?.value;
  const tables = [nested?.kind === "table" ? nested : undefined, metadata];
  for (const table of tables) {
    if (table === undefined) continue;
    for (const [key, entry] of table.entries) {
      const match = /^\s*([^\s[]+)(?:\[[^\]]*\])?\s+(\S+)\s*$/.exec(key);
      if (match === null || entry.value.kind !== "array") continue;
      const mapKey = hashKey(normalizeName(match[1] ?? ""), match[2] ?? "");
      byKey.set(mapKey, [...(byKey.get(mapKey) ?? []), ...readFiles(entry.value, reader)]);
    }
  }
  return byKey;
}

/**
 * `dependencies`: PEP 508 strings (lock_version 2 onwards), or in the 2020 layout a
 * `[package.dependencies]` table of name → specifier string or `{version, marker, extras}`.
 */
function readDependencies(item: TomlTable, reader: Reader): LockDependency[] {
  const node = item.entries.get("dependencies");
  if (node === undefined) return [];
  const value = node.value;
  if (value.kind === "array") return value.items.flatMap((dependency) => requirementDependency(dependency, reader));
  if (value.kind === "table") {
    return [...value.entries].flatMap(([name, entry]) => tableDependency(name, entry, reader));
  }
  reader.warn("`dependencies` is expected to be an array of requirement strings; it is ignored.", value.span);
  return [];
}

function requirementDependency(node: TomlNode, reader: Reader): LockDependency[] {
  if (node.kind !== "string") {
    reader.warn("A dependency that is not a requirement string is ignored.", node.span);
    return [];
  }
  const parsed = parseRequirement(node.value);
  if (!parsed.ok) {
    reader.warn(`"${node.value.slice(0, 120)}" is not a valid PEP 508 requirement; it is ignored.`, node.span);
    return [];
  }
  const requirement = parsed.requirement;
  const name = requirement.name.value;
  const specifier = requirement.specifier?.value.trim() ?? "";
  return [
    {
      name,
      normalizedName: normalizeName(name),
      specifier: specifier === "" ? null : specifier,
      marker: requirement.marker?.value ?? null,
      extras: requirement.extras.map((extra) => extra.value),
      span: contentSpan(reader.text, node),
    },
  ];
}

function tableDependency(
  name: string,
  entry: { readonly keySpan: Span; readonly value: TomlNode },
  reader: Reader,
): LockDependency[] {
  const value = entry.value;
  const span = {
    start: Math.min(entry.keySpan.start, value.span.start),
    end: Math.max(entry.keySpan.end, value.span.end),
  };
  const base = { name, normalizedName: normalizeName(name), span };
  if (value.kind === "string") return [{ ...base, specifier: specifierOrNull(value.value), marker: null, extras: [] }];
  if (value.kind !== "table") {
    reader.warn(`The dependency "${name}" is neither a specifier string nor a table; it is ignored.`, value.span);
    return [];
  }
  const version = reader.value(value, "version")?.value ?? "";
  return [
    {
      ...base,
      specifier: specifierOrNull(version),
      marker: reader.value(value, "marker")?.value ?? null,
      extras: reader.strings(value, "extras"),
    },
  ];
}

/** `*` and the empty string mean "any version" in the 2020 layout; the model records that as null. */
function specifierOrNull(text: string): string | null {
  const trimmed = text.trim();
  return trimmed === "" || trimmed === "*" ? null : trimmed;
}

import type { Span } from "../span";
import { normalizeName } from "../parsing/names";
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
import { capped, fileNameOfLocation, lockValue, scalarValue } from "./tomlReader";
import { child, itemsAt, parseTomlDocument, type TomlNode, type TomlTable } from "./tomlDoc";

/**
 * uv.lock (SPECS §5.3): uv's universal lock file, `version = 1` with `revision` 1–3, and the pre-0.4
 * layout that named its tables `[[distribution]]` instead of `[[package]]`. The file records the
 * resolved graph: each `[[package]]` has a `source` inline table, `dependencies` (plus the per-extra and
 * per-group edges in `[package.optional-dependencies]` and `[package.dev-dependencies]`), and the hashes
 * of its sdist and wheels. A name may appear several times when the resolution forked; each copy is its
 * own entry, told apart by its `resolution-markers`, version or source.
 */

/** The lock-file version this parser understands; uv refuses any other `version`. */
const SUPPORTED_VERSION = "1";
/** The newest revision known; later revisions only add fields, so they are read with a warning. */
const NEWEST_REVISION = 3;

/** The source keys of uv's `source` inline table, each naming one `LockSourceKind`. */
const SOURCE_KINDS: readonly LockSourceKind[] = ["registry", "git", "url", "path", "directory", "editable", "virtual"];

/** Where one dependency of an entry was declared. */
export interface UvDependencyOrigin {
  /** The table: `dependencies`, `[package.optional-dependencies]` or `[package.dev-dependencies]`. */
  readonly table: "dependencies" | "optional-dependencies" | "dev-dependencies";
  /** The extra or dependency-group name for the last two tables; null for plain `dependencies`. */
  readonly group: string | null;
}

/** uv-specific facts about one entry, which the common lock model has no field for. */
export interface UvEntryDetails {
  /** The entry's `resolution-markers`, as written (empty when the entry was not forked). */
  readonly resolutionMarkers: readonly string[];
  /** Whether the entry is the project itself or a workspace member rather than a dependency. */
  readonly isProject: boolean;
  /** One origin per item of the entry's `dependencies`, in the same order. */
  readonly dependencyOrigins: readonly UvDependencyOrigin[];
}

/** The common parsed lock plus what only uv.lock records. */
export interface UvLockDetails {
  readonly lock: ParsedLock;
  /** The top-level `revision`, absent before uv 0.5.x. */
  readonly revision: LockValue | null;
  /** Per entry of `lock.entries`, in the same order. */
  readonly entries: readonly UvEntryDetails[];
}

/** Reads a uv.lock into the common lock model; never throws. */
export function parseUvLock(text: string): ParsedLock {
  return parseUvLockDetails(text).lock;
}

/** Reads a uv.lock with the uv-only details (revision, resolution markers, projects, dependency groups). */
export function parseUvLockDetails(text: string): UvLockDetails {
  const doc = parseTomlDocument(text);
  const root = doc.root;
  const problems: LockProblem[] = [];
  if (doc.error) problems.push({ message: doc.error.message, span: doc.error.span, severity: "error" });

  const lockVersion = scalarValue(child(root, "version"), text);
  const revision = scalarValue(child(root, "revision"), text);
  checkVersions(lockVersion, revision, problems, doc.error !== null);

  const requiresPython = scalarValue(child(root, "requires-python"), text);
  const members = new Set(
    itemsAt(child(root, "manifest"), "members").flatMap((item) =>
      item.kind === "string" ? [normalizeName(item.value)] : [],
    ),
  );

  const entries: LockEntry[] = [];
  const details: UvEntryDetails[] = [];
  const sources: LockValue[] = [];
  const seenSources = new Set<string>();
  // Locks written before uv 0.4 call the tables `[[distribution]]`; the fields are the same.
  const tables = [...itemsAt(root, "package"), ...itemsAt(root, "distribution")];
  for (const table of tables) {
    if (table.kind !== "table") continue;
    const read = readEntry(table, text, members, problems);
    if (!read) continue;
    entries.push(read.entry);
    details.push(read.details);
    const registry = read.registry;
    if (registry && !seenSources.has(registry.value)) {
      seenSources.add(registry.value);
      sources.push(registry);
    }
  }

  const lock: ParsedLock = {
    format: "uv.lock",
    text,
    lockVersion,
    python: requiresPython ? { raw: requiresPython, pep440: requiresPython.value } : null,
    contentHash: null,
    sources,
    entries,
    problems: capped(problems),
  };
  return { lock, revision, entries: details };
}

/**
 * uv refuses a lock whose `version` it does not know, so that is an error here too; a newer revision
 * only adds fields, which this parser ignores, so it is a warning. A missing `version` is only reported
 * when the file parsed completely, since a syntax error already explains a truncated file.
 */
function checkVersions(
  version: LockValue | null,
  revision: LockValue | null,
  problems: LockProblem[],
  hadSyntaxError: boolean,
): void {
  if (!version) {
    if (!hadSyntaxError) {
      problems.push({ message: "uv.lock has no `version`", span: { start: 0, end: 0 }, severity: "warning" });
    }
    return;
  }
  if (version.value !== SUPPORTED_VERSION) {
    problems.push({
      message: `unsupported uv.lock version ${version.value} (this reader knows version ${SUPPORTED_VERSION})`,
      span: version.span,
      severity: "error",
    });
  }
  const revisionNumber = revision ? Number(revision.value) : 0;
  if (revision && Number.isInteger(revisionNumber) && revisionNumber > NEWEST_REVISION) {
    problems.push({
      message: `uv.lock revision ${revision.value} is newer than ${NEWEST_REVISION}: fields added since are ignored`,
      span: revision.span,
      severity: "warning",
    });
  }
}

interface ReadEntry {
  readonly entry: LockEntry;
  readonly details: UvEntryDetails;
  /** The registry URL as written, for the lock's `sources`. */
  readonly registry: LockValue | null;
}

function readEntry(table: TomlTable, text: string, members: Set<string>, problems: LockProblem[]): ReadEntry | null {
  const nameNode = child(table, "name");
  if (nameNode?.kind !== "string") {
    // Without a name the entry cannot be matched to anything, so it is reported and left out.
    problems.push({ message: "[[package]] without a `name`", span: headerOrSpan(table), severity: "error" });
    return null;
  }
  const name = lockValue(nameNode, text);
  const normalizedName = normalizeName(name.value);
  const versionNode = child(table, "version");
  const version = versionNode?.kind === "string" ? lockValue(versionNode, text) : null;
  const { source, registry } = readSource(child(table, "source"), text);

  const resolutionMarkers = strings(child(table, "resolution-markers"));
  const dependencies: LockDependency[] = [];
  const origins: UvDependencyOrigin[] = [];
  for (const item of itemsAt(table, "dependencies")) {
    const dependency = readDependency(item);
    if (dependency) {
      dependencies.push(dependency);
      origins.push({ table: "dependencies", group: null });
    }
  }
  for (const tableName of ["optional-dependencies", "dev-dependencies"] as const) {
    const groups = child(table, tableName);
    if (groups?.kind !== "table") continue;
    for (const [group, { value }] of groups.entries) {
      if (value.kind !== "array") continue;
      for (const item of value.items) {
        const dependency = readDependency(item);
        if (dependency) {
          dependencies.push(dependency);
          origins.push({ table: tableName, group });
        }
      }
    }
  }

  const entry: LockEntry = {
    name,
    normalizedName,
    version,
    source,
    hashes: readHashes(table, text, problems),
    marker: joinMarkers(resolutionMarkers),
    markerByGroup: null,
    groups: [],
    requiresPython: null,
    dependencies,
    via: [],
    span: table.span,
  };
  const isProject =
    members.has(normalizedName) || ((source.kind === "editable" || source.kind === "virtual") && source.url === ".");
  return { entry, details: { resolutionMarkers, isProject, dependencyOrigins: origins }, registry };
}

/**
 * Several resolution markers mean "any of these forks", so they are or-ed. Each is parenthesised so the
 * result reads unambiguously whatever the parts contain; a single marker is kept as written.
 */
function joinMarkers(markers: readonly string[]): string | null {
  if (markers.length === 0) return null;
  if (markers.length === 1) return markers[0] ?? null;
  return markers.map((marker) => `(${marker})`).join(" or ");
}

/**
 * The `source` inline table has exactly one key naming the kind. Pre-release locks (uv 0.2) wrote it as
 * one string, `registry+https://…`, which is read the same way.
 */
function readSource(node: TomlNode | undefined, text: string): { source: LockSource; registry: LockValue | null } {
  let kind: LockSourceKind = "unknown";
  let value: LockValue | null = null;
  if (node?.kind === "table") {
    const keys = SOURCE_KINDS.filter((key) => node.entries.has(key));
    const key = keys[0];
    const valueNode = key === undefined ? undefined : child(node, key);
    if (keys.length === 1 && key !== undefined && valueNode?.kind === "string") {
      kind = key;
      value = lockValue(valueNode, text);
    }
  } else if (node?.kind === "string") {
    const plus = node.value.indexOf("+");
    const key = SOURCE_KINDS.find((candidate) => candidate === node.value.slice(0, plus));
    if (plus > 0 && key !== undefined) {
      kind = key;
      const whole = lockValue(node, text);
      value = { value: node.value.slice(plus + 1), span: { start: whole.span.start + plus + 1, end: whole.span.end } };
    }
  }
  const url = value?.value ?? null;
  // A git source is `<repository>?rev=…&subdirectory=…#<commit>`: the commit after `#` is what was locked.
  const hash = kind === "git" && url !== null ? url.indexOf("#") : -1;
  const reference = hash >= 0 && url !== null ? url.slice(hash + 1) || null : null;
  return { source: { kind, url, reference }, registry: kind === "registry" ? value : null };
}

/** `{ name, marker?, extra?, version?, source? }`; `version` is only written to tell forks apart. */
function readDependency(node: TomlNode): LockDependency | null {
  if (node.kind !== "table") return null;
  const nameNode = child(node, "name");
  if (nameNode?.kind !== "string") return null;
  const version = child(node, "version");
  const marker = child(node, "marker");
  return {
    name: nameNode.value,
    normalizedName: normalizeName(nameNode.value),
    specifier: version?.kind === "string" ? `==${version.value}` : null,
    marker: marker?.kind === "string" ? marker.value : null,
    extras: strings(child(node, "extra")),
    span: node.span,
  };
}

/** The hashes of `sdist = { hash, url|path }` and `wheels = [{ hash, url|path|filename }]`. */
function readHashes(table: TomlTable, text: string, problems: LockProblem[]): LockHash[] {
  const hashes: LockHash[] = [];
  const files: TomlNode[] = [];
  const sdist = child(table, "sdist");
  if (sdist) files.push(sdist);
  files.push(...itemsAt(table, "wheels"));
  for (const file of files) {
    const hashNode = child(file, "hash");
    if (hashNode?.kind !== "string") continue;
    const value = lockValue(hashNode, text);
    const colon = value.value.indexOf(":");
    if (colon <= 0) {
      problems.push({
        message: "hash without an algorithm (expected `sha256:…`)",
        span: value.span,
        severity: "warning",
      });
      continue;
    }
    hashes.push({
      algorithm: value.value.slice(0, colon).toLowerCase(),
      digest: value.value.slice(colon + 1).toLowerCase(),
      file: fileName(file),
      span: value.span,
    });
  }
  return hashes;
}

/** The distribution file name: `filename` when given, else the last segment of `url` or `path`. */
function fileName(file: TomlNode): string | null {
  const filename = child(file, "filename");
  if (filename?.kind === "string") return filename.value;
  const location = child(file, "url") ?? child(file, "path");
  if (location?.kind !== "string") return null;
  return fileNameOfLocation(location.value);
}

function strings(node: TomlNode | undefined): string[] {
  return node?.kind === "array" ? node.items.flatMap((item) => (item.kind === "string" ? [item.value] : [])) : [];
}

function headerOrSpan(table: TomlTable): Span {
  return table.headerSpan ?? table.span;
}

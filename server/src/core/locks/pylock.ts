import { normalizeName } from "../parsing/names";
import type { LockDependency, LockEntry, LockHash, LockProblem, LockSource, LockValue, ParsedLock } from "./lockModel";
import { capped, fileNameOfLocation, lockValue, scalarValue } from "./tomlReader";
import { child, itemsAt, parseTomlDocument, stringAt, type TomlNode, type TomlTable } from "./tomlDoc";

/**
 * pylock.toml (PEP 751, SPECS §5.5): the standard lock file. Each `[[packages]]` item names one
 * distribution and exactly one way to get it: a VCS checkout, a local directory, an archive, or an sdist
 * and/or wheels (usually from the `index` it names). Hashes are tables keyed by algorithm, and
 * `upload-time` is a native TOML datetime. A name may appear several times with different markers.
 */

/** The major lock-version this parser understands; PEP 751 makes any other major version an error. */
const SUPPORTED_MAJOR = 1;
/** The newest minor version known; a newer minor may add keys, which are then ignored with a warning. */
const NEWEST_MINOR = 0;

/** The common parsed lock plus the top-level keys only pylock.toml records. */
export interface PylockDetails {
  readonly lock: ParsedLock;
  /** `created-by`: the tool that wrote the file (required by PEP 751). */
  readonly createdBy: LockValue | null;
  /** `environments`: the marker strings the lock was made for, as written. */
  readonly environments: readonly LockValue[];
  /** `extras`, `dependency-groups` and `default-groups`, as written. */
  readonly extras: readonly LockValue[];
  readonly dependencyGroups: readonly LockValue[];
  readonly defaultGroups: readonly LockValue[];
}

/** Reads a pylock.toml into the common lock model; never throws. */
export function parsePylock(text: string): ParsedLock {
  return parsePylockDetails(text).lock;
}

/** Reads a pylock.toml with its pylock-only top-level keys (`created-by`, `environments`, groups). */
export function parsePylockDetails(text: string): PylockDetails {
  const doc = parseTomlDocument(text);
  const root = doc.root;
  const problems: LockProblem[] = [];
  if (doc.error) problems.push({ message: doc.error.message, span: doc.error.span, severity: "error" });
  const complete = doc.error === null;

  const lockVersion = scalarValue(child(root, "lock-version"), text);
  checkLockVersion(lockVersion, problems, complete);
  const createdBy = scalarValue(child(root, "created-by"), text);
  // Missing required keys are only reported for a complete file: a syntax error already explains a cut.
  if (complete && !createdBy) problems.push(missing("created-by"));
  if (complete && child(root, "packages") === undefined) problems.push(missing("packages"));

  const requiresPython = scalarValue(child(root, "requires-python"), text);
  const entries: LockEntry[] = [];
  const sources: LockValue[] = [];
  const seenSources = new Set<string>();
  // `[[packages]]` tables and an inline `packages = [{…}]` array come back alike from the TOML reader.
  for (const table of itemsAt(root, "packages")) {
    if (table.kind !== "table") continue;
    const read = readEntry(table, text, problems);
    if (!read) continue;
    entries.push(read.entry);
    if (read.index && !seenSources.has(read.index.value)) {
      seenSources.add(read.index.value);
      sources.push(read.index);
    }
  }

  const lock: ParsedLock = {
    format: "pylock.toml",
    text,
    lockVersion,
    python: requiresPython ? { raw: requiresPython, pep440: requiresPython.value } : null,
    contentHash: null,
    sources,
    entries,
    problems: capped(problems),
  };
  return {
    lock,
    createdBy,
    environments: stringValues(child(root, "environments"), text),
    extras: stringValues(child(root, "extras"), text),
    dependencyGroups: stringValues(child(root, "dependency-groups"), text),
    defaultGroups: stringValues(child(root, "default-groups"), text),
  };
}

function missing(key: string): LockProblem {
  return {
    message: `pylock.toml has no \`${key}\` (required by PEP 751)`,
    span: { start: 0, end: 0 },
    severity: "error",
  };
}

/**
 * PEP 751: installers must refuse an unknown major version, and may read an unknown minor version with a
 * warning about keys they do not know.
 */
function checkLockVersion(version: LockValue | null, problems: LockProblem[], complete: boolean): void {
  if (!version) {
    if (complete) problems.push(missing("lock-version"));
    return;
  }
  const match = /^(\d+)\.(\d+)$/.exec(version.value);
  const major = match ? Number(match[1]) : NaN;
  const minor = match ? Number(match[2]) : NaN;
  if (major !== SUPPORTED_MAJOR) {
    problems.push({
      message: `unsupported lock-version ${JSON.stringify(version.value)} (this reader knows ${SUPPORTED_MAJOR}.${NEWEST_MINOR})`,
      span: version.span,
      severity: "error",
    });
  } else if (minor > NEWEST_MINOR) {
    problems.push({
      message: `lock-version ${version.value} is newer than ${SUPPORTED_MAJOR}.${NEWEST_MINOR}: keys added since are ignored`,
      span: version.span,
      severity: "warning",
    });
  }
}

interface ReadEntry {
  readonly entry: LockEntry;
  /** The package's `index`, for the lock's `sources`. */
  readonly index: LockValue | null;
}

function readEntry(table: TomlTable, text: string, problems: LockProblem[]): ReadEntry | null {
  const nameNode = child(table, "name");
  if (nameNode?.kind !== "string") {
    // Without a name the entry cannot be matched to anything, so it is reported and left out.
    problems.push({
      message: "[[packages]] without a `name`",
      span: table.headerSpan ?? table.span,
      severity: "error",
    });
    return null;
  }
  const name = lockValue(nameNode, text);
  const versionNode = child(table, "version");
  const indexNode = child(table, "index");
  const index = indexNode?.kind === "string" ? lockValue(indexNode, text) : null;
  const entry: LockEntry = {
    name,
    normalizedName: normalizeName(name.value),
    version: versionNode?.kind === "string" ? lockValue(versionNode, text) : null,
    source: readSource(table, index, name, problems),
    hashes: readHashes(table, text),
    marker: stringAt(table, "marker"),
    markerByGroup: null,
    groups: [],
    requiresPython: stringAt(table, "requires-python"),
    dependencies: itemsAt(table, "dependencies").flatMap((item) => {
      const dependency = readDependency(item);
      return dependency ? [dependency] : [];
    }),
    via: [],
    span: table.span,
  };
  return { entry, index };
}

/**
 * PEP 751 allows exactly one of `vcs`, `directory`, `archive`, or sdist/wheels. Sdists and wheels come
 * from the package's `index` when it is named; files given only by local paths are a `path` source, so
 * that nobody looks them up on an index they never came from.
 */
function readSource(table: TomlTable, index: LockValue | null, name: LockValue, problems: LockProblem[]): LockSource {
  const vcs = child(table, "vcs");
  const directory = child(table, "directory");
  const archive = child(table, "archive");
  const sdist = child(table, "sdist");
  const wheels = itemsAt(table, "wheels");
  const kinds = [vcs, directory, archive, sdist ?? (wheels.length > 0 ? wheels : undefined)].filter(
    (node) => node !== undefined,
  ).length;
  if (kinds !== 1) {
    const message =
      kinds === 0
        ? `package ${name.value} names no source (vcs, directory, archive, sdist or wheels)`
        : `package ${name.value} names more than one of vcs, directory, archive and sdist/wheels`;
    problems.push({ message, span: name.span, severity: "warning" });
  }

  if (vcs?.kind === "table") {
    const type = stringAt(vcs, "type");
    return {
      kind: type === "git" ? "git" : "vcs",
      url: stringAt(vcs, "url") ?? stringAt(vcs, "path"),
      reference: stringAt(vcs, "commit-id") ?? stringAt(vcs, "requested-revision"),
    };
  }
  if (directory?.kind === "table") {
    const editable = child(directory, "editable");
    const isEditable = editable?.kind === "boolean" && editable.value === "true";
    return { kind: isEditable ? "editable" : "directory", url: stringAt(directory, "path"), reference: null };
  }
  if (archive?.kind === "table") {
    const url = stringAt(archive, "url");
    return url !== null
      ? { kind: "url", url, reference: null }
      : { kind: "path", url: stringAt(archive, "path"), reference: null };
  }
  const files = [...(sdist ? [sdist] : []), ...wheels];
  if (index) return { kind: "registry", url: index.value, reference: null };
  if (files.some((file) => stringAt(file, "url") !== null)) return { kind: "registry", url: null, reference: null };
  const localPath = files.map((file) => stringAt(file, "path")).find((path) => path !== null);
  if (localPath !== undefined) return { kind: "path", url: localPath, reference: null };
  return { kind: "unknown", url: null, reference: null };
}

/** Dependencies are tables of identifying keys; a `version` pins, and other keys only disambiguate. */
function readDependency(node: TomlNode): LockDependency | null {
  const name = stringAt(node, "name");
  if (name === null || node.kind !== "table") return null;
  const version = stringAt(node, "version");
  return {
    name,
    normalizedName: normalizeName(name),
    specifier: version !== null ? `==${version}` : null,
    marker: stringAt(node, "marker"),
    extras: [],
    span: node.span,
  };
}

/** Every `hashes = { <algorithm> = "<digest>" }` of the archive, the sdist and the wheels. */
function readHashes(table: TomlTable, text: string): LockHash[] {
  const files: TomlNode[] = [];
  for (const key of ["archive", "sdist"]) {
    const node = child(table, key);
    if (node) files.push(node);
  }
  files.push(...itemsAt(table, "wheels"));
  const hashes: LockHash[] = [];
  for (const file of files) {
    const table = child(file, "hashes");
    if (table?.kind !== "table") continue;
    const name = fileName(file);
    for (const [algorithm, { value }] of table.entries) {
      if (value.kind !== "string") continue;
      hashes.push({
        algorithm: algorithm.toLowerCase(),
        digest: value.value.toLowerCase(),
        file: name,
        span: lockValue(value, text).span,
      });
    }
  }
  return hashes;
}

/** The distribution file name: `name` when given (sdists and wheels), else the last segment of url/path. */
function fileName(file: TomlNode): string | null {
  const name = stringAt(file, "name");
  if (name !== null) return name;
  const location = stringAt(file, "url") ?? stringAt(file, "path");
  if (location === null) return null;
  return fileNameOfLocation(location);
}

function stringValues(node: TomlNode | undefined, text: string): LockValue[] {
  return node?.kind === "array"
    ? node.items.flatMap((item) => (item.kind === "string" ? [lockValue(item, text)] : []))
    : [];
}

import type { Span } from "../span";

/**
 * The common shape every lock-file parser produces: plain data with UTF-16 spans into the file's text,
 * so the analysis, hovers and the CLI treat poetry.lock, Pipfile.lock, uv.lock, pdm.lock, pylock.toml
 * and pip-compile output alike.
 */

export type LockFormat = "poetry.lock" | "Pipfile.lock" | "uv.lock" | "pdm.lock" | "pylock.toml" | "pip-compile";

/** A value read from the file and where it is. */
export interface LockValue {
  readonly value: string;
  readonly span: Span;
}

/** Where a locked package comes from. */
export type LockSourceKind =
  "registry" | "git" | "vcs" | "url" | "file" | "path" | "directory" | "editable" | "virtual" | "unknown";

export interface LockSource {
  readonly kind: LockSourceKind;
  /** The index URL for `registry`, the repository or archive URL, or the local path, as written. */
  readonly url: string | null;
  /** For VCS sources: the commit or reference, when recorded. */
  readonly reference: string | null;
}

/** One recorded file hash. */
export interface LockHash {
  /** Lower-case algorithm name, e.g. `sha256`. */
  readonly algorithm: string;
  /** Lower-case hex digest. */
  readonly digest: string;
  /** The file the hash is for, when the format records it (poetry `file`, uv wheel URL …). */
  readonly file: string | null;
  readonly span: Span;
}

/** A dependency as the lock records it for an entry (where the format records the graph). */
export interface LockDependency {
  /** The name as written. */
  readonly name: string;
  readonly normalizedName: string;
  /** A PEP 440 specifier (converted from Poetry syntax where needed), or null when unconstrained. */
  readonly specifier: string | null;
  readonly marker: string | null;
  /** The extras requested of the dependency, e.g. `requests[socks]`. */
  readonly extras: readonly string[];
  readonly span: Span | null;
}

/** One locked package. */
export interface LockEntry {
  /** The name as written, with the span of its value. */
  readonly name: LockValue;
  /** The PEP 503 normalised name. */
  readonly normalizedName: string;
  /** The locked version, or null for sources without one (git, path, dynamic projects). */
  readonly version: LockValue | null;
  readonly source: LockSource;
  readonly hashes: readonly LockHash[];
  /**
   * The environment marker under which the package is installed: a string, or per group (poetry 2.1
   * `markers = {main = "…", dev = "…"}`); null when it always applies.
   */
  readonly marker: string | null;
  readonly markerByGroup: Readonly<Record<string, string>> | null;
  /** Groups or categories (`main`, `dev`, `default`, `develop` …), when the format records them. */
  readonly groups: readonly string[];
  /** The package's own Requires-Python as locked (Poetry constraints converted to PEP 440), or null. */
  readonly requiresPython: string | null;
  readonly dependencies: readonly LockDependency[];
  /**
   * For pip-compile output: the `# via` names (normalised) and other origins as written, e.g.
   * `-r requirements.in`. Empty for other formats (their graph is in `dependencies`).
   */
  readonly via: readonly string[];
  /** The whole entry (e.g. the `[[package]]` table, or the requirement's logical line). */
  readonly span: Span;
}

/** A problem found while reading a lock file (reported as `syntax`). */
export interface LockProblem {
  readonly message: string;
  readonly span: Span;
  readonly severity: "error" | "warning";
}

export interface ParsedLock {
  readonly format: LockFormat;
  readonly text: string;
  /** The format's version marker (`lock-version`, `version`/`revision`, `pipfile-spec` …), or null. */
  readonly lockVersion: LockValue | null;
  /**
   * The Python the lock was made for: the raw value as written and a PEP 440 rendering (Poetry and bare
   * versions converted; `null` when it cannot be expressed).
   */
  readonly python: { readonly raw: LockValue; readonly pep440: string | null } | null;
  /** `content-hash` (poetry, pdm) or `_meta.hash.sha256` (Pipfile.lock), with its span. */
  readonly contentHash: LockValue | null;
  /** Package indexes the lock names (Pipfile `_meta.sources`, pdm/uv sources), as written. */
  readonly sources: readonly LockValue[];
  readonly entries: readonly LockEntry[];
  readonly problems: readonly LockProblem[];
}

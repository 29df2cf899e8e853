/**
 * The release model: what one package index says about one project, as plain serialisable data.
 *
 * Readers (Simple JSON, Simple HTML) produce a `ProjectPage` holding every file the index lists;
 * `groupReleases` turns it into releases. Everything here is plain data so that it can be cached on
 * disk as JSON and handed to the analysis as a snapshot.
 */

/** Whether a file is a wheel, a source distribution, or something pip ignores for installs. */
export type PackageType = "wheel" | "sdist" | "other";

/** The tags of a wheel file name (PEP 427): each part may hold several values joined by dots. */
export interface WheelTags {
  /** For example `["py2", "py3"]` or `["cp311"]`. */
  readonly python: readonly string[];
  readonly abi: readonly string[];
  readonly platform: readonly string[];
  readonly build: string | null;
}

/** Whether and how an index serves the file's core metadata (PEP 658 / PEP 714). */
export type CoreMetadata = { readonly available: false } | { readonly available: true; readonly sha256: string | null };

/** One file listed on a project page. */
export interface IndexFile {
  readonly filename: string;
  /** Absolute URL, resolved against the page URL (credentials are never stored here). */
  readonly url: string;
  readonly packagetype: PackageType;
  /** The version as written in the file name (not normalised), or null when none could be read. */
  readonly version: string | null;
  /** Present for wheels only. */
  readonly wheel: WheelTags | null;
  /**
   * The file's `requires-python` exactly as the index gave it (unescaped), or null when absent. Invalid
   * values are kept here verbatim and ignored by `requiresPythonAllows`, as pip ignores them.
   */
  readonly requiresPython: string | null;
  /**
   * `null` when the file is not yanked; otherwise the reason, which is the empty string for a bare
   * `data-yanked` attribute or `"yanked": true` (pip treats both as yanked with no reason).
   */
  readonly yankedReason: string | null;
  /** ISO 8601 upload time (PEP 700), or null when the index does not say. */
  readonly uploadTime: string | null;
  readonly size: number | null;
  /** Lower-case hex sha256, from `hashes` (JSON) or the URL fragment (HTML); null when not given. */
  readonly sha256: string | null;
  readonly coreMetadata: CoreMetadata;
}

/** The API the page was read from; shown in logs and used by the benchmark. */
export type PageFormat = "simple-json" | "simple-html";

/** PEP 792 project status. */
export interface ProjectStatus {
  readonly status: "active" | "archived" | "quarantined" | "deprecated" | string;
  readonly reason: string | null;
}

/** One project page of one index, as read. */
export interface ProjectPage {
  /** The normalised project name the page was requested for. */
  readonly name: string;
  readonly format: PageFormat;
  /** `meta.api-version` or the `pypi:repository-version` meta tag; "1.0" when absent. */
  readonly apiVersion: string;
  readonly files: readonly IndexFile[];
  /** PEP 700 `versions` when the index lists them (JSON ≥ 1.1), else null. */
  readonly versions: readonly string[] | null;
  readonly status: ProjectStatus | null;
  /** Non-fatal problems found while reading (a newer minor API version, skipped malformed files). */
  readonly warnings: readonly string[];
}

/** A release: all files of one version, with derived release-level facts. */
export interface Release {
  /** The version string as the index spells it (the first spelling seen for this canonical version). */
  readonly version: string;
  /** True when the version is not valid PEP 440; such releases are listed but never chosen. */
  readonly legacy: boolean;
  readonly files: readonly IndexFile[];
  /** A release is yanked when all of its files are (PyPI yanks whole releases). */
  readonly yanked: boolean;
  /** The reason of the first yanked file that gives one, or null. */
  readonly yankedReason: string | null;
  /** The earliest upload time among the files, or null when none is known. */
  readonly uploadTime: string | null;
  /**
   * Every distinct `requires-python` of the release's files. A release with files of different values
   * supports the union of them; an empty list means no file restricts Python.
   */
  readonly requiresPython: readonly string[];
}

/**
 * The result of asking one index about one project. `not-found` is an answer (404/410); `error` is a
 * failure to get an answer and must never be reported as "package does not exist".
 */
export type IndexAnswer =
  | { readonly kind: "found"; readonly page: ProjectPage }
  | { readonly kind: "not-found"; readonly status: number }
  | { readonly kind: "error"; readonly message: string };

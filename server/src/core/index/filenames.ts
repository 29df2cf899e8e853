import { normalizeName } from "../parsing/names";
import type { PackageType, WheelTags } from "./releaseModel";

/**
 * Distribution file names, read the way pip's link evaluator reads them (`pip/_internal/index/
 * package_finder.py` `LinkEvaluator.evaluate_link`, `models/wheel.py`): the project name and version
 * come from the file name, never from the link text.
 */

export interface ParsedWheelName {
  readonly name: string;
  readonly version: string;
  readonly tags: WheelTags;
}

export interface ParsedDistName {
  readonly packagetype: PackageType;
  /** The version as written; null when the file does not belong to the project or has none. */
  readonly version: string | null;
  readonly wheel: WheelTags | null;
}

// pip's wheel_file_re, without the `.dist-info` alternative. Each part excludes whitespace and `-`,
// so the regular expression cannot backtrack badly.
const wheelPattern = /^([^\s-]+?)-([^\s-]*?)(?:-(\d[^-]*?))?-([^\s-]+?)-([^\s-]+?)-([^\s-]+?)\.whl$/i;

/** Parses a wheel file name (PEP 427), or returns null when it is not one. */
export function parseWheelFilename(filename: string): ParsedWheelName | null {
  if (filename.length > 1000) return null;
  const match = wheelPattern.exec(filename);
  if (!match) return null;
  const [, name = "", version = "", build, python = "", abi = "", platform = ""] = match;
  return {
    name,
    // pip: "ver.replace('_', '-')" — wheels escape `-` in local versions as `_`.
    version: version.replace(/_/g, "-"),
    tags: { python: python.split("."), abi: abi.split("."), platform: platform.split("."), build: build ?? null },
  };
}

// pip's SUPPORTED_EXTENSIONS for source archives (the `.whl` zip extension is handled above).
const sdistExtensions = [
  ".tar.gz",
  ".tar.bz2",
  ".tar.xz",
  ".tar.lzma",
  ".tar.lz",
  ".tar",
  ".tgz",
  ".tbz",
  ".txz",
  ".tlz",
  ".zip",
];

/**
 * Reads one file name of a project page. Wheels must carry the project's (normalised) name; source
 * archives are split at the first `-` after which the prefix normalises to the project name (pip's
 * `_find_name_version_sep`). Anything else (eggs, installers, unsupported archives) is "other", which
 * pip never installs.
 */
export function parseDistFilename(filename: string, canonicalProjectName: string): ParsedDistName | null {
  if (filename.length === 0 || filename.length > 1000) return null;
  const lower = filename.toLowerCase();
  if (lower.endsWith(".whl")) {
    const wheel = parseWheelFilename(filename);
    if (!wheel || normalizeName(wheel.name) !== canonicalProjectName) return null;
    return { packagetype: "wheel", version: wheel.version, wheel: wheel.tags };
  }
  const extension = sdistExtensions.find((ext) => lower.endsWith(ext));
  if (extension === undefined) {
    const dot = filename.lastIndexOf(".");
    const stem = dot > 0 ? filename.slice(0, dot) : filename;
    return { packagetype: "other", version: versionAfterName(stem, canonicalProjectName), wheel: null };
  }
  const stem = filename.slice(0, filename.length - extension.length);
  const version = versionAfterName(stem, canonicalProjectName);
  if (version === null) return null;
  return { packagetype: "sdist", version, wheel: null };
}

/** pip's `_extract_version_from_fragment`: the text after the `-` that ends the project name. */
export function versionAfterName(fragment: string, canonicalName: string): string | null {
  for (let i = 0; i < fragment.length; i++) {
    if (fragment.charCodeAt(i) !== 0x2d) continue;
    if (normalizeName(fragment.slice(0, i)) === canonicalName) {
      const version = fragment.slice(i + 1);
      return version === "" ? null : version;
    }
  }
  return null;
}

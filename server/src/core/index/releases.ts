import { parseSpecifierSet, type SpecifierSet } from "../pep440/specifier";
import { canonicalizeVersion, compareVersions, parseVersion, type Version } from "../pep440/version";
import { pyStrip } from "../pep440/pyString";
import { uploadTimeOf } from "./pageCommon";
import type { IndexFile, ProjectPage, Release, WheelTags } from "./releaseModel";

const releaseCache = new WeakMap<ProjectPage, Release[]>();

/**
 * Groups a page's files into releases by PEP 440 version (so `1.0` and `1.0.0` files form one
 * release), newest first; versions that are not valid PEP 440 are kept as `legacy` releases after
 * all others. Versions listed in PEP 700 `versions` without any file are not releases pip could
 * install and are left out. Results are memoised per page object (pages are immutable).
 */
export function groupReleases(page: ProjectPage): Release[] {
  const cached = releaseCache.get(page);
  if (cached) return cached;
  const groups = new Map<string, { version: string; parsed: Version | null; files: IndexFile[] }>();
  for (const file of page.files) {
    if (file.version === null) continue;
    const parsed = parseVersion(file.version);
    const key = parsed ? canonicalizeVersion(file.version) : `legacy:${file.version}`;
    const group = groups.get(key);
    if (group) group.files.push(file);
    // packaging strips Python whitespace around a version, so "9.9\n" (from a file name such as
    // "pkg-9.9%0A.tar.gz") is release 9.9. The spelling shown, pinned and completed is the stripped one:
    // a line break or control character from the index must never reach a message or an edit.
    else groups.set(key, { version: parsed ? pyStrip(file.version) : file.version, parsed, files: [file] });
  }
  const releases: { release: Release; parsed: Version | null }[] = [];
  for (const group of groups.values()) {
    const yankedFiles = group.files.filter((f) => f.yankedReason !== null);
    const yanked = yankedFiles.length === group.files.length && group.files.length > 0;
    const reason = yankedFiles.find((f) => f.yankedReason !== null && f.yankedReason !== "")?.yankedReason ?? null;
    let uploadTime: string | null = null;
    for (const file of group.files) {
      // Checked again here because cached pages may predate the reader's check.
      const time = uploadTimeOf(file.uploadTime);
      if (time !== null && (uploadTime === null || time < uploadTime)) uploadTime = time;
    }
    const requiresPython = [
      ...new Set(group.files.map((f) => f.requiresPython).filter((r): r is string => r !== null && r.trim() !== "")),
    ];
    releases.push({
      parsed: group.parsed,
      release: {
        version: group.version,
        legacy: group.parsed === null,
        files: group.files,
        yanked,
        yankedReason: yanked ? reason : null,
        uploadTime,
        requiresPython,
      },
    });
  }
  releases.sort((a, b) => {
    if (a.parsed && b.parsed) return compareVersions(b.parsed, a.parsed);
    if (a.parsed) return -1;
    if (b.parsed) return 1;
    return a.release.version < b.release.version ? 1 : -1;
  });
  const result = releases.map((r) => r.release);
  releaseCache.set(page, result);
  return result;
}

const specifierCache = new Map<string, SpecifierSet | null>();

/**
 * Whether a file's `requires-python` admits a Python version, exactly as pip's
 * `check_requires_python` decides it: the target (e.g. `--python-version 3.8`) is padded to three
 * parts (`3.8.0`, pip's `normalize_version_info`) and tested with `in`; an invalid specifier is ignored
 * (pip logs "Ignoring invalid Requires-Python" and keeps the file), and so is a missing one.
 */
export function requiresPythonAllows(requiresPython: string | null, pythonVersion: string): boolean {
  if (requiresPython === null) return true;
  let set = specifierCache.get(requiresPython);
  if (set === undefined) {
    const parsed = parseSpecifierSet(requiresPython);
    set = parsed.ok ? parsed.value : null;
    if (specifierCache.size > 5000) specifierCache.clear();
    specifierCache.set(requiresPython, set);
  }
  if (set === null) return true;
  return set.contains(padPython(pythonVersion));
}

function padPython(version: string): string {
  const parts = version.split(".");
  while (parts.length < 3) parts.push("0");
  return parts.slice(0, 3).join(".");
}

/**
 * Whether a wheel's tags fit a CPython interpreter of `pythonVersion` (X.Y) on some platform, following
 * packaging.tags: `cpython_tags` gives `cpXY` with the interpreter's ABI, `abi3` and `none`, plus
 * `cpXZ-abi3` for every earlier minor Z ≥ 2; `compatible_tags` gives `pyXY`, `pyX` and every earlier
 * `pyXZ` with ABI `none`. Platform tags are not checked (any platform counts); a `py2`-only wheel
 * does not fit Python 3.
 */
export function wheelSupportsPython(tags: WheelTags, pythonVersion: string): boolean {
  const [majorText, minorText] = pythonVersion.split(".");
  const major = Number(majorText);
  const minor = Number(minorText ?? "0");
  if (!Number.isInteger(major) || !Number.isInteger(minor)) return false;
  for (const python of tags.python) {
    for (const abi of tags.abi) {
      if (tagFits(python.toLowerCase(), abi.toLowerCase(), major, minor)) return true;
    }
  }
  return false;
}

function tagFits(python: string, abi: string, major: number, minor: number): boolean {
  const match = /^(py|cp)(\d)(\d*)$/.exec(python);
  if (!match) return false;
  const [, kind, tagMajorText = "", tagMinorText = ""] = match;
  const tagMajor = Number(tagMajorText);
  if (tagMajor !== major) return false;
  const tagMinor = tagMinorText === "" ? null : Number(tagMinorText);
  if (kind === "py") {
    return abi === "none" && (tagMinor === null || tagMinor <= minor);
  }
  if (tagMinor === null) return false;
  if (tagMinor === minor) {
    // The interpreter's own ABI (cp38, cp37m, cp313t …), the stable ABI, or none.
    return abi === "none" || abi === "abi3" || abi.startsWith(`cp${major}${minor}`);
  }
  return abi === "abi3" && tagMinor < minor && tagMinor >= 2;
}

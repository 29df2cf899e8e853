import type { IndexFile, Release } from "../index/releaseModel";
import { requiresPythonAllows, wheelSupportsPython } from "../index/releases";
import { parseSpecifierSet, type SpecifierSet } from "../pep440/specifier";
import { compareVersions, cachedVersion, type Version } from "../pep440/version";

/** How pip is asked to install: the options that change which release it picks. */
export interface ResolveOptions {
  /** `--pre` on the command line or in the requirements file. */
  readonly pre?: boolean;
  /** Specifiers from constraint files (`-c`) for the same package; each must hold. */
  readonly constraints?: readonly string[];
  /** False models `--only-binary=:all:` (sdists are not candidates). Default true. */
  readonly allowSdists?: boolean;
}

/** What a fresh `pip install` would pick for one requirement on one target Python. */
export interface Resolution {
  /** The chosen version as the index spells it, or null when pip would find nothing. */
  readonly version: string | null;
  readonly release: Release | null;
  /** True when the chosen release is yanked (pip installs it with a warning). */
  readonly yanked: boolean;
  /** How many releases have a file that fits the target and the specifier (constraints included). */
  readonly admitted: number;
  /** Why nothing was found, in words, when `version` is null. */
  readonly reason: string | null;
}

interface Candidate {
  readonly release: Release;
  readonly version: Version;
  readonly yanked: boolean;
}

/**
 * Picks what pip's finder would install for a requirement on a CPython `target` (X.Y), following
 * `PackageFinder.find_best_candidate`:
 *
 * 1. Candidates are files pip can install there: `requires-python` admits the target (invalid values
 *    ignored), wheels whose tags fit a CPython of that version (any platform), and sdists.
 * 2. The specifier filters candidate versions with packaging's pre-release rule: pre-releases only if
 *    the specifier names one, `--pre` is given, or no final release matches (`SpecifierSet.filter`).
 *    Constraints filter the same way.
 * 3. Yanked candidates are skipped unless all applicable candidates are yanked and the requirement is
 *    pinned (`==` without a wildcard, or `===`), as pip's resolver does; the highest remaining wins.
 */
export function resolveRequirement(
  releases: readonly Release[],
  specifier: string | undefined,
  target: string,
  options: ResolveOptions = {},
): Resolution {
  const allowSdists = options.allowSdists ?? true;
  const installable: Candidate[] = [];
  for (const release of releases) {
    if (release.legacy) continue;
    const version = cachedVersion(release.version);
    if (!version) continue;
    const files = release.files.filter((file) => fileFits(file, target, allowSdists));
    if (files.length === 0) continue;
    // pip ranks files, not releases: a release is yanked for this choice when all fitting files are.
    const yanked = files.every((file) => file.yankedReason !== null);
    installable.push({ release, version, yanked });
  }
  if (installable.length === 0) {
    return {
      version: null,
      release: null,
      yanked: false,
      admitted: 0,
      reason: `no release has a file for Python ${target}`,
    };
  }

  let applicable = installable;
  // The requirement's own specifier is applied even when empty: packaging's filter then keeps final
  // releases, or the pre-releases when there is no final one.
  for (const [i, text] of [specifier ?? "", ...(options.constraints ?? [])].entries()) {
    if (i > 0 && text.trim() === "") continue;
    const set = parseSet(text);
    if (set === null)
      return { version: null, release: null, yanked: false, admitted: 0, reason: `invalid specifier "${text}"` };
    applicable = set.filter(applicable, {
      key: (candidate) => candidate.version,
      ...(options.pre ? { prereleases: true } : {}),
    });
  }
  if (applicable.length === 0) {
    return {
      version: null,
      release: null,
      yanked: false,
      admitted: 0,
      reason: `no release for Python ${target} satisfies ${[specifier ?? "", ...(options.constraints ?? [])].filter((s) => s.trim()).join(" and ")}`,
    };
  }
  // pip's resolver (`factory._iter_found_candidates`) skips yanked files unless every applicable
  // candidate is yanked and the requirement is pinned (`==` without a wildcard, or `===`).
  const allYanked = applicable.every((c) => c.yanked);
  const pinned = [specifier ?? "", ...(options.constraints ?? [])].some(isPinned);
  const allowed = applicable.filter((c) => !c.yanked || (allYanked && pinned));
  if (allowed.length === 0) {
    return {
      version: null,
      release: null,
      yanked: false,
      admitted: 0,
      reason: `every release for Python ${target} that ${specifier?.trim() ? `satisfies ${specifier.trim()}` : "matches"} is yanked`,
    };
  }
  let best: Candidate | undefined;
  for (const candidate of allowed) {
    if (!best || compareVersions(candidate.version, best.version) > 0) best = candidate;
  }
  if (!best) return { version: null, release: null, yanked: false, admitted: 0, reason: "no candidate" };
  return {
    version: best.release.version,
    release: best.release,
    yanked: best.yanked,
    admitted: allowed.length,
    reason: null,
  };
}

/** Whether pip could install this file on a CPython of `target`. */
export function fileFits(file: IndexFile, target: string, allowSdists = true): boolean {
  if (!requiresPythonAllows(file.requiresPython, target)) return false;
  if (file.packagetype === "sdist") return allowSdists;
  if (file.packagetype === "wheel" && file.wheel) return wheelSupportsPython(file.wheel, target);
  return false;
}

/** pip's `is_pinned`: some clause is `===`, or `==` without a `.*` wildcard. */
function isPinned(text: string): boolean {
  const set = parseSet(text);
  return (
    set !== null &&
    set.specifiers.some((c) => c.operator === "===" || (c.operator === "==" && !c.version.endsWith(".*")))
  );
}

const setCache = new Map<string, SpecifierSet | null>();

function parseSet(text: string): SpecifierSet | null {
  let set = setCache.get(text);
  if (set === undefined) {
    const parsed = parseSpecifierSet(text);
    set = parsed.ok ? parsed.value : null;
    if (setCache.size > 5000) setCache.clear();
    setCache.set(text, set);
  }
  return set;
}

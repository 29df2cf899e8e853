import type { Release } from "../index/releaseModel";
import { requiresPythonAllows, wheelSupportsPython } from "../index/releases";
import { compareVersions, cachedVersion, type Version } from "../pep440/version";
import { fileFits } from "./resolve";
import { plainText } from "./markdown";

/**
 * Which Pythons a release supports, by three kinds of evidence, and where support for a target
 * Python stops in a package's history.
 *
 * - `requires-python` is declared: pip skips files whose Requires-Python excludes the target, so a
 *   drop declared this way is safe.
 * - Wheel tags: a release whose wheels are all for newer Pythons (say `py3-none-any` only) while an
 *   sdist is still offered is installed from source on the old Python — an undeclared drop.
 * - Trove classifiers (`Programming Language :: Python :: 3.7`, `:: 3`, `:: 3 :: Only`) are what the
 *   authors say they tested. They are undeclared: pip ignores them and installs the release anyway.
 *
 * Evidence only ever marks a target as unsupported when it is *older* than what a release covers:
 * classifiers and wheels lag behind new Python releases, so a target newer than every listed version
 * is "not listed yet", not a drop.
 */

export type SupportEvidence = "requires-python" | "wheel-tags" | "classifiers";

/** The classifier facts of one release: per-version JSON metadata, or null when unavailable. */
export type ClassifierLookup = (version: string) => readonly string[] | null | undefined;

/** What one release says about one target Python. */
export interface ReleaseSupport {
  /** False when some evidence says the target is not supported; true otherwise (including no evidence). */
  readonly supported: boolean;
  readonly evidence: SupportEvidence | null;
  /** True when pip itself skips the release for the target (Requires-Python, or no installable file). */
  readonly declared: boolean;
  /** A short explanation of the evidence, e.g. "classifiers list only 3.5–3.7". */
  readonly detail: string | null;
}

/** Where support for one target stops in a package's release history. */
export interface TargetSupport {
  readonly target: string;
  /** The newest final release that supports the target by all evidence, or null when none does. */
  readonly lastSupported: string | null;
  /** The release after `lastSupported` where support stops, or null when the newest still supports it. */
  readonly droppedIn: string | null;
  readonly droppedDate: string | null;
  /** True when the drop is declared (pip will not install `droppedIn` or later on the target). */
  readonly declared: boolean;
  readonly evidence: SupportEvidence | null;
  readonly detail: string | null;
  /** The newest release pip can install on the target at all (ignoring classifiers), or null. */
  readonly newestInstallable: string | null;
}

/** The result of one bisect step: finished, or waiting for one release's classifiers. */
export type SupportStep =
  { readonly kind: "done"; readonly support: TargetSupport } | { readonly kind: "need"; readonly version: string };

interface PythonVersion {
  readonly major: number;
  readonly minor: number;
}

function pythonOf(target: string): PythonVersion | null {
  const match = /^(\d+)\.(\d+)/.exec(target);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : null;
}

/** The Python versions named by a release's trove classifiers. */
export interface ClassifierPythons {
  /** Majors named on their own (`Python :: 3`). */
  readonly majors: ReadonlySet<number>;
  /** Minors named (`Python :: 3.7`), as [major, minor]. */
  readonly minors: readonly PythonVersion[];
  /** The major of a `Python :: X :: Only` classifier, or null. */
  readonly only: number | null;
}

export function classifierPythons(classifiers: readonly string[]): ClassifierPythons {
  const majors = new Set<number>();
  const minors: PythonVersion[] = [];
  let only: number | null = null;
  for (const classifier of classifiers) {
    const match = /^Programming Language\s*::\s*Python\s*::\s*(\d+)(?:\.(\d+))?\s*(::\s*Only\s*)?$/i.exec(
      classifier.trim(),
    );
    if (!match) continue;
    const major = Number(match[1]);
    if (match[3] !== undefined) only = major;
    if (match[2] !== undefined) minors.push({ major, minor: Number(match[2]) });
    else majors.add(major);
  }
  return { majors, minors, only };
}

/**
 * Whether classifiers say a release does not support `target`: a `:: X :: Only` for another major,
 * version classifiers that never name the target's major, or minors of the target's major that all lie
 * above the target. Null when classifiers say nothing against it.
 */
export function classifierVerdict(classifiers: readonly string[], target: string): string | null {
  const python = pythonOf(target);
  if (python === null) return null;
  const named = classifierPythons(classifiers);
  const listed = describeListed(named);
  if (named.only !== null && named.only !== python.major) return `classifiers say Python ${named.only} only`;
  const sameMajor = named.minors.filter((m) => m.major === python.major);
  const anyVersion = named.majors.size > 0 || named.minors.length > 0;
  if (!anyVersion) return null;
  if (!named.majors.has(python.major) && sameMajor.length === 0) {
    // Only a target older than what is listed counts: a release listing 2.7 only says nothing
    // reliable about Python 3.
    const newestOtherMajor = Math.max(...named.minors.map((m) => m.major), ...named.majors);
    if (newestOtherMajor > python.major) return `classifiers list only ${listed}`;
    return null;
  }
  if (sameMajor.length > 0 && sameMajor.every((m) => m.minor > python.minor)) {
    return `classifiers list only ${listed}`;
  }
  return null;
}

/** "3.5–3.7" style ranges of listed minors, or "Python 3" when only a major is listed. */
function describeListed(named: ClassifierPythons): string {
  if (named.minors.length === 0) return [...named.majors].map((m) => `Python ${m}`).join(", ");
  const byMajor = new Map<number, number[]>();
  for (const { major, minor } of named.minors) byMajor.set(major, [...(byMajor.get(major) ?? []), minor]);
  const parts: string[] = [];
  for (const [major, minors] of [...byMajor].sort((a, b) => a[0] - b[0])) {
    const sorted = [...new Set(minors)].sort((a, b) => a - b);
    const first = sorted[0];
    const last = sorted[sorted.length - 1];
    parts.push(first === last ? `${major}.${first}` : `${major}.${first}–${major}.${last}`);
  }
  return parts.join(", ");
}

const fileSupportCache = new WeakMap<Release, Map<string, ReleaseSupport>>();

/**
 * What the files of a release say, without classifiers: Requires-Python and wheel tags. Memoised per
 * release object (releases are immutable) and target.
 */
export function fileSupport(release: Release, target: string): ReleaseSupport {
  let byTarget = fileSupportCache.get(release);
  if (byTarget === undefined) {
    byTarget = new Map();
    fileSupportCache.set(release, byTarget);
  }
  let support = byTarget.get(target);
  if (support === undefined) {
    support = computeFileSupport(release, target);
    byTarget.set(target, support);
  }
  return support;
}

function computeFileSupport(release: Release, target: string): ReleaseSupport {
  const python = pythonOf(target);
  if (python === null) return { supported: true, evidence: null, declared: false, detail: null };
  const files = release.files.filter((file) => file.packagetype !== "other");
  if (files.length === 0) return { supported: true, evidence: null, declared: false, detail: null };
  const allowed = files.filter((file) => requiresPythonAllows(file.requiresPython, target));
  if (allowed.length === 0) {
    return {
      supported: false,
      evidence: "requires-python",
      declared: true,
      // Index text: control characters removed and length capped before it reaches a message.
      detail: `Requires-Python ${plainText(release.requiresPython.join(" or "), 120)}`,
    };
  }
  const fitting = allowed.filter((file) => fileFits(file, target));
  if (fitting.length === 0) {
    return { supported: false, evidence: "wheel-tags", declared: true, detail: `no wheel for Python ${target}` };
  }
  const wheels = allowed.filter((file) => file.packagetype === "wheel" && file.wheel !== null);
  const hasSdist = fitting.some((file) => file.packagetype === "sdist");
  if (hasSdist && wheels.length > 0 && !wheels.some((file) => file.wheel && wheelFitsUpTo(file.wheel, python))) {
    const tags = plainText([...new Set(wheels.flatMap((file) => file.wheel?.python ?? []))].slice(0, 4).join(", "), 80);
    return {
      supported: false,
      evidence: "wheel-tags",
      declared: false,
      detail: `wheels are only for ${tags}; pip falls back to building the sdist`,
    };
  }
  return { supported: true, evidence: null, declared: false, detail: null };
}

/** Whether a wheel fits the target or any older minor of its major (so the target is not "too old"). */
function wheelFitsUpTo(wheel: NonNullable<Release["files"][number]["wheel"]>, python: PythonVersion): boolean {
  for (let minor = python.minor; minor >= 0; minor--) {
    if (wheelSupportsPython(wheel, `${python.major}.${minor}`)) return true;
  }
  return false;
}

/** All evidence about one release for one target; classifiers undefined means "not known yet". */
export function releaseSupport(
  release: Release,
  target: string,
  classifiers: readonly string[] | null | undefined,
): ReleaseSupport {
  const files = fileSupport(release, target);
  if (!files.supported) return files;
  if (classifiers) {
    const verdict = classifierVerdict(classifiers, target);
    if (verdict !== null) return { supported: false, evidence: "classifiers", declared: false, detail: verdict };
  }
  return files;
}

/**
 * One step of the search for where support of `target` stops. The candidates are the final,
 * non-yanked releases pip could install on the target (Requires-Python and tags allow a file); their
 * classifiers come from per-version metadata, which costs one request each, so the boundary is found
 * by bisection assuming support, once dropped, stays dropped: the newest release is checked first
 * (one request when nothing was dropped), then ⌈log2 n⌉ more at most.
 *
 * The function is pure: it returns the version whose classifiers it needs next (`lookup` answered
 * undefined), and the caller fetches it and calls again. `null` from `lookup` means the index has no
 * metadata for that release; it then counts as supporting (no evidence against it).
 */
export function supportStep(releases: readonly Release[], target: string, lookup: ClassifierLookup): SupportStep {
  const finals: { release: Release; version: Version }[] = [];
  for (const release of releases) {
    if (release.legacy || release.yanked) continue;
    const version = cachedVersion(release.version);
    if (!version || version.isPrerelease) continue;
    finals.push({ release, version });
  }
  finals.sort((a, b) => compareVersions(a.version, b.version));
  const installable = finals.filter((f) => !fileSupport(f.release, target).declared);
  const newestInstallable = installable[installable.length - 1]?.release ?? null;

  // The first final release after the newest installable one is where a declared drop happened.
  const declaredDrop = (): TargetSupport => {
    const newest = newestInstallable;
    const after = newest
      ? finals.find((f) => compareVersions(f.version, cachedVersion(newest.version) as Version) > 0)
      : finals[0];
    const support = after ? fileSupport(after.release, target) : null;
    return {
      target,
      lastSupported: newest?.version ?? null,
      droppedIn: after?.release.version ?? null,
      droppedDate: after?.release.uploadTime ?? null,
      declared: after !== undefined,
      evidence: support?.evidence ?? null,
      detail: support?.detail ?? null,
      newestInstallable: newest?.version ?? null,
    };
  };
  if (installable.length === 0) return { kind: "done", support: declaredDrop() };

  const bad = (index: number): ReleaseSupport | "need" => {
    const release = (installable[index] as (typeof installable)[number]).release;
    const files = fileSupport(release, target);
    if (!files.supported) return files;
    const classifiers = lookup(release.version);
    if (classifiers === undefined) return "need";
    return releaseSupport(release, target, classifiers);
  };

  const last = installable.length - 1;
  const newest = bad(last);
  if (newest === "need") return { kind: "need", version: installable[last]?.release.version ?? "" };
  if (newest.supported) return { kind: "done", support: declaredDrop() };
  let low = 0;
  let high = last;
  while (low < high) {
    const mid = (low + high) >> 1;
    const verdict = bad(mid);
    if (verdict === "need") return { kind: "need", version: installable[mid]?.release.version ?? "" };
    if (verdict.supported) low = mid + 1;
    else high = mid;
  }
  const drop = installable[low] as (typeof installable)[number];
  const verdict = bad(low);
  const evidence = verdict === "need" ? null : verdict;
  const previous = low > 0 ? installable[low - 1]?.release : undefined;
  return {
    kind: "done",
    support: {
      target,
      lastSupported: previous?.version ?? null,
      droppedIn: drop.release.version,
      droppedDate: drop.release.uploadTime,
      declared: false,
      evidence: evidence?.evidence ?? null,
      detail: evidence?.detail ?? null,
      newestInstallable: newestInstallable?.version ?? null,
    },
  };
}

/**
 * Whether `version` supports the target according to a computed boundary: releases from the drop on
 * do not (support is assumed not to come back), and releases pip cannot install there do not either.
 */
export function versionSupported(version: string, support: TargetSupport): boolean {
  if (support.droppedIn === null) return true;
  const parsed = cachedVersion(version);
  const dropped = cachedVersion(support.droppedIn);
  if (!parsed || !dropped) return true;
  return compareVersions(parsed, dropped) < 0;
}

/** Runs `supportStep` to completion with an async fetcher (the CLI and the server's background job). */
export async function findSupport(
  releases: readonly Release[],
  target: string,
  lookup: ClassifierLookup,
  fetch: (version: string) => Promise<void>,
  maxSteps = 64,
): Promise<TargetSupport | null> {
  for (let i = 0; i < maxSteps; i++) {
    const step = supportStep(releases, target, lookup);
    if (step.kind === "done") return step.support;
    await fetch(step.version);
    if (lookup(step.version) === undefined) return null;
  }
  return null;
}

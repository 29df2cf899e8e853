import { dateOf, dropText, sortPythons, type Targets } from "../analysis/dependencyFindings";
import { defaultSeverities, type Finding } from "../analysis/findings";
import type { IndexSnapshot } from "../analysis/indexFindings";
import { plainText } from "../analysis/markdown";
import { fileSupport, releaseSupport } from "../analysis/pythonSupport";
import type { PackageView } from "../index/packageView";
import { findRelease } from "../index/packageView";
import type { Release } from "../index/releaseModel";
import { defaultEnvironment, evaluateMarker } from "../parsing/markerEval";
import { parseMarker } from "../parsing/markers";
import { cachedVersion, compareVersions } from "../pep440/version";
import { minorsForSpecifier } from "../python/targetPython";
import type { LockEntry, ParsedLock } from "./lockModel";

/** How a lock file is analysed. */
export interface LockContext {
  /** The project's target Pythons (settings or detection). */
  readonly targets: Targets;
  /** `outdated` is off by default inside lock files (everything in a lock is pinned on purpose). */
  readonly outdated?: boolean;
}

/**
 * The Pythons a lock is checked against: the project's targets plus the lowest and highest minor the
 * lock's own Python requirement admits (a lock made for `>=3.8` must install on 3.8).
 */
export function lockTargets(lock: ParsedLock, targets: Targets): Targets {
  const own = lock.python?.pep440 ? minorsForSpecifier(lock.python.pep440) : [];
  if (own.length === 0) return targets;
  const versions = sortPythons([...targets.versions, ...own]);
  return versions.length === targets.versions.length
    ? targets
    : { versions, source: `${targets.source}; the lock's Python ${lock.python?.raw.value ?? ""}` };
}

/**
 * Findings inside a lock file: `syntax` for what could not be read; from the index, per locked
 * registry package: `unknown-version`, `yanked`, `python-support` (the project's targets and the lock's
 * own Python requirement), `vulnerable` (the JSON API's advisories for that exact version),
 * `hash-mismatch` (a locked hash the index does not list for that release, when it lists hashes) and,
 * when asked for, `outdated`.
 */
export function lockFindings(lock: ParsedLock, snapshot: IndexSnapshot | undefined, context: LockContext): Finding[] {
  const findings: Finding[] = lock.problems.map((problem) => ({
    code: "syntax" as const,
    severity: problem.severity,
    message: problem.message,
    span: problem.span,
    package: null,
  }));
  if (snapshot === undefined || snapshot.indexes.length === 0) return sortFindings(findings);
  const targets = lockTargets(lock, context.targets);
  let unreachable: Finding | null = null;
  const consulted = new Set(snapshot.indexes.map((i) => normalizeIndexUrl(i.display)));
  for (const entry of lock.entries) {
    if (entry.version === null || !isRegistry(entry)) continue;
    // A package locked from a private index that is not configured here is not judged by what the
    // configured indexes have: a public package of the same name would give false findings. Entries
    // locked from PyPI are checked against the configured indexes (often a PyPI mirror).
    const from = entry.source.url === null ? null : normalizeIndexUrl(entry.source.url);
    if (from !== null && from !== pypiSimple && !consulted.has(from)) continue;
    const view = snapshot.view(entry.normalizedName);
    if (view === undefined) continue;
    if (view.state === "error") {
      unreachable ??= {
        code: "index-unreachable",
        severity: defaultSeverities["index-unreachable"],
        message: `Could not reach the package index (${plainText(view.errors.join("; "), 300)}). Checks of locked versions are incomplete; they resume when the index answers.`,
        span: entry.name.span,
        package: null,
      };
      continue;
    }
    if (view.state !== "found") continue;
    findings.push(...entryFindings(entry, view, snapshot, targets, context));
  }
  if (unreachable) findings.push(unreachable);
  return sortFindings(findings);
}

function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
}

const pypiSimple = "https://pypi.org/simple";

/** An index URL for comparison: no credentials, no trailing slash, PyPI's spellings made one. */
export function normalizeIndexUrl(url: string): string {
  let text = url.trim().replace(/\/+$/, "");
  try {
    const parsed = new URL(text);
    parsed.username = "";
    parsed.password = "";
    text = parsed.toString().replace(/\/+$/, "");
  } catch {
    // Not a URL (a local path): compared as written.
  }
  return text.replace(/^https?:\/\/(www\.)?pypi\.(org|python\.org)\/simple$/i, "https://pypi.org/simple");
}

function isRegistry(entry: LockEntry): boolean {
  return entry.source.kind === "registry" || entry.source.kind === "unknown";
}

function entryFindings(
  entry: LockEntry,
  view: PackageView,
  snapshot: IndexSnapshot,
  targets: Targets,
  context: LockContext,
): Finding[] {
  const version = entry.version;
  if (version === null) return [];
  const display = entry.name.value;
  const release = findRelease(view, version.value);
  const findings: Finding[] = [];
  if (!release || (release.files.length === 0 && !release.legacy)) {
    if (view.complete) {
      findings.push({
        code: "unknown-version",
        severity: defaultSeverities["unknown-version"],
        message: `${display} has no release ${version.value} on the index; installing this lock will fail.`,
        span: version.span,
        package: entry.normalizedName,
      });
    }
    return findings;
  }
  if (release.yanked) {
    findings.push({
      code: "yanked",
      severity: defaultSeverities.yanked,
      message: `${display} ${release.version} was yanked from the index${release.yankedReason ? ` (reason: "${plainText(release.yankedReason, 200)}")` : " (no reason given)"}; the lock still installs it.`,
      span: version.span,
      package: entry.normalizedName,
    });
  }
  const support = supportProblems(entry, release, view, snapshot, targets);
  if (support) findings.push({ ...support, span: version.span });
  const vulnerable = vulnerabilityFinding(entry, release, snapshot);
  if (vulnerable) findings.push(vulnerable);
  findings.push(...hashFindings(entry, release));
  if (context.outdated === true) {
    const latest = view.releases.find(
      (r) => !r.legacy && !r.yanked && cachedVersion(r.version)?.isPrerelease === false,
    );
    const locked = cachedVersion(release.version);
    const newest = latest ? cachedVersion(latest.version) : null;
    if (latest && locked && newest && compareVersions(newest, locked) > 0) {
      findings.push({
        code: "outdated",
        severity: defaultSeverities.outdated,
        message: `${display} ${release.version} is locked; the newest release is ${latest.version}${dateOf(latest) ? ` (${dateOf(latest) ?? ""})` : ""}.`,
        span: version.span,
        package: entry.normalizedName,
      });
    }
  }
  return findings;
}

/** Whether the entry's marker can hold on a target (any platform; any group's marker). */
function entryApplies(entry: LockEntry, target: string): boolean {
  const markers = entry.markerByGroup ? Object.values(entry.markerByGroup) : entry.marker ? [entry.marker] : [];
  if (markers.length === 0) return true;
  return markers.some((text) => {
    const parsed = parseMarker(text);
    if (!parsed.ok) return true;
    for (const platform of ["linux", "darwin", "win32"] as const) {
      // Lock markers may use `extra`; an extra-dependent package counts as applying.
      const result = evaluateMarker(parsed.marker, { ...defaultEnvironment(target, platform), extra: "" }, "lock_file");
      if (!result.ok || result.value) return true;
    }
    return false;
  });
}

function supportProblems(
  entry: LockEntry,
  release: Release,
  view: PackageView,
  snapshot: IndexSnapshot,
  targets: Targets,
): Omit<Finding, "span"> | null {
  const display = entry.name.value;
  const problems: string[] = [];
  for (const target of targets.versions) {
    if (!entryApplies(entry, target)) continue;
    const files = fileSupport(release, target);
    if (!files.supported && files.declared) {
      problems.push(
        `${display} ${release.version} cannot be installed on Python ${target} (${files.detail ?? "no file fits"}).`,
      );
      continue;
    }
    const meta = snapshot.releaseMetadata?.(entry.normalizedName, release.version);
    if (meta === undefined) continue;
    const verdict = releaseSupport(release, target, meta?.classifiers ?? null);
    if (verdict.supported) continue;
    const boundary = snapshot.support?.(entry.normalizedName, view.releases, target);
    if (boundary === undefined && snapshot.support !== undefined) continue;
    problems.push(
      `${display} ${release.version} does not support Python ${target}: ${
        boundary && boundary.droppedIn !== null
          ? dropText(display, boundary)
          : `its ${verdict.detail ?? "metadata"} and no Requires-Python declares it.`
      }`,
    );
  }
  if (problems.length === 0) return null;
  return {
    code: "python-support",
    severity: defaultSeverities["python-support"],
    message: problems.join(" "),
    package: entry.normalizedName,
  };
}

function vulnerabilityFinding(entry: LockEntry, release: Release, snapshot: IndexSnapshot): Finding | null {
  const meta = snapshot.releaseMetadata?.(entry.normalizedName, release.version);
  const advisories = (meta?.vulnerabilities ?? []).filter((v) => v.withdrawn === null);
  if (advisories.length === 0 || entry.version === null) return null;
  const described = advisories.slice(0, 3).map((v) => {
    const ids = [v.id, ...v.aliases.slice(0, 2)].map((id) => plainText(id, 40)).join(", ");
    const fixed =
      v.fixedIn.length > 0
        ? `; fixed in ${v.fixedIn
            .slice(0, 3)
            .map((f) => plainText(f, 30))
            .join(", ")}`
        : "";
    const summary = v.summary ? `: ${plainText(v.summary, 120)}` : "";
    return `${ids}${summary}${fixed}`;
  });
  const more = advisories.length > 3 ? ` (and ${advisories.length - 3} more)` : "";
  return {
    code: "vulnerable",
    severity: defaultSeverities.vulnerable,
    message: `${entry.name.value} ${release.version} has ${advisories.length === 1 ? "a known vulnerability" : `${advisories.length} known vulnerabilities`}: ${described.join(" · ")}${more}.`,
    span: entry.version.span,
    package: entry.normalizedName,
  };
}

/**
 * A locked sha256 that is not among the index's hashes for the release. Only when the index gives a
 * sha256 for every file of the release, since a missing hash proves nothing.
 */
function hashFindings(entry: LockEntry, release: Release): Finding[] {
  const known = release.files.map((f) => f.sha256);
  if (known.length === 0 || known.some((h) => h === null)) return [];
  const digests = new Set(known as string[]);
  const findings: Finding[] = [];
  for (const hash of entry.hashes) {
    if (hash.algorithm !== "sha256" || digests.has(hash.digest)) continue;
    findings.push({
      code: "hash-mismatch",
      severity: defaultSeverities["hash-mismatch"],
      message: `The locked hash${hash.file ? ` of ${plainText(hash.file, 120)}` : ""} is not among the index's hashes for ${entry.name.value} ${release.version}: the file changed, or the lock was edited. pip refuses to install it.`,
      span: hash.span,
      package: entry.normalizedName,
    });
  }
  return findings;
}

/**
 * Why an entry is in the lock: chains of packages that depend on it (with the specifier each gives),
 * up to `maxDepth`, from the lock's own graph (or pip-compile's `# via`). Each chain is listed from
 * the entry upwards, e.g. ["celery 4.1.0 requires kombu<5.0,>=4.0.2", "requirements.in"].
 */
export function requiredBy(lock: ParsedLock, name: string, maxDepth = 4, maxChains = 5): string[][] {
  const parents = new Map<string, { entry: LockEntry; specifier: string | null }[]>();
  for (const entry of lock.entries) {
    for (const dependency of entry.dependencies) {
      const list = parents.get(dependency.normalizedName) ?? [];
      list.push({ entry, specifier: dependency.specifier });
      parents.set(dependency.normalizedName, list);
    }
  }
  const byName = new Map(lock.entries.map((e) => [e.normalizedName, e]));
  const chains: string[][] = [];
  const walk = (current: string, chain: string[], seen: Set<string>): void => {
    if (chains.length >= maxChains) return;
    const direct = parents.get(current) ?? [];
    const via = byName.get(current)?.via ?? [];
    if ((direct.length === 0 && via.length === 0) || chain.length >= maxDepth) {
      if (chain.length > 0) chains.push(chain);
      return;
    }
    for (const parent of direct) {
      if (seen.has(parent.entry.normalizedName)) continue;
      const link = `${parent.entry.name.value}${parent.entry.version ? ` ${parent.entry.version.value}` : ""} requires ${byName.get(current)?.name.value ?? current}${parent.specifier ?? ""}`;
      walk(parent.entry.normalizedName, [...chain, link], new Set([...seen, parent.entry.normalizedName]));
    }
    for (const origin of via) {
      if (byName.has(origin) && !seen.has(origin)) {
        const parent = byName.get(origin) as LockEntry;
        walk(
          origin,
          [
            ...chain,
            `${parent.name.value}${parent.version ? ` ${parent.version.value}` : ""} requires ${byName.get(current)?.name.value ?? current}`,
          ],
          new Set([...seen, origin]),
        );
      } else if (!byName.has(origin)) {
        chains.push([...chain, origin]);
      }
    }
  };
  walk(name, [], new Set([name]));
  return chains;
}

/** The markers of a lock entry for hovers, e.g. `main: python_version >= "3.8"`. */
export function describeEntryMarker(entry: LockEntry): string | null {
  if (entry.markerByGroup) {
    return Object.entries(entry.markerByGroup)
      .map(([group, marker]) => `${group}: ${marker}`)
      .join("; ");
  }
  return entry.marker;
}

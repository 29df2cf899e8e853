import { defaultSeverities, type Finding } from "../analysis/findings";
import { satisfies } from "../analysis/pins";
import type { RequirementsTree } from "../parsing/requirementsModel";
import { pdmHashInput, poetryHashInput } from "./contentHash";
import type { LockEntry, LockFormat, ParsedLock } from "./lockModel";

/** A lock file next to a manifest or requirements file, as the analysis needs it. */
export interface NearbyLock {
  /** The lock's file name for messages, e.g. "poetry.lock". */
  readonly name: string;
  readonly lock: ParsedLock;
}

/** The command that regenerates a lock of this format. */
export function relockCommand(format: LockFormat): string {
  switch (format) {
    case "poetry.lock":
      return "poetry lock";
    case "uv.lock":
      return "uv lock";
    case "pdm.lock":
      return "pdm lock";
    case "Pipfile.lock":
      return "pipenv lock";
    case "pylock.toml":
      return "pdm lock --format pylock (or uv export --format pylock.toml)";
    case "pip-compile":
      return "pip-compile";
  }
}

function lockedByName(lock: ParsedLock): Map<string, LockEntry[]> {
  const byName = new Map<string, LockEntry[]>();
  for (const entry of lock.entries) {
    const list = byName.get(entry.normalizedName) ?? [];
    list.push(entry);
    byName.set(entry.normalizedName, list);
  }
  return byName;
}

/**
 * Drift seen from the manifest: a requirement the lock does not satisfy (`lock-drift`, on the
 * specifier) or does not contain at all (`lock-missing`, on the name). Constraint lines and direct
 * references are skipped; a package locked several times (uv forks) drifts only when no locked
 * version satisfies the requirement.
 */
export function manifestDrift(tree: RequirementsTree, file: string, nearby: NearbyLock): Finding[] {
  const byName = lockedByName(nearby.lock);
  const relock = relockCommand(nearby.lock.format);
  const findings: Finding[] = [];
  for (const requirement of tree.requirements) {
    if (requirement.file !== file || requirement.constraint) continue;
    const entry = requirement.entry;
    const name = entry.normalizedName;
    if (name === undefined || entry.name === undefined || entry.form !== "pep508") continue;
    const locked = byName.get(name);
    if (locked === undefined) {
      findings.push({
        code: "lock-missing",
        severity: defaultSeverities["lock-missing"],
        message: `${entry.name.value} is not in ${nearby.name}: installing from the lock leaves it out. Run \`${relock}\`.`,
        span: entry.name.span,
        package: name,
      });
      continue;
    }
    const specifier = entry.specifier?.value;
    if (specifier === undefined || specifier.trim() === "") continue;
    const versions = locked.map((e) => e.version?.value).filter((v): v is string => v !== undefined);
    if (versions.length === 0 || versions.some((v) => satisfies(v, specifier))) continue;
    findings.push({
      code: "lock-drift",
      severity: defaultSeverities["lock-drift"],
      message: `${nearby.name} has ${entry.name.value} ${versions.join(", ")}, which does not satisfy "${specifier.trim()}". Run \`${relock}\`.`,
      span: entry.specifier?.span ?? entry.name.span,
      package: name,
    });
  }
  return findings;
}

/** Drift seen from the lock: entries whose locked version no longer satisfies the manifest. */
export function lockDrift(lock: ParsedLock, manifestName: string, manifest: RequirementsTree): Finding[] {
  const required = new Map<string, string[]>();
  for (const requirement of manifest.requirements) {
    const entry = requirement.entry;
    if (entry.normalizedName === undefined || entry.form !== "pep508") continue;
    const specifier = entry.specifier?.value.trim();
    if (!specifier) continue;
    required.set(entry.normalizedName, [...(required.get(entry.normalizedName) ?? []), specifier]);
  }
  const relock = relockCommand(lock.format);
  const findings: Finding[] = [];
  for (const [name, entries] of lockedByName(lock)) {
    const specifiers = required.get(name);
    if (specifiers === undefined) continue;
    const versions = entries.map((e) => e.version?.value).filter((v): v is string => v !== undefined);
    for (const specifier of specifiers) {
      if (versions.length === 0 || versions.some((v) => satisfies(v, specifier))) continue;
      for (const entry of entries) {
        if (entry.version === null) continue;
        findings.push({
          code: "lock-drift",
          severity: defaultSeverities["lock-drift"],
          message: `${manifestName} requires ${entry.name.value}${specifier}, but ${entry.version.value} is locked. Run \`${relock}\`.`,
          span: entry.version.span,
          package: name,
        });
      }
    }
  }
  return findings;
}

/** Locked versions by normalised name (the first entry of each), for "Pin to locked X" fixes. */
export function lockedVersions(lock: ParsedLock): Map<string, string> {
  const versions = new Map<string, string>();
  for (const entry of lock.entries) {
    if (entry.version !== null && !versions.has(entry.normalizedName))
      versions.set(entry.normalizedName, entry.version.value);
  }
  return versions;
}

/**
 * `lock-stale`: Poetry's or PDM's content hash no longer matches the manifest, so the manifest changed
 * after the lock was made. Only for lock versions whose hashing is known (Poetry lock 2.x, PDM 4.x);
 * `sha256` is passed in because the core does no hashing of its own.
 */
export function staleFinding(
  lock: ParsedLock,
  manifestName: string,
  manifest: unknown,
  sha256: (text: string) => string,
): Finding | null {
  const recorded = lock.contentHash;
  if (recorded === null || manifest === null) return null;
  let expected: string;
  if (lock.format === "poetry.lock" && /^2\./.test(lock.lockVersion?.value ?? "")) {
    expected = sha256(poetryHashInput(manifest));
  } else if (lock.format === "pdm.lock" && /^4\./.test(lock.lockVersion?.value ?? "")) {
    const [algorithm, digest] = recorded.value.includes(":")
      ? recorded.value.split(":", 2)
      : ["sha256", recorded.value];
    if (algorithm !== "sha256" || digest === undefined) return null;
    expected = `sha256:${sha256(pdmHashInput(manifest))}`;
    if (!recorded.value.includes(":")) expected = expected.slice("sha256:".length);
  } else {
    return null;
  }
  if (expected === recorded.value.trim()) return null;
  return {
    code: "lock-stale",
    severity: defaultSeverities["lock-stale"],
    message: `The content hash no longer matches ${manifestName}: it changed after ${lock.format} was written, so the lock may not install what the manifest asks for. Run \`${relockCommand(lock.format)}\`.`,
    span: recorded.span,
    package: null,
  };
}

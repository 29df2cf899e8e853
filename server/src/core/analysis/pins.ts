import { parseSpecifierSet, type SpecifierSet } from "../pep440/specifier";

/**
 * Questions about how tightly a specifier pins a version. A specifier pins when it admits exactly
 * one version: it has an `==X` clause without a wildcard, or an `===X` clause. Everything else
 * (including `~=`, `==X.*` and open ranges) lets a fresh install pick a release nobody tested.
 */

const pinnedCache = new Map<string, string | null>();

/** The pinned version of a specifier text, or null when it admits more than one version (or is invalid). */
export function pinnedVersion(specifier: string): string | null {
  const cached = pinnedCache.get(specifier);
  if (cached !== undefined) return cached;
  const parsed = parseSpecifierSet(specifier);
  const pinned = parsed.ok ? pinnedVersionOf(parsed.value) : null;
  if (pinnedCache.size >= 10_000) pinnedCache.clear();
  pinnedCache.set(specifier, pinned);
  return pinned;
}

export function pinnedVersionOf(set: SpecifierSet): string | null {
  for (const clause of set.specifiers) {
    if (clause.operator === "===") return clause.version;
    if (clause.operator === "==" && !clause.version.endsWith(".*")) return clause.version;
  }
  return null;
}

/** Whether `version` satisfies `specifier`, counting pre-releases as pip does for an installed version. */
export function satisfies(version: string, specifier: string | undefined): boolean {
  if (specifier === undefined || specifier.trim() === "") return true;
  const parsed = parseSpecifierSet(specifier);
  return parsed.ok && parsed.value.contains(version, { prereleases: true, installed: true });
}

/**
 * A comparison key for a specifier: equal for specifiers that admit the same versions by PEP 440's
 * equality rules (`==1.0` and `==1.0.0`, clause order), or the text itself when invalid.
 */
export function canonicalSpecifier(specifier: string | undefined): string {
  if (specifier === undefined) return "";
  const parsed = parseSpecifierSet(specifier);
  if (!parsed.ok) return specifier.trim();
  return [...new Set(parsed.value.specifiers.map((s) => s.canonicalKey))].sort().join(",");
}

import type { Release } from "../index/releaseModel";
import type { RequirementsTree } from "../parsing/requirementsModel";
import { cachedVersion, compareVersions } from "../pep440/version";
import { requirementInsight, dateOf, type Targets } from "./dependencyFindings";
import type { IndexSnapshot } from "./indexFindings";
import { pinnedVersion } from "./pins";
import { plainText } from "./markdown";
import { fileSupport, versionSupported, type TargetSupport } from "./pythonSupport";

/** An inlay hint in core terms: an offset in the document and its label. */
export interface VersionHint {
  readonly offset: number;
  readonly label: string;
  readonly tooltip: string;
}

/**
 * Inlay hints after each requirement of `file`: `→ 3.1`, what a fresh install picks on the target (for
 * unpinned and ranged lines), and `⬆ 4.0` when a newer final release that supports every target exists
 * than what the line installs.
 */
export function versionHints(
  tree: RequirementsTree,
  file: string,
  snapshot: IndexSnapshot,
  targets: Targets,
  range?: { readonly start: number; readonly end: number },
  options: { readonly afterString?: boolean } = {},
): VersionHint[] {
  const hints: VersionHint[] = [];
  const text = tree.files[file]?.text ?? "";
  for (const requirement of tree.requirements) {
    if (requirement.file !== file || requirement.constraint) continue;
    const entry = requirement.entry;
    if (range && (entry.span.end < range.start || entry.span.start > range.end)) continue;
    // The full timeline: "⬆" must name a release that supports the targets, not just the newest.
    const insight = requirementInsight(requirement, tree, snapshot, targets, { full: true });
    if (insight === null || insight.perTarget.length === 0) continue;
    let offset = entry.specifier?.span.end ?? entry.insertSpecifierAt ?? entry.name?.span.end;
    if (offset === undefined) continue;
    if (options.afterString) {
      // In a manifest the requirement sits in a TOML string: the hint goes after its closing quote.
      offset = entry.span.end;
      if (text[offset] === '"' || text[offset] === "'") offset++;
    }
    const pinned = entry.specifier ? pinnedVersion(entry.specifier.value) : null;
    const parts: string[] = [];
    const tips: string[] = [];
    if (pinned === null) {
      const picks = insight.perTarget.map((t) => t.resolution.version ?? "none");
      const distinct = [...new Set(picks)];
      parts.push(
        distinct.length === 1
          ? `→ ${distinct[0] ?? ""}`
          : `→ ${insight.perTarget.map((t) => `${t.resolution.version ?? "none"} (${t.target})`).join(" · ")}`,
      );
      for (const t of insight.perTarget) {
        const date = dateOf(t.resolution.release);
        tips.push(
          `A fresh pip install on Python ${t.target} picks ${t.resolution.version ?? "nothing"}${date ? ` (released ${date})` : ""}.`,
        );
      }
    }
    const installs = pinned ?? insight.perTarget[0]?.resolution.version ?? null;
    const latest = insight.latest;
    // Shown once the support searches are done (they refresh the hints), never a guess.
    const upgrade = insight.newestSupported;
    const installsParsed = installs ? cachedVersion(installs) : null;
    const upgradeParsed = upgrade ? cachedVersion(upgrade.version) : null;
    if (upgrade && installsParsed && upgradeParsed && compareVersions(upgradeParsed, installsParsed) > 0) {
      parts.push(`⬆ ${upgrade.version}`);
      tips.push(
        `Newest release that supports ${targets.versions.map((t) => `Python ${t}`).join(", ")}: ${upgrade.version}${dateOf(upgrade) ? ` (${dateOf(upgrade) ?? ""})` : ""}.`,
      );
    }
    if (latest && upgrade && latest !== upgrade) {
      tips.push(`Newest release overall: ${latest.version}${dateOf(latest) ? ` (${dateOf(latest) ?? ""})` : ""}.`);
    }
    if (parts.length > 0) hints.push({ offset, label: ` ${parts.join("  ")}`, tooltip: tips.join("\n") });
  }
  return hints;
}

/** One version offered by completion. */
export interface VersionCompletion {
  readonly version: string;
  /** Release date and what Pythons it supports, e.g. "2018-09-14 · Python 2.7: not supported". */
  readonly detail: string;
  readonly yanked: boolean;
  readonly prerelease: boolean;
  /** Sort key: newest first, pre-releases after finals, yanked last. */
  readonly sortText: string;
}

/**
 * The versions to offer after `==`, `>=`, `~=`, `<`, `!=` for a package: newest first with date and
 * Python support for the targets; yanked releases last and marked.
 */
export function versionCompletions(
  releases: readonly Release[],
  targets: Targets,
  support: (target: string) => TargetSupport | null | undefined,
): VersionCompletion[] {
  const items: VersionCompletion[] = [];
  const valid = releases.filter((r) => !r.legacy);
  valid.forEach((release, index) => {
    const version = cachedVersion(release.version);
    const prerelease = version?.isPrerelease ?? false;
    const notes: string[] = [];
    for (const target of targets.versions) {
      const files = fileSupport(release, target);
      const boundary = support(target);
      if (files.declared) notes.push(`not for Python ${target}`);
      else if (!files.supported || (boundary && !versionSupported(release.version, boundary)))
        notes.push(`Python ${target}: not supported (pip still installs it)`);
    }
    if (release.requiresPython.length > 0) notes.push(`requires ${plainText(release.requiresPython.join(" or "), 80)}`);
    const date = dateOf(release);
    const group = release.yanked ? 2 : prerelease ? 1 : 0;
    items.push({
      version: release.version,
      detail: [
        date,
        release.yanked ? `yanked${release.yankedReason ? `: ${plainText(release.yankedReason, 80)}` : ""}` : null,
        ...notes,
      ]
        .filter((p): p is string => p !== null && p !== "")
        .join(" · "),
      yanked: release.yanked,
      prerelease,
      sortText: `${group}${String(index).padStart(6, "0")}`,
    });
  });
  return items;
}

/** The package and operator before the cursor when it is typing a version, or null. */
export function versionContext(lineBeforeCursor: string): { readonly name: string; readonly typed: string } | null {
  const match =
    /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*\(?\s*(?:[<>=!~]=?=?\s*[^,;#\s]*\s*,\s*)*(?:===|==|!=|~=|<=|>=|<|>)\s*([^\s,;#)]*)$/.exec(
      lineBeforeCursor,
    );
  if (!match) return null;
  return { name: match[1] ?? "", typed: match[2] ?? "" };
}

import { dateOf, type Targets } from "../analysis/dependencyFindings";
import type { IndexSnapshot } from "../analysis/indexFindings";
import { escapeMarkdown, inlineCode } from "../analysis/markdown";
import { fileSupport, releaseSupport } from "../analysis/pythonSupport";
import { findRelease } from "../index/packageView";
import { cachedVersion } from "../pep440/version";
import type { Span } from "../span";
import { describeEntryMarker, lockTargets, requiredBy } from "./lockAnalysis";
import type { LockEntry, ParsedLock } from "./lockModel";

/** The lock entry whose span contains `offset`. */
export function lockEntryAt(lock: ParsedLock, offset: number): LockEntry | undefined {
  return lock.entries.find((entry) => offset >= entry.span.start && offset <= entry.span.end);
}

/**
 * The hover of a lock entry: what is locked and from where, why it is there (the chain of packages
 * that require it, from the lock's graph), and what the index says — newest release, support of each
 * target Python with its timeline, yanked status and known vulnerabilities. Index text is escaped.
 */
export function lockHoverAt(
  lock: ParsedLock,
  offset: number,
  snapshot: IndexSnapshot | undefined,
  targets: Targets,
): { markdown: string; span: Span } | null {
  const entry = lockEntryAt(lock, offset);
  if (entry === undefined) return null;
  const lines: string[] = [];
  lines.push(
    `**${escapeMarkdown(entry.name.value)}** ${entry.version ? inlineCode(entry.version.value) : "(no version)"} — locked in ${escapeMarkdown(lock.format)}`,
  );
  lines.push("");
  if (entry.source.kind !== "registry" && entry.source.kind !== "unknown") {
    lines.push(
      `- From ${entry.source.kind}${entry.source.url ? ` ${inlineCode(entry.source.url.replace(/\/\/[^/@\s]*@/, "//****@"))}` : ""}${entry.source.reference ? ` at ${inlineCode(entry.source.reference)}` : ""}`,
    );
  }
  if (entry.groups.length > 0) lines.push(`- Groups: ${entry.groups.map((g) => inlineCode(g)).join(", ")}`);
  const marker = describeEntryMarker(entry);
  if (marker) lines.push(`- Installed when ${inlineCode(marker)}`);
  if (entry.hashes.length > 0)
    lines.push(`- ${entry.hashes.length} hash${entry.hashes.length === 1 ? "" : "es"} locked`);
  const chains = requiredBy(lock, entry.normalizedName);
  if (chains.length > 0) {
    lines.push("- Why it is here:");
    for (const chain of chains) lines.push(`  - ${chain.map((link) => escapeMarkdown(link)).join(" ← ")}`);
  } else {
    lines.push("- A direct dependency of the project");
  }
  if (snapshot !== undefined) lines.push(...indexLines(lock, entry, snapshot, targets));
  return { markdown: lines.join("\n"), span: entry.span };
}

function indexLines(lock: ParsedLock, entry: LockEntry, snapshot: IndexSnapshot, projectTargets: Targets): string[] {
  const lines: string[] = [""];
  const view = snapshot.view(entry.normalizedName);
  if (view === undefined || view.state === "pending") return [...lines, "Fetching release data…"];
  if (view.state === "not-found") return [...lines, "Not found on the configured indexes."];
  if (view.state === "error")
    return [...lines, `Could not reach the index: ${escapeMarkdown(view.errors.join("; ").slice(0, 300))}`];
  const metadata = snapshot.metadata?.(entry.normalizedName);
  // A summary of only spaces or control characters would leave a bare `**` behind.
  const summary = metadata?.summary ? escapeMarkdown(metadata.summary.slice(0, 300)) : "";
  if (summary !== "") lines.push(`*${summary}*`, "");
  const latest = view.releases.find((r) => !r.legacy && !r.yanked && cachedVersion(r.version)?.isPrerelease === false);
  if (latest)
    lines.push(`- Latest release: ${inlineCode(latest.version)}${dateOf(latest) ? ` (${dateOf(latest) ?? ""})` : ""}`);
  const release = entry.version ? findRelease(view, entry.version.value) : undefined;
  if (release) {
    lines.push(
      `- Locked release uploaded ${dateOf(release) ?? "on an unknown date"}${release.requiresPython.length > 0 ? `, requires Python ${release.requiresPython.map((r) => inlineCode(r.slice(0, 100))).join(" or ")}` : ""}`,
    );
    if (release.yanked) {
      lines.push(
        `- **Yanked**${release.yankedReason ? `: ${escapeMarkdown(release.yankedReason.slice(0, 300))}` : " (no reason given)"}`,
      );
    }
  }
  const targets = lockTargets(lock, projectTargets);
  lines.push(
    `- Target Python ${targets.versions.map((v) => inlineCode(v)).join(", ")} (from ${escapeMarkdown(targets.source)})`,
  );
  const rows: string[] = [];
  for (const target of targets.versions) {
    const files = release ? fileSupport(release, target) : null;
    const meta = release ? snapshot.releaseMetadata?.(entry.normalizedName, release.version) : undefined;
    const verdict =
      release && files?.supported
        ? meta === undefined
          ? null
          : releaseSupport(release, target, meta?.classifiers ?? null)
        : files;
    const boundary = snapshot.support?.(entry.normalizedName, view.releases, target);
    const locked =
      verdict === null
        ? "…"
        : verdict?.supported === false
          ? `**no** (${escapeMarkdown(verdict.detail ?? verdict.evidence ?? "")})`
          : "yes";
    const drop =
      boundary === undefined
        ? "…"
        : boundary === null || boundary.droppedIn === null
          ? "—"
          : `${inlineCode(boundary.droppedIn)}${boundary.droppedDate ? ` (${boundary.droppedDate.slice(0, 10)})` : ""}, ${boundary.declared ? "declared" : "**not declared**"}`;
    rows.push(`| ${target} | ${locked} | ${drop} |`);
  }
  lines.push("", "| Python | Locked version supports it | Support dropped in |", "|---|---|---|", ...rows, "");
  const advisories = release
    ? (snapshot.releaseMetadata?.(entry.normalizedName, release.version)?.vulnerabilities ?? []).filter(
        (v) => v.withdrawn === null,
      )
    : [];
  for (const advisory of advisories.slice(0, 5)) {
    lines.push(
      `- **Vulnerability** ${inlineCode(advisory.id)}${advisory.summary ? `: ${escapeMarkdown(advisory.summary.slice(0, 200))}` : ""}${
        advisory.fixedIn.length > 0
          ? ` (fixed in ${advisory.fixedIn
              .slice(0, 3)
              .map((f) => inlineCode(f.slice(0, 30)))
              .join(", ")})`
          : ""
      }`,
    );
  }
  return lines;
}

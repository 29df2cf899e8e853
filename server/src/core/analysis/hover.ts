import { describeMarker, parseMarker } from "../parsing/markers";
import type { FileEntry, ParsedRequirementsFile, RequirementEntry } from "../parsing/requirementsModel";
import type { Span } from "../span";
import type { InstalledVersions } from "./analyze";
import type { IndexSnapshot } from "./indexFindings";
import { findRelease } from "../index/packageView";
import { parseVersion } from "../pep440/version";
import { pinnedVersion } from "./pins";
import { describeSpecifier } from "./describe";
import { escapeMarkdown, inlineCode } from "./markdown";
import { satisfies } from "./pins";
import type { RequirementsTree } from "../parsing/requirementsModel";
import type { ParsedLock } from "../locks/lockModel";
import { requiredBy } from "../locks/lockAnalysis";
import { dateOf, requirementInsight, type RequirementInsight, type Targets } from "./dependencyFindings";

export interface HoverContent {
  readonly markdown: string;
  readonly span: Span;
}

export interface HoverContext {
  readonly installed?: InstalledVersions;
  /** Lines that include this file, e.g. "-r requirements.txt (line 3)". */
  readonly includedBy?: readonly string[];
  /** Whether this file is reached through a `-c` include, which makes every line a constraint. */
  readonly constraint?: boolean;
  /** Cached index data, when indexes are consulted. */
  readonly index?: IndexSnapshot;
  /** The requirement tree, for per-target resolution (constraints and `--pre` apply across files). */
  readonly tree?: RequirementsTree;
  readonly targets?: Targets;
  /** For pip-compile output, the file as a lock: its `# via` comments say why each line is there. */
  readonly compiled?: ParsedLock;
}

/** The hover for the entry under `offset`, or null when the offset is on no entry. */
export function hoverAt(file: ParsedRequirementsFile, offset: number, context: HoverContext = {}): HoverContent | null {
  const entry = entryAt(file, offset);
  if (entry === undefined) return null;
  switch (entry.kind) {
    case "requirement":
      return { markdown: requirementHover(entry, context), span: entry.span };
    case "include":
      return {
        markdown: `${entry.constraint ? "Constraints" : "Requirements"} file ${inlineCode(entry.target.value)}: ${
          entry.constraint
            ? "its lines limit which versions may be installed, without installing anything themselves."
            : "its requirements are installed too."
        } The path is relative to this file's folder.`,
        span: entry.span,
      };
    case "option":
      return {
        markdown: optionHover(
          entry.option,
          entry.values.map((v) => v.value),
        ),
        span: entry.span,
      };
  }
}

/** The entry whose span contains `offset` (the end counts, so a cursor just after a name still hovers it). */
export function entryAt(file: ParsedRequirementsFile, offset: number): FileEntry | undefined {
  let low = 0;
  let high = file.entries.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const entry = file.entries[mid];
    if (entry === undefined) break;
    if (offset < entry.span.start) high = mid - 1;
    else if (offset > entry.span.end) low = mid + 1;
    else return entry;
  }
  return undefined;
}

function requirementHover(entry: RequirementEntry, context: HoverContext): string {
  const lines: string[] = [];
  const title = entry.name !== undefined ? `**${escapeMarkdown(entry.name.value)}**` : "**Unnamed direct reference**";
  const normalized =
    // The normalised name is worth showing when separators differ, not for case alone.
    entry.normalizedName !== undefined && entry.normalizedName !== entry.name?.value.toLowerCase()
      ? ` (normalised: ${inlineCode(entry.normalizedName)})`
      : "";
  lines.push(`${title}${normalized}${entry.editable ? " — editable install" : ""}`);
  lines.push("");
  if (entry.extras.length > 0) lines.push(`- Extras: ${entry.extras.map((e) => inlineCode(e.value)).join(", ")}`);
  if (entry.form === "pep508") {
    lines.push(`- Version: ${escapeMarkdown(describeSpecifier(entry.specifier?.value))}`);
  } else if (entry.url !== undefined) {
    lines.push(
      `- Installed from ${entry.form === "path" ? "the local path" : "the URL"} ${inlineCode(redact(entry.url.value))}`,
    );
  }
  if (entry.marker !== undefined) {
    const parsed = parseMarker(entry.marker.value);
    lines.push(
      parsed.ok
        ? `- Applies ${escapeMarkdown(describeMarker(parsed.marker))} (${inlineCode(entry.marker.value.trim())})`
        : `- Marker ${inlineCode(entry.marker.value.trim())} is invalid`,
    );
  }
  if (entry.hashes.length > 0)
    lines.push(`- ${entry.hashes.length} hash${entry.hashes.length === 1 ? "" : "es"} allowed`);
  if (context.constraint === true) lines.push("- A constraint: limits the version without requesting an install");
  const installed =
    entry.normalizedName !== undefined ? context.installed?.versions.get(entry.normalizedName) : undefined;
  if (installed !== undefined) {
    const fits = entry.form !== "pep508" || satisfies(installed, entry.specifier?.value);
    lines.push(
      `- Installed in ${escapeMarkdown(context.installed?.label ?? "the environment")}: ${inlineCode(installed)}${fits ? "" : " — outside this specifier"}`,
    );
  } else if (context.installed !== undefined && entry.normalizedName !== undefined) {
    lines.push(`- Not installed in ${escapeMarkdown(context.installed.label)}`);
  }
  if (context.compiled !== undefined && entry.normalizedName !== undefined) {
    const chains = requiredBy(context.compiled, entry.normalizedName);
    if (chains.length > 0) {
      lines.push("- Why it is here:");
      for (const chain of chains) lines.push(`  - ${chain.map((link) => escapeMarkdown(link)).join(" ← ")}`);
    }
  }
  if (context.includedBy !== undefined && context.includedBy.length > 0) {
    lines.push(`- Included by ${context.includedBy.map((by) => escapeMarkdown(by)).join("; ")}`);
  }
  if (context.index !== undefined && entry.normalizedName !== undefined && entry.form === "pep508") {
    const requirement = context.tree?.requirements.find((r) => r.entry === entry);
    const insight =
      requirement && context.tree && context.targets
        ? requirementInsight(requirement, context.tree, context.index, context.targets, { full: true })
        : null;
    lines.push(...indexLines(entry, context.index, entry.normalizedName, insight, context.targets));
  }
  return lines.join("\n");
}

/** Hover lines from the package index. Everything the index says is escaped: it is untrusted text. */
function indexLines(
  entry: RequirementEntry,
  snapshot: IndexSnapshot,
  name: string,
  insight: RequirementInsight | null,
  targets: Targets | undefined,
): string[] {
  const lines: string[] = [""];
  const sources = snapshot.indexes.map((i) => `${inlineCode(i.display)} (${escapeMarkdown(i.source)})`);
  const view = snapshot.view(name);
  if (view === undefined || view.state === "pending") {
    lines.push(`Fetching release data from ${sources.join(", ")}…`);
    return lines;
  }
  if (view.state === "not-found") {
    lines.push(`Not found on ${sources.join(", ")}.`);
    return lines;
  }
  if (view.state === "error") {
    lines.push(`Could not reach the index: ${escapeMarkdown(view.errors.join("; ").slice(0, 300))}`);
    return lines;
  }
  const metadata = snapshot.metadata?.(name);
  // A summary of only spaces or control characters would leave a bare `**` behind.
  const summary = metadata?.summary ? escapeMarkdown(metadata.summary.slice(0, 300)) : "";
  if (summary !== "") lines.push(`*${summary}*`, "");
  const releases = view.releases.filter((r) => !r.legacy);
  const latest = releases.find((r) => !r.yanked && parseVersion(r.version)?.isPrerelease === false);
  const newest = releases.find((r) => !r.yanked);
  if (latest) lines.push(`- Latest release: ${inlineCode(latest.version)}${releaseFacts(latest)}`);
  if (newest && newest !== latest)
    lines.push(`- Latest pre-release: ${inlineCode(newest.version)}${releaseFacts(newest)}`);
  const pinned = entry.specifier ? pinnedVersion(entry.specifier.value) : null;
  if (pinned !== null) {
    const release = findRelease(view, pinned);
    if (release && release !== latest)
      lines.push(`- Pinned release ${inlineCode(release.version)}${releaseFacts(release)}`);
    if (release?.yanked) {
      lines.push(
        `- **Yanked**${release.yankedReason ? `: ${escapeMarkdown(release.yankedReason.slice(0, 300))}` : " (no reason given)"}`,
      );
    }
  }
  if (insight !== null) lines.push(...insightLines(insight, targets));
  const links = [...indexPageLinks(view.foundOn, name), ...(metadata?.projectUrls ?? [])]
    .map((link) => safeLink(link.label, link.url))
    .filter((link): link is string => link !== null);
  if (links.length > 0) lines.push(`- ${links.slice(0, 6).join(" · ")}`);
  lines.push(
    `- ${releases.length} release${releases.length === 1 ? "" : "s"} on ${view.foundOn.map((u) => inlineCode(u)).join(", ")}`,
  );
  const fetched = view.lookups.map((l) => l?.fetchedAt ?? null).filter((t): t is number => t !== null);
  const stale = view.lookups.some((l) => l?.stale === true);
  lines.push(
    `- Index${snapshot.indexes.length === 1 ? "" : "es"}: ${sources.join(", ")}${stale ? " — refreshing" : ""}${fetched.length > 0 ? `, fetched ${new Date(Math.min(...fetched)).toISOString().slice(0, 16).replace("T", " ")} UTC` : ""}`,
  );
  return lines;
}

/** What the line installs per target, newest per target, the support timeline, yanked releases in range. */
function insightLines(insight: RequirementInsight, targets: Targets | undefined): string[] {
  const lines: string[] = [];
  if (targets) {
    lines.push(
      `- Target Python ${targets.versions.map((v) => inlineCode(v)).join(", ")} (from ${escapeMarkdown(targets.source)})`,
    );
  }
  if (insight.skippedTargets.length > 0) {
    lines.push(`- Not installed on Python ${insight.skippedTargets.join(", ")}: the marker excludes it`);
  }
  for (const t of insight.perTarget) {
    const r = t.resolution;
    const date = dateOf(r.release);
    const pick =
      r.version === null
        ? `nothing (${escapeMarkdown(r.reason ?? "no match")})`
        : `${inlineCode(r.version)}${date ? ` (released ${date})` : ""}${r.yanked ? " — yanked" : ""}, the newest of ${r.admitted} release${r.admitted === 1 ? "" : "s"} this line admits there`;
    lines.push(`- A fresh \`pip install\` on Python ${t.target} picks ${pick}`);
    if (t.newestForTarget && t.newestForTarget !== r.version) {
      lines.push(`- Newest release installable on Python ${t.target}: ${inlineCode(t.newestForTarget)}`);
    }
  }
  if (insight.bestSupported && insight.perTarget.length > 0) {
    lines.push(
      `- Newest release that supports ${insight.perTarget.map((t) => `Python ${t.target}`).join(", ")} by all evidence: ${inlineCode(insight.bestSupported.version)}`,
    );
  }
  const table = supportTable(insight);
  if (table.length > 0) lines.push("", ...table, "");
  const yankedInRange = yankedAdmitted(insight);
  if (yankedInRange.length > 0) {
    lines.push(
      `- Yanked releases this line admits: ${yankedInRange
        .slice(0, 5)
        .map(
          (r) =>
            `${inlineCode(r.version)}${r.yankedReason ? ` (${escapeMarkdown(r.yankedReason.slice(0, 120))})` : ""}`,
        )
        .join(", ")}${yankedInRange.length > 5 ? ", …" : ""}`,
    );
  }
  return lines;
}

function supportTable(insight: RequirementInsight): string[] {
  const rows: string[] = [];
  for (const t of insight.perTarget) {
    const s = t.support;
    if (s === undefined) {
      rows.push(`| ${t.target} | … | … | checking classifiers |`);
      continue;
    }
    if (s === null) continue;
    const evidence =
      s.droppedIn === null
        ? "no drop found"
        : `${escapeMarkdown(s.detail ?? s.evidence ?? "")} — ${s.declared ? "declared: pip skips these releases" : "**not declared**: pip still installs them"}`;
    rows.push(
      `| ${t.target} | ${s.lastSupported ? inlineCode(s.lastSupported) : "none"} | ${s.droppedIn ? `${inlineCode(s.droppedIn)}${s.droppedDate ? ` (${s.droppedDate.slice(0, 10)})` : ""}` : "—"} | ${evidence} |`,
    );
  }
  if (rows.length === 0) return [];
  return ["| Python | Supported through | Dropped in | Evidence |", "|---|---|---|---|", ...rows];
}

function yankedAdmitted(insight: RequirementInsight): { version: string; yankedReason: string | null }[] {
  const specifier = insight.requirement.entry.specifier?.value;
  return insight.view.releases.filter((r) => r.yanked && !r.legacy && satisfies(r.version, specifier));
}

/** The project's page on each index that lists it: pypi.org's project page, else its Simple API page. */
function indexPageLinks(foundOn: readonly string[], name: string): { label: string; url: string }[] {
  return foundOn.slice(0, 2).map((display) => {
    let host = display;
    try {
      host = new URL(display).host;
    } catch {
      // A display URL that does not parse is linked as it is (safeLink drops it if unsafe).
    }
    if (host === "pypi.org") return { label: "PyPI", url: `https://pypi.org/project/${name}/` };
    return { label: host, url: `${display.replace(/\/+$/, "")}/${name}/` };
  });
}

/**
 * A Markdown link to an index-supplied URL, only for http(s) URLs (never `command:`, `javascript:` or
 * `file:`), with the label escaped and the URL percent-encoded so it cannot break out of the link.
 */
function safeLink(label: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
  parsed.username = "";
  parsed.password = "";
  const href = parsed
    .toString()
    .replace(/[()<>\s]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
  // A label of only spaces or control characters would make an invisible link: name the host instead.
  const text = escapeMarkdown(label.slice(0, 60)) || escapeMarkdown(parsed.host);
  return `[${text}](${href})`;
}

function releaseFacts(release: { uploadTime: string | null; requiresPython: readonly string[] }): string {
  const facts: string[] = [];
  if (release.uploadTime) facts.push(`uploaded ${escapeMarkdown(release.uploadTime.slice(0, 10))}`);
  if (release.requiresPython.length > 0) {
    facts.push(`requires Python ${release.requiresPython.map((r) => inlineCode(r.slice(0, 100))).join(" or ")}`);
  }
  return facts.length > 0 ? ` (${facts.join(", ")})` : "";
}

const optionHelp: Readonly<Record<string, string>> = {
  "index-url": "Replaces the package index for the whole install.",
  "extra-index-url": "Adds a package index; pip merges versions from all indexes.",
  "no-index": "Ignores package indexes; only --find-links locations are used.",
  "find-links": "Looks for archives in this directory or on this page.",
  pre: "Allows pre-releases and development releases for every package.",
  "require-hashes": "Switches on hash-checking mode: every requirement needs == and --hash.",
  "no-require-hashes": "Switches hash-checking mode off (pip 26.2+).",
  "trusted-host": "Trusts this host even without valid HTTPS.",
  "prefer-binary": "Prefers older wheels over newer source distributions.",
  "no-binary": "Refuses wheels for these packages (builds from source).",
  "only-binary": "Refuses source distributions for these packages.",
  "use-feature": "Enables an experimental pip feature.",
  "all-releases": "Allows pre-releases for these packages (pip 26+).",
  "only-final": "Allows only final releases for these packages (pip 26+).",
};

function optionHover(option: string, values: readonly string[]): string {
  const help = optionHelp[option] ?? "A pip option.";
  const shown = values.length > 0 ? ` ${values.map((v) => inlineCode(redact(v))).join(" ")}` : "";
  return `${inlineCode(`--${option}`)}${shown}: ${help}`;
}

/** Hides the password of `scheme://user:password@host` URLs: credentials never reach a hover. */
export function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@/i, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(":");
    return colon >= 0 ? `${scheme}${userinfo.slice(0, colon)}:****@` : `${scheme}****@`;
  });
}

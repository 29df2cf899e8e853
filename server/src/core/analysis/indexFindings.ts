import type { ProjectMetadata } from "../index/jsonApi";
import type { PackageView } from "../index/packageView";
import type { IndexFile, Release } from "../index/releaseModel";
import type { TargetSupport } from "./pythonSupport";
import { findRelease } from "../index/packageView";
import type { EffectiveRequirement } from "../parsing/requirementsModel";
import { defaultSeverities, type Finding } from "./findings";
import { plainText } from "./markdown";
import { pinnedVersion } from "./pins";
import { rebaseFinding, type AnalysisBudget, type RequirementMemo } from "./requirementMemo";

/** One configured index as the analysis needs to know it. */
export interface IndexDescription {
  /** The URL with credentials redacted. */
  readonly display: string;
  readonly role: "primary" | "extra";
  /** Where the URL came from, e.g. "PIP_INDEX_URL" or "requirements.txt line 2". */
  readonly source: string;
  /** True for any index other than pypi.org (dependency confusion is about private names). */
  readonly isPrivate: boolean;
}

/**
 * A synchronous snapshot of what the package indexes have said, taken when the analysis runs. Missing
 * data is not an error: the server fetches it in the background and re-runs the analysis.
 */
export interface IndexSnapshot {
  /** The indexes consulted, in pip's order (primary first). Empty with `--no-index`. */
  readonly indexes: readonly IndexDescription[];
  /** The merged view of a package, or undefined when it has not been looked up. */
  view(normalizedName: string): PackageView | undefined;
  /** Cached JSON API metadata (summary, links) of the package, where an index offers the JSON API. */
  metadata?(normalizedName: string): ProjectMetadata | undefined;
  /** Fetches that metadata if it is not cached; resolves when it is known or the signal aborts. */
  loadMetadata?(normalizedName: string, signal: AbortSignal): Promise<void>;
  /**
   * Cached per-version metadata: undefined when not known yet (a background fetch is started), null
   * when the index has none.
   */
  releaseMetadata?(normalizedName: string, version: string): ProjectMetadata | null | undefined;
  /**
   * Resolves when no background fetch or search is running, or when the signal aborts. With a name,
   * only that package's work counts, and its page only while nothing at all is known about it.
   */
  settle?(signal: AbortSignal, normalizedName?: string): Promise<void>;
  /** Starts fetching a package that no requirement line names (a dependency of one). */
  ensure?(normalizedName: string): void;
  loadReleaseMetadata?(normalizedName: string, version: string, signal?: AbortSignal): Promise<void>;
  /**
   * Where support for a target Python stops in the package's history; undefined while it is being
   * found (in the background), null when it cannot be known.
   */
  support?(normalizedName: string, releases: readonly Release[], target: string): TargetSupport | null | undefined;
  /**
   * A value that changes whenever anything this snapshot (or a later one from the same source) answers
   * about the package may have changed; undefined when answers are not stable (local find-links
   * directories, read afresh). Lets an analysis reuse a line's results while its packages' data is
   * unchanged.
   */
  revision?(normalizedName: string): string | undefined;
}

/**
 * Findings that need index data: `unknown-package`, `unknown-version`, `yanked`,
 * `dependency-confusion` per requirement, and one `index-unreachable` per file. A package is only
 * called unknown when every configured index answered 404/410; any failure to get an answer is
 * reported as unreachable instead, and a version is only called unknown when every index answered.
 */
export function indexFindings(
  requirements: readonly EffectiveRequirement[],
  snapshot: IndexSnapshot,
  memo?: IndexFindingsMemo,
  budget?: AnalysisBudget,
  /**
   * Only fill the memo within the budget, from `warm.position` on, and leave there the first line
   * left for later: a large file's analysis continuing between slices. Returns no findings.
   */
  warm?: { position: number },
): Finding[] {
  if (snapshot.indexes.length === 0) return [];
  const findings: Finding[] = [];
  let unreachable: { span: Finding["span"]; errors: readonly string[] } | null = null;
  if (warm === undefined) memo?.begin(JSON.stringify(snapshot.indexes));
  const noNames = (): boolean => false;
  for (let i = warm?.position ?? 0; i < requirements.length; i++) {
    const requirement = requirements[i];
    if (requirement === undefined) continue;
    const entry = requirement.entry;
    const name = entry.normalizedName;
    if (name === undefined || entry.name === undefined || entry.form !== "pep508") continue;
    const compute = (recorded: IndexSnapshot): LineIndexFindings => lineIndexFindings(requirement, recorded);
    // A line's findings depend on its text, whether it is a constraint, and its package's index data.
    const outcome = memo
      ? memo.get(lineKey(requirement), snapshot, noNames, compute, budget)?.value
      : compute(snapshot);
    // A line deferred by the budget gets its index findings in a later pass.
    if (outcome === undefined && warm !== undefined) {
      warm.position = i;
      return [];
    }
    if (outcome === undefined || warm !== undefined) continue;
    const delta = entry.span.start - outcome.base;
    if (outcome.errors !== null && unreachable === null) {
      unreachable = {
        span: { start: outcome.nameSpan.start + delta, end: outcome.nameSpan.end + delta },
        errors: outcome.errors,
      };
    }
    for (const finding of outcome.findings) findings.push(rebaseFinding(finding, delta));
  }
  if (warm !== undefined) warm.position = requirements.length;
  if (unreachable !== null) {
    findings.push({
      code: "index-unreachable",
      severity: defaultSeverities["index-unreachable"],
      message: `Could not reach the package index (${plainText(unreachable.errors.join("; "), 300)}). Version checks are incomplete; they resume when the index answers.`,
      span: unreachable.span,
      package: null,
    });
  }
  return findings;
}

/**
 * What a line's index findings depend on besides its package's data: its text, whether it is a
 * constraint, and where its name and specifier sit relative to the line (the findings' spans).
 */
function lineKey(requirement: EffectiveRequirement): string {
  const entry = requirement.entry;
  const base = entry.span.start;
  const relative = (span: Finding["span"] | undefined): string =>
    span === undefined ? "" : `${span.start - base},${span.end - base}`;
  return [
    requirement.constraint ? "c" : "r",
    entry.text,
    relative(entry.name?.span),
    relative(entry.specifier?.span),
  ].join("\u0000");
}

/** Results of `indexFindings` per line, reused between analyses of a document. */
export type IndexFindingsMemo = RequirementMemo<LineIndexFindings>;

/** One line's index findings at the offsets they were computed at, and its index errors if any. */
interface LineIndexFindings {
  readonly base: number;
  readonly nameSpan: Finding["span"];
  readonly findings: readonly Finding[];
  readonly errors: readonly string[] | null;
}

function lineIndexFindings(requirement: EffectiveRequirement, snapshot: IndexSnapshot): LineIndexFindings {
  const entry = requirement.entry;
  const name = entry.normalizedName;
  const findings: Finding[] = [];
  const nameSpan = entry.name?.span ?? entry.span;
  const result = { base: entry.span.start, nameSpan, findings, errors: null };
  if (name === undefined || entry.name === undefined) return result;
  const view = snapshot.view(name);
  if (!view) return result;
  const errors = view.errors.length > 0 ? view.errors : null;
  {
    if (view.state === "not-found") {
      // A constraint on a package that exists nowhere is harmless: constraints never request installs.
      if (requirement.constraint) return { ...result, errors };
      const where = orList(snapshot.indexes.map((index) => locationOf(index.display)));
      findings.push({
        code: "unknown-package",
        severity: defaultSeverities["unknown-package"],
        message: `${entry.name.value} is not on ${where}: pip install will fail with "No matching distribution found".`,
        span: entry.name.span,
        package: name,
      });
      return { ...result, errors };
    }
    if (view.state !== "found") return { ...result, errors };

    const pinned = entry.specifier ? pinnedVersion(entry.specifier.value) : null;
    if (pinned !== null && !requirement.constraint) {
      const release = findRelease(view, pinned);
      const span = entry.specifier?.span ?? entry.name.span;
      if (!release || (release.files.length === 0 && !release.legacy)) {
        if (view.complete) {
          const latest = view.releases.find((r) => !r.legacy && !r.yanked)?.version;
          findings.push({
            code: "unknown-version",
            severity: defaultSeverities["unknown-version"],
            message: `${entry.name.value} has no release ${pinned} on ${indexList(view.foundOn)}${latest ? ` (the latest is ${latest})` : ""}.`,
            span,
            package: name,
          });
        }
      } else if (release.yanked) {
        const reason = release.yankedReason
          ? ` (reason: "${plainText(release.yankedReason, 200)}")`
          : " (no reason given)";
        findings.push({
          code: "yanked",
          severity: defaultSeverities.yanked,
          message: `${entry.name.value} ${release.version} was yanked from the index${reason}; pip still installs it for this exact pin, with a warning.`,
          span,
          package: name,
        });
      }
    }

    const privateHits = view.foundOn.filter(
      (url) =>
        snapshot.indexes.some((i) => i.display === url && i.isPrivate && i.role === "extra") && !mirrors(view, url),
    );
    if (privateHits.length > 0 && view.foundOn.length > 1) {
      const others = view.foundOn.filter((url) => !privateHits.includes(url));
      findings.push({
        code: "dependency-confusion",
        severity: defaultSeverities["dependency-confusion"],
        message: `${entry.name.value} exists on the private index ${privateHits.map(hostOf).join(", ")} and also on ${others.map(hostOf).join(", ") || "another index"}. pip merges all indexes and installs the highest version from any of them, so a public upload can replace your private package; pin it with --hash or use a single index.`,
        span: entry.name.span,
        package: name,
      });
    }
  }
  return { ...result, errors };
}

function indexList(urls: readonly string[]): string {
  return urls.map(locationOf).join(", ") || "the index";
}

/** "a", "a or b", "a, b or c". */
function orList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? "the index";
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1] ?? ""}`;
}

/** An index by its host, a find-links directory by its path. */
function locationOf(display: string): string {
  if (display.startsWith("file:")) {
    try {
      return decodeURIComponent(new URL(display).pathname);
    } catch {
      return display;
    }
  }
  return hostOf(display);
}

/** An index by its host; a local (`file:`) index by its path. */
function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "file:" ? decodeURIComponent(parsed.pathname) : parsed.host;
  } catch {
    return url;
  }
}

/**
 * Whether the index at `url` only serves files the other indexes serve too (same sha256, or the same
 * file name where hashes are missing): a mirror or proxy of the public index, such as an Artifactory
 * remote repository or a local wheelhouse. A private package that someone also uploaded publicly has
 * files of its own, and that is what dependency confusion is about.
 */
function mirrors(view: PackageView, url: string): boolean {
  const own: IndexFile[] = [];
  const otherShas = new Set<string>();
  const otherNames = new Set<string>();
  for (const lookup of view.lookups) {
    if (lookup === undefined || lookup.answer.kind !== "found") continue;
    if (lookup.index === url) own.push(...lookup.answer.page.files);
    else {
      for (const file of lookup.answer.page.files) {
        if (file.sha256) otherShas.add(file.sha256);
        otherNames.add(file.filename);
      }
    }
  }
  if (own.length === 0) return false;
  return own.every((file) =>
    file.sha256 && otherShas.size > 0 ? otherShas.has(file.sha256) : otherNames.has(file.filename),
  );
}

import type { PackageView } from "../index/packageView";
import { findRelease } from "../index/packageView";
import type { Release } from "../index/releaseModel";
import { defaultEnvironment, evaluateMarker, type TargetPlatform } from "../parsing/markerEval";
import { parseMarker, type MarkerNode } from "../parsing/markers";
import { normalizeName } from "../parsing/names";
import { parseRequirement } from "../parsing/pep508";
import type { EffectiveRequirement, RequirementEntry, RequirementsTree } from "../parsing/requirementsModel";
import { compareVersions, cachedVersion } from "../pep440/version";
import type { InstalledVersions } from "./analyze";
import { defaultSeverities, type Finding, type FixOption, type PinFixData } from "./findings";
import type { IndexSnapshot } from "./indexFindings";
import { pinnedVersion, satisfies } from "./pins";
import {
  fileSupport,
  releaseSupport,
  versionSupported,
  type ReleaseSupport,
  type TargetSupport,
} from "./pythonSupport";
import { resolveRequirement, type Resolution } from "./resolve";
import { rebaseFinding, rebaseFix, RequirementMemo, type AnalysisBudget } from "./requirementMemo";

/** The Python versions the project targets, and where that was read. */
export interface Targets {
  /** CPython minors ("3.8"), lowest first; never empty. */
  readonly versions: readonly string[];
  /** For messages and hovers, e.g. ".python-version" or "pinsight.pythonVersion". */
  readonly source: string;
}

/** The target when nothing in the workspace names one: the newest CPython with wide wheel coverage. */
export const defaultTarget = "3.14";

/** Python versions in numeric order ("3.9" before "3.10"), without duplicates. */
export function sortPythons(versions: readonly string[]): string[] {
  const key = (v: string): number[] => v.split(".").map(Number);
  return [...new Set(versions)].sort((a, b) => {
    const [a0 = 0, a1 = 0] = key(a);
    const [b0 = 0, b1 = 0] = key(b);
    return a0 - b0 || a1 - b1;
  });
}

/** Everything known about one requirement line for one target Python. */
export interface TargetInsight {
  readonly target: string;
  /** What a fresh `pip install` picks there, as pip's finder would. */
  readonly resolution: Resolution;
  /** The version this line installs: the pin when pinned, else the resolution's version. */
  readonly installs: string | null;
  /**
   * What that version's own files and classifiers say about the target: undefined while its metadata
   * is being fetched, null when the version is not on the index.
   */
  readonly installsSupport: ReleaseSupport | null | undefined;
  /**
   * Where support of the target stops: undefined while being found or when not searched (the
   * installed version supports the target and no timeline was asked for), null when unknowable.
   */
  readonly support: TargetSupport | null | undefined;
  /** True while the boundary this line needs is being searched in the background. */
  readonly supportPending: boolean;
  /** The newest release pip could install on the target at all (any specifier), or null. */
  readonly newestForTarget: string | null;
}

/** What the analysis knows about one requirement line from the index. */
export interface RequirementInsight {
  readonly requirement: EffectiveRequirement;
  readonly name: string;
  readonly view: PackageView;
  /** Targets the line's marker admits, each with its insight. */
  readonly perTarget: readonly TargetInsight[];
  /** Targets the marker excludes. */
  readonly skippedTargets: readonly string[];
  /** The newest final, non-yanked release overall. */
  readonly latest: Release | null;
  /** The newest release supporting every applicable target by all evidence that the line admits. */
  readonly bestSupported: Release | null;
  /** The newest release supporting every applicable target, whatever the specifier. */
  readonly newestSupported: Release | null;
}

const platforms: readonly TargetPlatform[] = ["linux", "darwin", "win32"];

/**
 * Whether a requirement's marker can hold on a target Python on some platform. Markers are evaluated
 * as pip does for requirements files (`extra` empty); a marker that cannot be evaluated counts as
 * applying, so nothing is hidden by mistake.
 */
export function markerApplies(entry: RequirementEntry, target: string): boolean {
  if (entry.marker === undefined) return true;
  const key = `${target}\u0000${entry.marker.value}`;
  let applies = markerVerdicts.get(key);
  if (applies === undefined) {
    applies = evaluateApplies(entry.marker.value, target);
    // Markers repeat across lines and analyses; a bounded cache keeps every edit from re-parsing them.
    if (markerVerdicts.size >= 10_000) markerVerdicts.clear();
    markerVerdicts.set(key, applies);
  }
  return applies;
}

const markerVerdicts = new Map<string, boolean>();

function evaluateApplies(marker: string, target: string): boolean {
  const parsed = parseMarker(marker);
  if (!parsed.ok) return true;
  for (const platform of platforms) {
    const result = evaluateMarker(parsed.marker, defaultEnvironment(target, platform));
    if (!result.ok || result.value) return true;
  }
  return false;
}

const constraintIndex = new WeakMap<RequirementsTree, ReadonlyMap<string, readonly string[]>>();

/**
 * Specifiers from `-c` constraint files for a package, anywhere in the tree. They are indexed once per
 * tree: scanning the tree for every line made a 10,000-line file quadratic.
 */
function constraintsFor(tree: RequirementsTree, name: string): readonly string[] {
  let index = constraintIndex.get(tree);
  if (index === undefined) {
    const built = new Map<string, string[]>();
    for (const r of tree.requirements) {
      const constrained = r.entry.normalizedName;
      if (!r.constraint || constrained === undefined || !r.entry.specifier) continue;
      let list = built.get(constrained);
      if (list === undefined) built.set(constrained, (list = []));
      list.push(r.entry.specifier.value);
    }
    constraintIndex.set(tree, built);
    index = built;
  }
  return index.get(name) ?? [];
}

/** Whether `--pre` is given anywhere in the tree (pip applies it to the whole run). */
export function preAllowed(tree: RequirementsTree): boolean {
  return tree.options.some((o) => o.entry.option === "pre");
}

const namesIndex = new WeakMap<RequirementsTree, ReadonlySet<string>>();

/** Every package named anywhere in the tree, computed once per tree. */
function namesIn(tree: RequirementsTree): ReadonlySet<string> {
  let names = namesIndex.get(tree);
  if (names === undefined) {
    const built = new Set<string>();
    for (const r of tree.requirements) if (r.entry.normalizedName) built.add(r.entry.normalizedName);
    namesIndex.set(tree, built);
    names = built;
  }
  return names;
}

/**
 * Builds the insight for one requirement, or null when the index has nothing usable about it.
 *
 * The version a line installs is checked directly (its Requires-Python, tags and, from its per-version
 * metadata, classifiers: one request, shared with `transitive-range`). Where support stops in the
 * package's history costs a bisection, so it is only searched when that version does not support a
 * target (the message and the fix need it) or when `full` asks for the timeline (hovers, the CLI).
 */
export function requirementInsight(
  requirement: EffectiveRequirement,
  tree: RequirementsTree,
  snapshot: IndexSnapshot,
  targets: Targets,
  options: { readonly full?: boolean } = {},
): RequirementInsight | null {
  const entry = requirement.entry;
  const name = entry.normalizedName;
  if (name === undefined || entry.form !== "pep508") return null;
  const view = snapshot.view(name);
  if (!view || view.state !== "found") return null;
  const constraints = requirement.constraint ? [] : constraintsFor(tree, name);
  const pre = preAllowed(tree);
  const specifier = entry.specifier?.value;
  const pinned = specifier ? pinnedVersion(specifier) : null;
  const perTarget: TargetInsight[] = [];
  const skippedTargets: string[] = [];
  let pendingBoundary = false;
  for (const target of targets.versions) {
    if (!markerApplies(entry, target)) {
      skippedTargets.push(target);
      continue;
    }
    const resolution = cachedResolve(view.releases, specifier, target, pre, constraints);
    const installs = pinned ?? resolution.version;
    const installsRelease = installs !== null ? findRelease(view, installs) : undefined;
    const installsSupport = installsRelease ? directSupport(snapshot, name, installsRelease, target) : null;
    const needBoundary =
      options.full === true || (installsSupport !== undefined && installsSupport?.supported === false);
    const support = needBoundary ? snapshot.support?.(name, view.releases, target) : undefined;
    const supportPending = needBoundary && support === undefined && snapshot.support !== undefined;
    if (supportPending) pendingBoundary = true;
    const newestForTarget = cachedResolve(view.releases, "", target, false, []).version;
    perTarget.push({ target, resolution, installs, installsSupport, support, supportPending, newestForTarget });
  }
  const latest = view.releases.find((r) => !r.legacy && !r.yanked && cachedVersion(r.version)?.isPrerelease === false);
  const supportsAll = (release: Release): boolean => perTarget.every((t) => releaseSupportsTarget(release, t));
  const supported = supportedReleases(view.releases, perTarget, supportsAll);
  // While a needed boundary is being searched, no release is recommended: it could be past the drop.
  const newestSupported = pendingBoundary ? null : (supported[0] ?? null);
  let bestSupported: Release | null = null;
  const first = perTarget[0];
  if (first !== undefined && !pendingBoundary) {
    const chosen = resolveRequirement(supported, pinned === null ? specifier : "", first.target, {
      pre,
      constraints,
    });
    bestSupported = chosen.release;
  }
  return {
    requirement,
    name,
    view,
    perTarget,
    skippedTargets,
    latest: latest ?? null,
    bestSupported,
    newestSupported,
  };
}

/** A release's support of a target from its files and, when fetched, its own classifiers. */
function directSupport(
  snapshot: IndexSnapshot,
  name: string,
  release: Release,
  target: string,
): ReleaseSupport | undefined {
  const files = fileSupport(release, target);
  if (!files.supported || snapshot.releaseMetadata === undefined) return files;
  const meta = snapshot.releaseMetadata(name, release.version);
  if (meta === undefined) return undefined;
  return releaseSupport(release, target, meta?.classifiers ?? null);
}

/** Whether a release supports one target, by the boundary when known and the direct check. */
function releaseSupportsTarget(release: Release, t: TargetInsight): boolean {
  if (fileSupport(release, t.target).declared) return false;
  if (t.installs !== null && release.version === t.installs && t.installsSupport) return t.installsSupport.supported;
  return t.support === undefined || t.support === null || versionSupported(release.version, t.support);
}

const supportedCache = new WeakMap<readonly Release[], Map<string, Release[]>>();

/**
 * The final, non-yanked releases supporting every target, memoised per release list and the support
 * boundaries known (they change as background searches finish).
 */
function supportedReleases(
  releases: readonly Release[],
  perTarget: readonly TargetInsight[],
  supportsAll: (release: Release) => boolean,
): Release[] {
  const key = perTarget
    .map(
      (t) =>
        `${t.target}:${t.support === undefined ? "?" : t.support === null ? "-" : (t.support.droppedIn ?? "")}:${t.installs ?? ""}:${t.installsSupport?.supported ?? "?"}`,
    )
    .join(",");
  let byKey = supportedCache.get(releases);
  if (byKey === undefined) {
    byKey = new Map();
    supportedCache.set(releases, byKey);
  }
  let list = byKey.get(key);
  if (list === undefined) {
    list = releases.filter(
      (r) => !r.legacy && !r.yanked && cachedVersion(r.version)?.isPrerelease === false && supportsAll(r),
    );
    byKey.set(key, list);
  }
  return list;
}

const resolutionCache = new WeakMap<readonly Release[], Map<string, Resolution>>();

/** Resolutions are reused while a package's release list (an immutable array) is unchanged. */
function cachedResolve(
  releases: readonly Release[],
  specifier: string | undefined,
  target: string,
  pre: boolean,
  constraints: readonly string[],
): Resolution {
  let byKey = resolutionCache.get(releases);
  if (byKey === undefined) {
    byKey = new Map();
    resolutionCache.set(releases, byKey);
  }
  const key = `${specifier ?? ""}\u0000${target}\u0000${pre ? 1 : 0}\u0000${constraints.join("\u0001")}`;
  let resolution = byKey.get(key);
  if (resolution === undefined) {
    resolution = resolveRequirement(releases, specifier, target, { pre, constraints });
    byKey.set(key, resolution);
  }
  return resolution;
}

/** "2018-09-14" from an ISO time, or null. */
export function dateOf(release: { readonly uploadTime: string | null } | null | undefined): string | null {
  return release?.uploadTime ? release.uploadTime.slice(0, 10) : null;
}

function pythonList(targets: readonly string[]): string {
  if (targets.length <= 1) return `Python ${targets[0] ?? ""}`;
  return `Python ${targets.slice(0, -1).join(", ")} and ${targets[targets.length - 1] ?? ""}`;
}

export interface DependencyContext {
  readonly targets: Targets;
  readonly installed?: InstalledVersions;
  /**
   * Whether to look at pinned packages' own dependencies (`transitive-range`). It costs one
   * per-version metadata request per pinned package, so it is skipped when the code is turned off.
   */
  readonly transitive?: boolean;
  /** Versions in a lock file next to the file, for "Pin to locked X (from poetry.lock)". */
  readonly locked?: { readonly versions: ReadonlyMap<string, string>; readonly label: string };
  /**
   * Results of earlier analyses of the same document, so an edit only re-analyses the lines it
   * touched (see `RequirementMemo`). The caller keeps one per document.
   */
  readonly memo?: DependencyMemo;
  /** With a memo: lines beyond this budget are deferred to a later pass (their findings unchanged). */
  readonly budget?: AnalysisBudget;
  /**
   * Only fill the memo (within the budget) for the analysis that last ran with this context, from
   * line `warm.position` of the tree on, leaving there the first line left for later, and return no
   * findings: how a large file's analysis continues between slices without re-assembling.
   */
  readonly warm?: { position: number };
}

/** What the analysis concluded about one requirement line, at the offsets it was computed at. */
interface LineOutcome {
  readonly insight: RequirementInsight;
  /** Where the line's entry started when this was computed. */
  readonly base: number;
  readonly fix: PinFixData | undefined;
  /** The index-aware `unpinned`/`range` messages, computed when first asked for. */
  readonly messages: Map<string, string>;
  /** The replacement fix for a yanked pin; undefined until asked for, null when there is none. */
  yankFix: PinFixData | null | undefined;
  readonly added: readonly Finding[];
}

/** The per-document memo `dependencyFindings` keeps between analyses. */
export class DependencyMemo {
  readonly lines = new RequirementMemo<LineOutcome | null>();
  /** How many lines the last analysis reused and recomputed (for tests and the benchmark). */
  reused = 0;
  computed = 0;
}

/**
 * Enriches the index-free findings of a file with what the index says: per-target resolution in the
 * `unpinned`/`range` messages with pin fixes, `python-support`, `outdated`, `not-applicable`, and a
 * replacement fix on `yanked`. Returns the new list; findings it does not concern pass unchanged.
 */
export function dependencyFindings(
  findings: readonly Finding[],
  tree: RequirementsTree,
  file: string,
  snapshot: IndexSnapshot,
  context: DependencyContext,
): Finding[] {
  const byEntry = new Map<number, Finding[]>();
  for (const finding of findings) {
    if (finding.package === null) continue;
    const list = byEntry.get(finding.span.start) ?? [];
    list.push(finding);
    byEntry.set(finding.span.start, list);
  }
  const replaced = new Map<Finding, Finding>();
  const added: Finding[] = [];
  const hashMode = tree.requiresHashes;
  const memo = context.memo;
  const pre = preAllowed(tree);
  const named = namesIn(tree);
  const isNamed = (name: string): boolean => named.has(name);
  const warm = context.warm;
  if (memo && warm === undefined) {
    memo.reused = 0;
    memo.computed = 0;
    memo.lines.begin(
      JSON.stringify([
        context.targets.versions,
        context.targets.source,
        hashMode,
        pre,
        context.transitive !== false,
        context.installed?.label ?? null,
        context.locked?.label ?? null,
        snapshot.indexes.map((i) => i.display),
      ]),
    );
  }
  const fileText = tree.files[file]?.text;
  for (let index = warm?.position ?? 0; index < tree.requirements.length; index++) {
    const requirement = tree.requirements[index];
    if (requirement === undefined || requirement.file !== file || requirement.constraint) continue;
    const entry = requirement.entry;
    if (entry.name === undefined || entry.form !== "pep508") continue;
    if (entry.marker !== undefined && context.targets.versions.every((t) => !markerApplies(entry, t))) {
      if (warm !== undefined) continue;
      added.push({
        code: "not-applicable",
        severity: defaultSeverities["not-applicable"],
        message: `Skipped on ${pythonList(context.targets.versions)} (target from ${context.targets.source}): the marker "${entry.marker.value.trim()}" excludes it, so pip does not install ${entry.name.value} there.`,
        span: entry.span,
        package: entry.normalizedName ?? null,
      });
      continue;
    }
    const compute = (recorded: IndexSnapshot, recordedNamed: (name: string) => boolean): LineOutcome | null => {
      const insight = requirementInsight(requirement, tree, recorded, context.targets);
      if (insight === null) return null;
      const options = fixOptions(insight, context, hashMode);
      const fix: PinFixData | undefined =
        options.length > 0 ? { kind: "pin", package: insight.name, entryStart: entry.span.start, options } : undefined;
      const lineAdded: Finding[] = [];
      const support = supportFinding(insight, fix);
      if (support) lineAdded.push(support);
      const outdated = outdatedFinding(insight);
      if (outdated) lineAdded.push(outdated);
      if (context.transitive !== false) {
        const transitive = transitiveFinding(insight, tree, recorded, recordedNamed);
        if (transitive) lineAdded.push(transitive);
      }
      return { insight, base: entry.span.start, fix, messages: new Map(), yankFix: undefined, added: lineAdded };
    };
    let outcome: LineOutcome | null;
    const name = entry.normalizedName;
    if (memo && fileText !== undefined && name !== undefined) {
      // Everything the line's result depends on besides the index data, which the memo tracks itself.
      const key = [
        fileText.slice(entry.span.start, entry.span.end),
        entry.text,
        context.installed?.versions.get(name) ?? "",
        context.locked?.versions.get(name) ?? "",
        constraintsFor(tree, name).join("\u0001"),
      ].join("\u0000");
      const result = memo.lines.get(key, snapshot, isNamed, compute, context.budget);
      if (result === null && warm !== undefined) {
        warm.position = index;
        return [];
      }
      if (result === null || warm !== undefined) continue;
      outcome = result.value;
      if (result.reused) memo.reused++;
      else memo.computed++;
    } else {
      outcome = compute(snapshot, isNamed);
    }
    if (outcome === null) continue;
    const insight = outcome.insight;
    const delta = entry.span.start - outcome.base;
    const fix = outcome.fix ? rebaseFix(outcome.fix, delta) : undefined;
    const related = [
      ...(byEntry.get(entry.name.span.start) ?? []),
      ...(entry.specifier ? (byEntry.get(entry.specifier.span.start) ?? []) : []),
    ];
    for (const finding of related) {
      if (finding.package !== insight.name) continue;
      if (finding.code === "unpinned" || finding.code === "range") {
        let message = outcome.messages.get(finding.code);
        if (message === undefined) {
          message = pinMessage(finding.code, insight, context);
          outcome.messages.set(finding.code, message);
        }
        replaced.set(finding, { ...finding, message, ...(fix ? { fix } : {}) });
      } else if (finding.code === "yanked") {
        if (outcome.yankFix === undefined) outcome.yankFix = yankedFix(insight) ?? null;
        if (outcome.yankFix) replaced.set(finding, { ...finding, fix: rebaseFix(outcome.yankFix, delta) });
      }
    }
    for (const finding of outcome.added) added.push(rebaseFinding(finding, delta));
  }
  if (warm !== undefined) {
    warm.position = tree.requirements.length;
    return [];
  }
  const result = findings.map((f) => replaced.get(f) ?? f).concat(added);
  result.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  return result;
}

function pinMessage(code: "unpinned" | "range", insight: RequirementInsight, context: DependencyContext): string {
  const entry = insight.requirement.entry;
  const display = entry.name?.value ?? insight.name;
  const picks = insight.perTarget.map((t) => {
    const release = t.resolution.release;
    const date = dateOf(release);
    return t.resolution.version === null
      ? `nothing on Python ${t.target} (${t.resolution.reason ?? "no match"})`
      : `${t.resolution.version}${date ? ` (released ${date})` : ""} on Python ${t.target}`;
  });
  const uniquePicks = new Set(insight.perTarget.map((t) => t.resolution.version));
  const pickText =
    uniquePicks.size === 1 && insight.perTarget.length > 1 && insight.perTarget[0]?.resolution.version
      ? `${insight.perTarget[0].resolution.version}${dateOf(insight.perTarget[0].resolution.release) ? ` (released ${dateOf(insight.perTarget[0].resolution.release) ?? ""})` : ""} on ${pythonList(insight.perTarget.map((t) => t.target))}`
      : picks.join("; ");
  const admitted = Math.max(0, ...insight.perTarget.map((t) => t.resolution.admitted));
  const head =
    code === "unpinned"
      ? `${display} is not pinned: a fresh install picks ${pickText}.`
      : `"${entry.specifier?.value.trim() ?? ""}" admits ${admitted} release${admitted === 1 ? "" : "s"} of ${display}: a fresh install picks ${pickText}.`;
  const installed = context.installed?.versions.get(insight.name);
  const fresh = insight.perTarget[0]?.resolution.version ?? null;
  if (installed === undefined) return head;
  const label = context.installed?.label ?? "the environment";
  if (fresh !== null && !sameVersion(installed, fresh)) {
    return `${head} Your environment (${label}) has ${installed}, what you tested; a fresh install on a new server picks ${fresh}.`;
  }
  return `${head} Installed in ${label}: ${installed}.`;
}

function sameVersion(a: string, b: string): boolean {
  const va = cachedVersion(a);
  const vb = cachedVersion(b);
  return va !== null && vb !== null ? compareVersions(va, vb) === 0 : a === b;
}

/** The pin fixes for a line, the preferred first: newest supporting the targets, installed, newest. */
function fixOptions(insight: RequirementInsight, context: DependencyContext, hashMode: boolean): FixOption[] {
  const entry = insight.requirement.entry;
  const pinned = entry.specifier ? pinnedVersion(entry.specifier.value) : null;
  const options: FixOption[] = [];
  const seen = new Set<string>();
  const add = (version: string, title: string, release: Release | undefined): void => {
    if (seen.has(version) || (pinned !== null && sameVersion(pinned, version))) return;
    seen.add(version);
    options.push({
      action: "pin",
      version,
      title,
      preferred: options.length === 0,
      ...(hashMode && release ? hashesOf(release) : {}),
    });
  };
  const targets = insight.perTarget.map((t) => t.target);
  const forTargets = targets.length > 0 ? ` (supports ${pythonList(targets)})` : "";
  // The version in the lock next to the file is the one the project was tested with: preferred, as
  // long as it supports the targets.
  const locked = context.locked?.versions.get(insight.name);
  if (locked !== undefined && pinned === null && satisfies(locked, entry.specifier?.value)) {
    const release = findRelease(insight.view, locked);
    if (release === undefined || supportOk(insight, locked)) {
      add(locked, `Pin to locked ${locked} (from ${context.locked?.label ?? "the lock file"})`, release);
    }
  }
  if (insight.bestSupported && (pinned === null || !supportOk(insight, pinned))) {
    add(insight.bestSupported.version, `Pin to ${insight.bestSupported.version}${forTargets}`, insight.bestSupported);
  }
  const installed = context.installed?.versions.get(insight.name);
  if (installed !== undefined && pinned === null) {
    add(installed, `Pin to installed ${installed}`, findRelease(insight.view, installed));
  }
  if (
    insight.latest &&
    insight.newestSupported &&
    sameVersion(insight.latest.version, insight.newestSupported.version)
  ) {
    if (pinned === null || !supportOk(insight, pinned)) {
      add(insight.latest.version, `Pin to newest ${insight.latest.version}`, insight.latest);
    }
  }
  // An upper bound just below an undeclared drop keeps a range open while avoiding the break.
  const drop = insight.perTarget.find((t) => t.support && !t.support.declared && t.support.droppedIn !== null);
  if (pinned === null && drop?.support?.droppedIn) {
    const bound = drop.support.droppedIn;
    if (!entry.specifier || !/</.test(entry.specifier.value)) {
      options.push({
        action: "bound",
        version: bound,
        title: `Add upper bound <${bound} (Python ${drop.target} support stops there)`,
        preferred: options.length === 0,
      });
    }
  }
  return options;
}

function supportOk(insight: RequirementInsight, version: string): boolean {
  const release = findRelease(insight.view, version);
  if (!release) return true;
  return insight.perTarget.every((t) => releaseSupportsTarget(release, t));
}

/** The sha256 of every file of a release, when the index gives all of them. */
function hashesOf(release: Release): { hashes?: readonly string[] } {
  const digests = release.files.map((f) => f.sha256);
  if (digests.length === 0 || digests.some((d) => d === null)) return {};
  return { hashes: [...new Set(digests as string[])].sort() };
}

function yankedFix(insight: RequirementInsight): PinFixData | undefined {
  const entry = insight.requirement.entry;
  const pinned = entry.specifier ? pinnedVersion(entry.specifier.value) : null;
  const pinnedParsed = pinned ? cachedVersion(pinned) : null;
  if (!pinnedParsed) return undefined;
  const candidates = insight.view.releases.filter((r) => {
    if (r.legacy || r.yanked) return false;
    const v = cachedVersion(r.version);
    if (!v || (v.isPrerelease && !pinnedParsed.isPrerelease)) return false;
    return insight.perTarget.every((t) => !fileSupport(r, t.target).declared);
  });
  const newer = [...candidates]
    .reverse()
    .find((r) => compareVersions(cachedVersion(r.version) as never, pinnedParsed) > 0);
  const older = candidates.find((r) => compareVersions(cachedVersion(r.version) as never, pinnedParsed) < 0);
  const options: FixOption[] = [];
  for (const release of [newer, older]) {
    if (!release) continue;
    options.push({
      action: "pin",
      version: release.version,
      title: `Replace yanked ${pinned} with ${release.version}`,
      preferred: options.length === 0,
    });
  }
  return options.length > 0 ? { kind: "pin", package: insight.name, entryStart: entry.span.start, options } : undefined;
}

function supportFinding(insight: RequirementInsight, fix: PinFixData | undefined): Finding | null {
  const entry = insight.requirement.entry;
  const display = entry.name?.value ?? insight.name;
  const span = entry.name?.span ?? entry.span;
  const pinned = entry.specifier ? pinnedVersion(entry.specifier.value) : null;
  const problems: string[] = [];
  for (const t of insight.perTarget) {
    if (pinned === null && t.resolution.version === null) {
      problems.push(
        `No release of ${display} that this line admits installs on Python ${t.target}: ${t.resolution.reason ?? "nothing matches"}.`,
      );
      continue;
    }
    const verdict = t.installsSupport;
    if (!verdict || verdict.supported || t.installs === null) continue;
    // One stable message with its fix once the boundary is known, rather than a message that changes.
    if (!verdict.declared && t.supportPending) continue;
    const version = findRelease(insight.view, t.installs)?.version ?? t.installs;
    if (verdict.declared) {
      if (pinned !== null) {
        problems.push(
          `${display} ${version} cannot be installed on Python ${t.target} (${verdict.detail ?? "no file fits"}): pip fails with "No matching distribution".`,
        );
      }
      continue;
    }
    const why =
      t.support && t.support.droppedIn !== null
        ? dropText(display, t.support)
        : `its ${verdict.detail ?? "metadata"} and no Requires-Python declares it.`;
    problems.push(
      pinned !== null
        ? `${display} ${version} does not support Python ${t.target}: ${why}`
        : `pip would install ${version} on Python ${t.target}, but ${why}`,
    );
  }
  if (problems.length === 0) return null;
  return {
    code: "python-support",
    severity: defaultSeverities["python-support"],
    message: problems.join(" "),
    span,
    package: insight.name,
    ...(fix ? { fix } : {}),
  };
}

/** "django-scarface dropped Python 2.7 in 3.2 (2018-09-14; classifiers … ). Last release for 2.7: 3.1." */
export function dropText(display: string, support: TargetSupport): string {
  const facts = [
    support.droppedDate ? support.droppedDate.slice(0, 10) : null,
    support.detail ? `${support.detail}${support.declared ? "" : " and no Requires-Python declares it"}` : null,
  ].filter((f): f is string => f !== null);
  const last = support.lastSupported
    ? ` Last release for ${support.target}: ${support.lastSupported}.`
    : ` No release supports Python ${support.target}.`;
  return `${display} dropped Python ${support.target} in ${support.droppedIn ?? "?"}${facts.length > 0 ? ` (${facts.join("; ")})` : ""}.${last}`;
}

function outdatedFinding(insight: RequirementInsight): Finding | null {
  const entry = insight.requirement.entry;
  const pinned = entry.specifier ? pinnedVersion(entry.specifier.value) : null;
  if (pinned === null || !insight.latest || !entry.specifier) return null;
  // An unknown version has its own finding; "a newer release exists" would only add noise.
  if (!findRelease(insight.view, pinned)) return null;
  const pinnedParsed = cachedVersion(pinned);
  const latestParsed = cachedVersion(insight.latest.version);
  if (!pinnedParsed || !latestParsed || compareVersions(latestParsed, pinnedParsed) <= 0) return null;
  const display = entry.name?.value ?? insight.name;
  const date = dateOf(insight.latest);
  const perTarget = insight.perTarget
    .filter((t) => t.support !== undefined)
    .map((t) => {
      const newest =
        t.support && t.support.droppedIn !== null && !t.support.declared ? t.support.lastSupported : t.newestForTarget;
      return newest && !sameVersion(newest, insight.latest?.version ?? "") ? `${newest} for Python ${t.target}` : null;
    })
    .filter((s): s is string => s !== null);
  return {
    code: "outdated",
    severity: defaultSeverities.outdated,
    message: `${display} ${pinned} is pinned; the newest release is ${insight.latest.version}${date ? ` (${date})` : ""}${perTarget.length > 0 ? `, the newest that supports your Python is ${perTarget.join(", ")}` : ""}.`,
    span: entry.specifier.span,
    package: insight.name,
  };
}

/** The installed version of a package and whether it satisfies the line (for hovers). */
export function installedFits(entry: RequirementEntry, installed: string): boolean {
  return satisfies(installed, entry.specifier?.value);
}

/** A dependency of a pinned package that a fresh install would take newer than the package itself. */
export interface LooseDependency {
  readonly name: string;
  readonly display: string;
  readonly specifier: string;
  readonly target: string;
  readonly picks: Release;
  /** The newest release the specifier admits that was out when the pinned release was published. */
  readonly contemporary: Release | null;
}

/**
 * `transitive-range`: for a pinned requirement, the dependencies in that release's own metadata
 * (`requires_dist`, markers evaluated per target with the line's extras) that the project does not
 * pin, whose range lets a fresh install pick a release published after the pinned one — the
 * celery 4.1.0 → `kombu>=4.0.2,<5.0` → kombu 4.6.11 case. Needs the release's per-version metadata
 * and the dependencies' release lists, fetched in the background.
 */
export function looseDependencies(
  insight: RequirementInsight,
  tree: RequirementsTree,
  snapshot: IndexSnapshot,
  isNamed: (name: string) => boolean = (name) => namesIn(tree).has(name),
): LooseDependency[] {
  const entry = insight.requirement.entry;
  const pinned = entry.specifier ? pinnedVersion(entry.specifier.value) : null;
  if (pinned === null) return [];
  const release = findRelease(insight.view, pinned);
  if (!release || release.uploadTime === null) return [];
  const meta = snapshot.releaseMetadata?.(insight.name, release.version);
  if (!meta || !meta.requiresDist) return [];
  const extras = entry.extras.map((e) => e.value);
  const loose: LooseDependency[] = [];
  const seen = new Set<string>();
  for (const text of meta.requiresDist.slice(0, 200)) {
    const parsed = parseRequirement(text);
    if (!parsed.ok || parsed.requirement.url !== undefined) continue;
    const dependency = parsed.requirement;
    const name = normalizeName(dependency.name.value);
    if (name === insight.name || seen.has(name) || isNamed(name)) continue;
    const targets = insight.perTarget
      .map((t) => t.target)
      .filter((target) => dependencyApplies(dependency.markerTree, target, extras));
    if (targets.length === 0) continue;
    const view = snapshot.view(name);
    if (view === undefined) {
      snapshot.ensure?.(name);
      continue;
    }
    if (view.state !== "found") continue;
    const specifier = dependency.specifier?.value ?? "";
    for (const target of targets) {
      const picked = cachedResolve(view.releases, specifier, target, false, []).release;
      if (!picked?.uploadTime || picked.uploadTime <= release.uploadTime) continue;
      const uploadLimit = release.uploadTime;
      const before = view.releases.filter((r) => r.uploadTime !== null && r.uploadTime <= uploadLimit);
      const contemporary = resolveRequirement(before, specifier, target).release;
      seen.add(name);
      loose.push({ name, display: dependency.name.value, specifier, target, picks: picked, contemporary });
      break;
    }
  }
  return loose;
}

function dependencyApplies(marker: MarkerNode | undefined, target: string, extras: readonly string[]): boolean {
  if (marker === undefined) return true;
  for (const platform of platforms) {
    for (const extra of ["", ...extras]) {
      const result = evaluateMarker(marker, { ...defaultEnvironment(target, platform), extra });
      if (result.ok && result.value) return true;
    }
  }
  return false;
}

function transitiveFinding(
  insight: RequirementInsight,
  tree: RequirementsTree,
  snapshot: IndexSnapshot,
  isNamed: (name: string) => boolean,
): Finding | null {
  const loose = looseDependencies(insight, tree, snapshot, isNamed);
  if (loose.length === 0) return null;
  const entry = insight.requirement.entry;
  const display = entry.name?.value ?? insight.name;
  const pinned = entry.specifier ? pinnedVersion(entry.specifier.value) : null;
  const release = pinned ? findRelease(insight.view, pinned) : undefined;
  const year = (r: Release | null | undefined): string => (r?.uploadTime ? r.uploadTime.slice(0, 4) : "?");
  const first = loose[0];
  const requirementText = (d: LooseDependency): string => `${d.display}${d.specifier || " (any version)"}`;
  let summary: string;
  if (loose.length === 1 && first) {
    summary = `${display} ${release?.version ?? ""} requires ${requirementText(first)}: a fresh install picks ${first.display} ${first.picks.version} (${year(first.picks)}), released after ${display} ${release?.version ?? ""} (${year(release)}). Pin ${first.display} too.`;
  } else {
    const listed = loose
      .slice(0, 4)
      .map((d) => `${requirementText(d)} → ${d.picks.version} (${year(d.picks)})`)
      .join("; ");
    summary = `${display} ${release?.version ?? ""} (${year(release)}) declares dependencies that a fresh install takes from later releases: ${listed}${loose.length > 4 ? `; and ${loose.length - 4} more` : ""}. Pin them too.`;
  }
  const options: FixOption[] = loose
    .filter((d) => d.contemporary !== null)
    .slice(0, 5)
    .map((d, i) => ({
      action: "add" as const,
      name: d.display,
      version: d.contemporary?.version ?? "",
      title: `Add ${d.display}==${d.contemporary?.version ?? ""} (the newest when ${display} ${release?.version ?? ""} came out)`,
      preferred: i === 0,
    }));
  const fix: PinFixData | undefined =
    options.length > 0 ? { kind: "pin", package: insight.name, entryStart: entry.span.start, options } : undefined;
  return {
    code: "transitive-range",
    severity: defaultSeverities["transitive-range"],
    message: summary,
    span: entry.specifier?.span ?? entry.name?.span ?? entry.span,
    package: insight.name,
    ...(fix ? { fix } : {}),
  };
}

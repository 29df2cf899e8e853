import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { analyzeFile, type InstalledVersions } from "./core/analysis/analyze";
import { applySeverities, type Finding } from "./core/analysis/findings";
import { indexFindings, type IndexFindingsMemo, type IndexSnapshot } from "./core/analysis/indexFindings";
import { AnalysisBudget, RequirementMemo } from "./core/analysis/requirementMemo";
import { LineParseMemo } from "./core/parsing/lineParseMemo";
import { logicalLines, type LogicalLine } from "./core/parsing/logicalLines";
import { maxAnalysedLength, parseRequirementsTree, preparseLines } from "./core/parsing/requirementsFile";
import type { ParseCache, ParsedRequirementsFile, RequirementsTree } from "./core/parsing/requirementsModel";
import { LineIndex } from "./core/text/lineIndex";
import { createIncludeReader } from "./node/includeReader";
import { findPythonEnvironment, readInstalledDistributions } from "./node/venv";
import type { Settings } from "./settings";
import {
  defaultTarget,
  DependencyMemo,
  dependencyFindings,
  sortPythons,
  type Targets,
} from "./core/analysis/dependencyFindings";
import { detectTargetPython } from "./core/python/targetPython";
import { readTargetPythonSources } from "./node/targetPythonFiles";
import { lockFormatOf } from "./core/locks/detect";
import { lockFindings } from "./core/locks/lockAnalysis";
import type { LockFormat, ParsedLock } from "./core/locks/lockModel";
import { parseLock } from "./core/locks/parseLock";
import { isPipCompileOutput, parsePipCompile } from "./core/locks/pipCompile";
import { locateOrigins } from "./core/locks/viaOrigins";
import { parseManifest } from "./core/manifests/manifest";
import { lockDrift, lockedVersions, manifestDrift, staleFinding, type NearbyLock } from "./core/locks/drift";
import { lockCandidates, NearbyFiles, sha256Hex } from "./node/nearbyFiles";

/** An analysed document: its parse, the tree it roots, and its findings with settings applied. */
export interface DocumentAnalysis {
  readonly uri: string;
  readonly version: number;
  readonly file: string;
  readonly parsed: ParsedRequirementsFile;
  readonly tree: RequirementsTree;
  readonly lines: LineIndex;
  readonly findings: readonly Finding[];
  readonly installed: InstalledVersions | undefined;
  /** What the package indexes said when the analysis ran; undefined when indexes are not consulted. */
  readonly index: IndexSnapshot | undefined;
  /** The target Pythons used, and where they came from. */
  readonly targets: Targets;
  /** For pip-compile output: the file read as a lock, whose `# via` comments say why each line is there. */
  readonly compiled: ParsedLock | undefined;
  /**
   * True when the analysis time budget ran out before every line had its index findings: the next
   * analysis continues where this one stopped (see `ProjectState`'s `analysisBudgetMs`).
   */
  readonly partial: boolean;
}

/** An analysed lock file (poetry.lock, Pipfile.lock, uv.lock, pdm.lock, pylock.toml). */
export interface LockDocumentAnalysis {
  readonly uri: string;
  readonly version: number;
  readonly file: string;
  readonly lock: ParsedLock;
  readonly lines: LineIndex;
  readonly findings: readonly Finding[];
  readonly index: IndexSnapshot | undefined;
  readonly targets: Targets;
}

/** The line results kept for one open document between its analyses. */
interface DocumentMemo {
  readonly lines: LineParseMemo;
  /** The last tree of a document without includes, reused while its text and environment stay. */
  tree?: { readonly version: number; readonly env: object; readonly tree: RequirementsTree } | undefined;
  readonly index: IndexFindingsMemo;
  readonly dependencies: DependencyMemo;
}

/** How the project state reaches the package indexes (the server passes one; tests may omit it). */
export interface IndexHost {
  /** A snapshot of cached index data for a tree, starting background fetches for what is missing. */
  snapshotFor(tree: RequirementsTree, file: string, settings: Settings): IndexSnapshot | undefined;
  /** The same for the packages of a lock file (indexes from settings and pip's configuration). */
  snapshotForNames?(names: ReadonlySet<string>, file: string, settings: Settings): IndexSnapshot | undefined;
}

interface EnvironmentState {
  readonly key: string;
  installed: InstalledVersions | undefined;
  /** The environment's Python ("3.11") from its `pyvenv.cfg`, when it says. */
  python: string | undefined;
  loadedAt: number;
  loading: Promise<void> | undefined;
}

/** Requirements documents longer than this are parsed in slices before their first analysis. */
const prepareAboveLength = 32 * 1024;

/** How long installed versions are trusted before the environment is read again in the background. */
const environmentTtlMs = 10_000;

/**
 * The server's project knowledge: open documents' analyses (cached by uri, version and a generation
 * that changes whenever anything they depend on may have changed) and each folder's installed
 * packages. It contains no LSP types; handlers ask it for analyses and convert the results.
 */
export class ProjectState {
  private readonly analyses = new Map<string, { generation: number; analysis: DocumentAnalysis }>();
  private readonly lockAnalyses = new Map<string, { generation: number; analysis: LockDocumentAnalysis }>();
  /** Lock documents' parses by version, which outlive the analyses' generations. */
  private readonly lockParses = new Map<string, { version: number; format: LockFormat; lock: ParsedLock }>();
  /** Per document, the line results an edit can reuse (see `RequirementMemo`). */
  private readonly memos = new Map<string, DocumentMemo>();
  /** Large documents being parsed ahead of their first analysis (see `prepare`). */
  private readonly preparing = new Map<string, { version: number; lines: readonly LogicalLine[]; next: number }>();
  /** For a partial analysis: how to compute more of its lines without re-running the rest. */
  private readonly continuations = new Map<string, (budget: AnalysisBudget) => void>();
  /** Locks and manifests next to documents, for drift checks and "Pin to locked" fixes. */
  private readonly nearby = new NearbyFiles((file) => this.host.openFileText(file));
  private readonly environments = new Map<string, EnvironmentState>();
  private readonly targetStates = new Map<
    string,
    { targets: Targets | undefined; loadedAt: number; loading: Promise<void> | undefined }
  >();
  /** Parses of included files on disk, reused while their mtime and size are unchanged. */
  private readonly parseCache: ParseCache = new Map();
  private generation = 0;

  constructor(
    private readonly host: {
      readonly documentText: (uri: string) => { text: string; version: number } | undefined;
      /** The text of an open document by file identity (see `uriToFile`), for includes. */
      readonly openFileText: (file: string) => string | undefined;
      readonly workspaceFolders: () => readonly string[];
      readonly environmentVariables: Readonly<Record<string, string | undefined>>;
      /** Called when background work (such as reading the environment) changed what analyses would say. */
      readonly onStale: () => void;
      readonly log: (message: string) => void;
      readonly index?: IndexHost;
      /**
       * How long one analysis may spend on lines' index findings before it defers the rest to the
       * next analysis (the server's event loop stays responsive on large files); unlimited if absent.
       */
      readonly analysisBudgetMs?: number;
      /**
       * The budget of a slice that only computes more lines (`advance`), which has no assembly or
       * conversion around it and can take longer; `analysisBudgetMs` when absent.
       */
      readonly sliceBudgetMs?: number;
    },
  ) {}

  /** Forgets every cached analysis, e.g. after a settings change or a file changed on disk. */
  invalidate(): void {
    this.generation++;
  }

  /**
   * Records that an open document changed (or was opened or closed) and returns the other open
   * documents whose analyses it may change: requirements files that include it, and — for a lock file
   * or manifest — the documents in its directory (drift and "Pin to locked" read each other there).
   * Their cached analyses are dropped; every other document keeps its analysis.
   */
  changed(uri: string): string[] {
    const file = uriToFile(uri);
    const directory = path.dirname(file);
    const sibling = documentKind(uri) !== "requirements" || path.basename(file).endsWith(".in");
    const affected: string[] = [];
    for (const [other, { analysis }] of this.analyses) {
      if (other === uri) continue;
      // A tree with a missing include may be waiting for exactly this file.
      const includes = analysis.tree.files[file] !== undefined || analysis.tree.includeProblems.length > 0;
      if (includes || (sibling && path.dirname(analysis.file) === directory)) {
        this.analyses.delete(other);
        affected.push(other);
      }
    }
    for (const [other, { analysis }] of this.lockAnalyses) {
      if (other === uri || path.dirname(analysis.file) !== directory) continue;
      this.lockAnalyses.delete(other);
      affected.push(other);
    }
    return affected;
  }

  forget(uri: string): void {
    this.analyses.delete(uri);
    this.preparing.delete(uri);
    this.memos.delete(uri);
    this.continuations.delete(uri);
    this.lockAnalyses.delete(uri);
    this.lockParses.delete(uri);
  }

  /** The lock format of a document by its file name, or null for requirements files. */
  lockFormatOf(uri: string): LockFormat | null {
    const format = lockFormatOf(path.basename(uriToFile(uri)));
    return format === null || format === "pyproject.toml" || format === "Pipfile" || format === "pip-compile"
      ? null
      : format;
  }

  /** The analysis of an open lock file, computed at most once per document version and generation. */
  analyzeLock(uri: string, settings: Settings): LockDocumentAnalysis | undefined {
    const format = this.lockFormatOf(uri);
    const document = this.host.documentText(uri);
    if (format === null || document === undefined) return undefined;
    const cached = this.lockAnalyses.get(uri);
    if (cached !== undefined && cached.generation === this.generation && cached.analysis.version === document.version) {
      return cached.analysis;
    }
    const file = uriToFile(uri);
    // New index data re-runs the findings, not the parse: a large uv.lock takes 150 ms to parse.
    const parsed = this.lockParses.get(uri);
    const lock =
      parsed !== undefined && parsed.version === document.version && parsed.format === format
        ? parsed.lock
        : parseLock(format, document.text);
    this.lockParses.set(uri, { version: document.version, format, lock });
    const targets = this.targetsFor(file, settings);
    const names = new Set(lock.entries.filter((e) => e.version !== null).map((e) => e.normalizedName));
    const index = this.host.index?.snapshotForNames?.(names, file, settings);
    const raw = lockFindings(lock, index, { targets, outdated: settings.locksOutdated });
    const manifestName = format === "Pipfile.lock" ? "Pipfile" : "pyproject.toml";
    const manifest = this.nearby.manifestNear(path.dirname(file), manifestName);
    if (manifest) raw.push(...lockDrift(lock, manifestName, manifest));
    const stale = staleFinding(
      lock,
      manifestName,
      this.nearby.manifestData(path.dirname(file), manifestName),
      sha256Hex,
    );
    if (stale) raw.push(stale);
    raw.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
    const findings = applySeverities(raw, settings.severities);
    const analysis: LockDocumentAnalysis = {
      uri,
      version: document.version,
      file,
      lock,
      lines: new LineIndex(lock.text),
      findings,
      index,
      targets,
    };
    this.lockAnalyses.set(uri, { generation: this.generation, analysis });
    return analysis;
  }

  /** The analysis of an open document, computed at most once per document version and generation. */
  analyze(uri: string, settings: Settings): DocumentAnalysis | undefined {
    const kind = documentKind(uri);
    if (kind === "lock") return undefined;
    const document = this.host.documentText(uri);
    if (document === undefined) return undefined;
    const cached = this.analyses.get(uri);
    if (
      cached !== undefined &&
      cached.generation === this.generation &&
      cached.analysis.version === document.version &&
      !cached.analysis.partial
    ) {
      return cached.analysis;
    }
    const file = uriToFile(uri);
    const budget =
      this.host.analysisBudgetMs === undefined ? undefined : new AnalysisBudget(this.host.analysisBudgetMs);
    const memo = this.memoFor(uri);
    let tree: RequirementsTree;
    let nearby: NearbyLock | null;
    if (kind === "manifest") {
      // pyproject.toml and Pipfile: their dependencies as requirement entries with spans in the TOML.
      const manifestKind = path.basename(file) === "Pipfile" ? "Pipfile" : "pyproject.toml";
      const manifest = parseManifest(manifestKind, file, document.text);
      tree = manifest.tree;
      nearby = this.nearby.lockNear(path.dirname(file), lockCandidates(manifestKind, manifest.tool));
    } else {
      nearby = this.nearby.lockNear(path.dirname(file), lockCandidates("requirements"));
      const reader = createIncludeReader((candidate) => {
        if (candidate === file) return document.text;
        return this.host.openFileText(candidate);
      });
      const env = this.host.environmentVariables;
      const last = memo.tree;
      if (last !== undefined && last.version === document.version && last.env === env) {
        // Re-analyses of unchanged text (index data arrived) reuse the tree: without includes it
        // depends only on the text and the environment.
        tree = last.tree;
      } else {
        memo.lines.begin();
        tree = parseRequirementsTree(file, reader, {
          env,
          lineMemo: memo.lines,
          rootText: document.text,
          cache: this.parseCache,
        });
        const includes = tree.files[file]?.entries.some((e) => e.kind === "include") ?? true;
        memo.tree = includes ? undefined : { version: document.version, env, tree };
      }
    }
    const parsed = tree.files[file];
    if (parsed === undefined) return undefined;
    const installed = this.installedFor(file, settings);
    const targets = this.targetsFor(file, settings);
    let raw = analyzeFile(tree, file, installed ? { installed } : {});
    const index = this.host.index?.snapshotFor(tree, file, settings);
    if (index !== undefined) {
      const own = tree.requirements.filter((r) => r.file === file);
      raw.push(...indexFindings(own, index, memo.index, budget));
      const context = {
        targets,
        memo: memo.dependencies,
        transitive: settings.severities["transitive-range"] !== "off",
        ...(installed ? { installed } : {}),
        ...(nearby ? { locked: { versions: lockedVersions(nearby.lock), label: nearby.name } } : {}),
      };
      raw = dependencyFindings(raw, tree, file, index, { ...context, ...(budget ? { budget } : {}) });
      const lineMemos = memo;
      if (budget !== undefined && budget.deferred > 0) {
        // Each slice continues where the last one stopped rather than re-checking every line.
        const indexCursor = { position: 0 };
        const dependencyCursor = { position: 0 };
        this.continuations.set(uri, (slice) => {
          indexFindings(own, index, lineMemos.index, slice, indexCursor);
          dependencyFindings([], tree, file, index, { ...context, budget: slice, warm: dependencyCursor });
        });
      } else {
        this.continuations.delete(uri);
      }
    }
    if (kind === "manifest" && nearby) {
      raw.push(...manifestDrift(tree, file, nearby));
      raw.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
    }
    const findings = applySeverities(raw, settings.severities);
    const analysis: DocumentAnalysis = {
      uri,
      version: document.version,
      file,
      parsed,
      tree,
      lines: new LineIndex(parsed.text),
      findings,
      installed,
      index,
      targets,
      compiled:
        kind === "requirements" && isPipCompileOutput(parsed.text)
          ? locateOrigins(parsePipCompile(parsed.text), (relative) =>
              this.nearby.text(path.resolve(path.dirname(file), relative)),
            )
          : undefined,
      partial: (budget?.deferred ?? 0) > 0,
    };
    this.analyses.set(uri, { generation: this.generation, analysis });
    return analysis;
  }

  /**
   * Parses a large requirements document ahead of its first analysis, one time slice per call, so
   * that the analysis (which parses the whole file at once) finds its lines already parsed. Returns
   * true while lines remain; false for small documents, other kinds, or when done.
   */
  prepare(uri: string): boolean {
    const document = this.host.documentText(uri);
    if (documentKind(uri) !== "requirements" || document === undefined) return false;
    const length = document.text.length;
    if (length < prepareAboveLength || length > maxAnalysedLength || this.analyses.has(uri)) return false;
    const deadline = performance.now() + (this.host.analysisBudgetMs ?? 20);
    let state = this.preparing.get(uri);
    if (state === undefined || state.version !== document.version) {
      state = {
        version: document.version,
        lines: logicalLines(document.text, this.host.environmentVariables),
        next: 0,
      };
      this.preparing.set(uri, state);
    }
    state.next = preparseLines(document.text, state.lines, state.next, this.memoFor(uri).lines, deadline);
    if (state.next < state.lines.length) return true;
    this.preparing.delete(uri);
    return false;
  }

  private memoFor(uri: string): DocumentMemo {
    let memo = this.memos.get(uri);
    if (memo === undefined) {
      memo = { lines: new LineParseMemo(), index: new RequirementMemo(), dependencies: new DependencyMemo() };
      this.memos.set(uri, memo);
    }
    return memo;
  }

  /**
   * Continues a partial analysis of `uri` for one time slice, computing more of its lines' index
   * findings without re-running the whole analysis. Returns true while lines remain; false when the
   * analysis is complete or no longer current (the next `analyze` assembles the result).
   */
  advance(uri: string): boolean {
    const cached = this.analyses.get(uri);
    const continuation = this.continuations.get(uri);
    const document = this.host.documentText(uri);
    if (
      cached === undefined ||
      continuation === undefined ||
      !cached.analysis.partial ||
      cached.generation !== this.generation ||
      cached.analysis.version !== document?.version
    ) {
      return false;
    }
    const budget = new AnalysisBudget(this.host.sliceBudgetMs ?? this.host.analysisBudgetMs ?? 20);
    continuation(budget);
    if (budget.deferred === 0) this.continuations.delete(uri);
    return budget.deferred > 0;
  }

  /** The lines of analysed trees that include `file`, for hovers ("Included by …"). */
  includersOf(file: string): string[] {
    const result = new Set<string>();
    for (const { analysis } of this.analyses.values()) {
      for (const requirement of analysis.tree.requirements) {
        if (requirement.file === file && requirement.via.length > 0) {
          result.add(`${requirement.via.join(" → ")}`);
        }
      }
    }
    return [...result];
  }

  /** Whether `file` is reached through a `-c` include in any analysed tree. */
  isConstraintFile(file: string): boolean {
    for (const { analysis } of this.analyses.values()) {
      if (analysis.file === file) continue;
      if (analysis.tree.requirements.some((r) => r.file === file && r.constraint)) return true;
    }
    return false;
  }

  /**
   * Installed versions for the folder containing `file`. The first call starts reading the
   * environment in the background and returns undefined; when reading finishes, `onStale` asks the
   * client to pull diagnostics again. Later calls refresh the data when it is older than the TTL.
   */
  installedFor(file: string, settings: Settings): InstalledVersions | undefined {
    const folder = this.folderOf(file);
    const key = `${folder}\u0000${settings.pythonEnvironment}`;
    let state = this.environments.get(key);
    if (state === undefined) {
      state = { key, installed: undefined, python: undefined, loadedAt: 0, loading: undefined };
      this.environments.set(key, state);
    }
    if (state.loading === undefined && Date.now() - state.loadedAt > environmentTtlMs) {
      state.loading = this.loadEnvironment(state, folder, settings.pythonEnvironment);
    }
    return state.installed;
  }

  /**
   * The target Pythons for `file`: the setting when given, else detected from the files around it
   * (read in the background, like the environment; until then the default target is used).
   */
  targetsFor(file: string, settings: Settings): Targets {
    if (settings.pythonVersions.length > 0) {
      return { versions: sortPythons(settings.pythonVersions), source: "pinsight.pythonVersion" };
    }
    // An environment named by pinsight.pythonEnvironment is the project's interpreter, wherever it is.
    if (settings.pythonEnvironment !== "") {
      this.installedFor(file, settings);
      const environment = this.environments.get(`${this.folderOf(file)}\u0000${settings.pythonEnvironment}`);
      if (environment?.python !== undefined) {
        return { versions: [environment.python], source: `pinsight.pythonEnvironment (${settings.pythonEnvironment})` };
      }
    }
    const directory = path.dirname(file);
    const folder = this.folderOf(file);
    const key = `${directory}\u0000${folder}`;
    let state = this.targetStates.get(key);
    if (state === undefined) {
      state = { targets: undefined, loadedAt: 0, loading: undefined };
      this.targetStates.set(key, state);
    }
    if (state.loading === undefined && Date.now() - state.loadedAt > environmentTtlMs) {
      const current = state;
      const stopAt = folder === directory || directory.startsWith(folder) ? folder : null;
      current.loading = readTargetPythonSources(directory, stopAt)
        .then((sources) => {
          const detected = detectTargetPython(sources, []);
          const targets: Targets | undefined =
            detected && detected.versions.length > 0
              ? {
                  versions: sortPythons(detected.versions),
                  source: detected.detail ? `${detected.source} ${detected.detail}` : detected.source,
                }
              : undefined;
          const changed = JSON.stringify(targets) !== JSON.stringify(current.targets);
          current.targets = targets;
          if (changed) {
            this.host.log(
              targets
                ? `Target Python ${targets.versions.join(", ")} from ${targets.source}.`
                : "No target Python found.",
            );
            this.invalidate();
            this.host.onStale();
          }
        })
        .catch((error: unknown) => this.host.log(`Could not detect the target Python: ${String(error)}`))
        .finally(() => {
          current.loadedAt = Date.now();
          current.loading = undefined;
        });
    }
    return state.targets ?? { versions: [defaultTarget], source: "default (set pinsight.pythonVersion)" };
  }

  /** Waits for environments being read (used by tests, the CLI and the first pull of a document). */
  async settled(): Promise<void> {
    await Promise.all([
      ...[...this.environments.values()].map((s) => s.loading),
      ...[...this.targetStates.values()].map((s) => s.loading),
    ]);
  }

  private async loadEnvironment(state: EnvironmentState, folder: string, setting: string): Promise<void> {
    try {
      const environment = await findPythonEnvironment(folder, setting === "" ? undefined : setting);
      let installed: InstalledVersions | undefined;
      if (environment !== undefined) {
        const distributions = await readInstalledDistributions(environment);
        const versions = new Map<string, string>();
        for (const [name, dist] of distributions) versions.set(name, dist.version);
        const label = path.relative(folder, environment.path) || environment.path;
        installed = { versions, label: label.startsWith("..") ? environment.path : label };
      }
      const minor = /^(\d+\.\d+)/.exec(environment?.pythonVersion ?? "")?.[1];
      if (minor !== state.python) {
        state.python = minor;
        this.invalidate();
        this.host.onStale();
      }
      const changed = !sameInstalled(state.installed, installed);
      state.installed = installed;
      state.loadedAt = Date.now();
      if (changed) {
        this.host.log(
          installed === undefined
            ? `No virtual environment found for ${folder}.`
            : `Read ${installed.versions.size} installed distributions from ${installed.label}.`,
        );
        this.invalidate();
        this.host.onStale();
      }
    } catch (error) {
      state.loadedAt = Date.now();
      this.host.log(`Could not read the Python environment for ${folder}: ${String(error)}`);
    } finally {
      state.loading = undefined;
    }
  }

  private folderOf(file: string): string {
    let best: string | undefined;
    for (const folder of this.host.workspaceFolders()) {
      const relative = path.relative(folder, file);
      if (
        !relative.startsWith("..") &&
        !path.isAbsolute(relative) &&
        (best === undefined || folder.length > best.length)
      ) {
        best = folder;
      }
    }
    return best ?? path.dirname(file);
  }
}

function sameInstalled(a: InstalledVersions | undefined, b: InstalledVersions | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.label !== b.label || a.versions.size !== b.versions.size) return false;
  for (const [name, version] of a.versions) if (b.versions.get(name) !== version) return false;
  return true;
}

/**
 * What a document is, by its file name: a lock file, a manifest (pyproject.toml, Pipfile) or — for
 * everything the client sends as pip requirements — a requirements file. pip-compile output is a
 * requirements file too.
 */
export function documentKind(uri: string): "requirements" | "lock" | "manifest" {
  const format = lockFormatOf(path.basename(uriToFile(uri)));
  if (format === "pyproject.toml" || format === "Pipfile") return "manifest";
  if (format === null || format === "pip-compile") return "requirements";
  return "lock";
}

/** The file-system identity of a document: its path for `file:` URIs, the URI itself otherwise. */
export function uriToFile(uri: string): string {
  // A client may send anything: a malformed notification must not break every later event.
  if (typeof uri !== "string") return "";
  if (uri.startsWith("file:")) {
    try {
      return fileURLToPath(uri);
    } catch {
      return uri;
    }
  }
  return uri;
}

export function fileToUri(file: string): string {
  return path.isAbsolute(file) ? pathToFileURL(file).toString() : file;
}

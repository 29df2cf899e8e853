import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { analyzeFile } from "./core/analysis/analyze";
import { defaultSeverities, findingCodes, type Finding, type FindingCode } from "./core/analysis/findings";
import {
  defaultTarget,
  dependencyFindings,
  requirementInsight,
  sortPythons,
  type Targets,
} from "./core/analysis/dependencyFindings";
import { applyEdits, preferredPinEdits, type TextEdit } from "./core/analysis/fixes";
import { formatGithub, formatSarif, type ReportDiagnostic } from "./core/report/ciFormats";
import { lockFormatOf } from "./core/locks/detect";
import { lockFindings, lockTargets, requiredBy } from "./core/locks/lockAnalysis";
import type { ParsedLock } from "./core/locks/lockModel";
import { parseLock } from "./core/locks/parseLock";
import { isPipCompileOutput, parsePipCompile } from "./core/locks/pipCompile";
import { locateOrigins } from "./core/locks/viaOrigins";
import { parseManifest } from "./core/manifests/manifest";
import { lockDrift, lockedVersions, manifestDrift, staleFinding, type NearbyLock } from "./core/locks/drift";
import { lockCandidates, NearbyFiles, sha256Hex } from "./node/nearbyFiles";
import { cachedVersion } from "./core/pep440/version";
import { detectTargetPython } from "./core/python/targetPython";
import { readTargetPythonSources } from "./node/targetPythonFiles";
import { indexFindings, type IndexSnapshot } from "./core/analysis/indexFindings";
import { formatVersionsText, versionsReport } from "./core/analysis/versionsReport";
import { plainText } from "./core/analysis/markdown";
import { normalizeName, isValidName } from "./core/parsing/names";
import { compareVersions, parseVersion } from "./core/pep440/version";
import { IndexService } from "./indexService";
import { loadPipEnvironment, resolveIndexTargets, withoutPipConfiguration, type IndexTargets } from "./indexTargets";
import { defaultCacheDirectory } from "./node/diskCache";
import { createIndexRuntime, type IndexRuntime } from "./node/indexRuntime";
import { defaultSettings, type Settings } from "./settings";
import { parseRequirementsTree } from "./core/parsing/requirementsFile";
import type { RequirementsTree } from "./core/parsing/requirementsModel";
import { LineIndex } from "./core/text/lineIndex";
import { createIncludeReader, readRequirementsFromDisk } from "./node/includeReader";
import { pinsightVersion } from "./version";

/**
 * `pinsight check` runs the editor's analysis in CI; `pinsight versions` lists a package's releases.
 * Exit codes: 0 when no finding has error severity, 1 when one does, 2 for usage errors, unreadable
 * files and (for `versions`) a package no index could tell us about.
 */

const usage = `Usage: pinsight check [options] FILE...
       pinsight pin [options] [--write] FILE
       pinsight versions NAME [--python X.Y[,X.Y...]] [options]

check     checks pip requirements files (following -r/-c includes), lock files
          (poetry.lock, Pipfile.lock, uv.lock, pdm.lock, pylock.toml; other
          names are recognised by content) and manifests (pyproject.toml,
          Pipfile), and reports the same diagnostics as the editor: the
          package-index checks, what a fresh install picks per target Python,
          where Python support was dropped, and drift between a manifest and
          the lock next to it.
pin       pins every unpinned or ranged requirement of FILE to the newest
          release that supports the target Python(s); prints a diff, or
          rewrites the file with --write.
versions  lists a package's releases newest first, with requires-python, yanked
          status, upload date, file kinds and whether each Python can install it.

Options:
  --format FORMAT           text (default), json, github (workflow annotations)
                            or sarif (check only)
  --python X.Y[,X.Y...]     the target Pythons (default: detected from
                            .python-version, pyproject.toml, ... next to FILE)
  -i, --index-url URL       the primary package index (a -i line in a file wins)
  --extra-index-url URL     an extra index; may be repeated
  --offline                 answer from the cache only; never contact an index
  --cache-dir DIR           where index responses are cached
                            (default: $XDG_CACHE_HOME/pinsight/index)
  -h, --help                show this help
  -V, --version             show the version

Indexes also come from PIP_INDEX_URL, PIP_EXTRA_INDEX_URL, PIP_CONFIG_FILE and
pip.conf, as pip reads them; the default is https://pypi.org/simple/.

Exit status: 0 no error-level finding, 1 at least one, 2 usage error, unreadable
file, or (versions) no index could be asked.`;

interface CliIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** The home directory for pip.conf, .netrc and the cache; defaults to the user's. */
  readonly home?: string;
}

interface CliOptions {
  format: "text" | "json" | "github" | "sarif";
  write: boolean;
  indexUrl: string | null;
  extraIndexUrls: string[];
  offline: boolean;
  cacheDir: string | null;
  pythons: string[];
  positional: string[];
}

interface JsonDiagnostic {
  readonly code: string;
  readonly severity: string;
  readonly message: string;
  readonly file: string;
  readonly line: number;
  readonly range: { start: { line: number; character: number }; end: { line: number; character: number } };
  readonly package: string | null;
}

/** Runs the CLI and returns its exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const args = [...argv];
  if (args.length === 0 || args.includes("-h") || args.includes("--help")) {
    (args.length === 0 ? io.stderr : io.stdout)(`${usage}\n`);
    return args.length === 0 ? 2 : 0;
  }
  if (args.includes("-V") || args.includes("--version")) {
    io.stdout(`pinsight ${pinsightVersion}\n`);
    return 0;
  }
  const command = args.shift();
  if (command !== "check" && command !== "versions" && command !== "pin") {
    io.stderr(`pinsight: unknown command '${command ?? ""}'\n\n${usage}\n`);
    return 2;
  }
  const options = parseOptions(args, io);
  if (options === null) return 2;
  if (command === "versions") return runVersions(options, io);
  if (command === "pin") return runPin(options, io);
  return runCheck(options, io);
}

function parseOptions(args: readonly string[], io: CliIo): CliOptions | null {
  const options: CliOptions = {
    format: "text",
    write: false,
    indexUrl: null,
    extraIndexUrls: [],
    offline: false,
    cacheDir: null,
    pythons: [],
    positional: [],
  };
  const fail = (message: string): null => {
    io.stderr(`pinsight: ${message}\n\n${usage}\n`);
    return null;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const takesValue = ["--format", "-i", "--index-url", "--extra-index-url", "--cache-dir", "--python"].includes(flag);
    let value: string | undefined;
    if (takesValue) {
      value = eq > 0 ? arg.slice(eq + 1) : args[++i];
      if (value === undefined || value === "") return fail(`${flag} needs a value`);
    }
    switch (flag) {
      case "--format":
        if (value !== "text" && value !== "json" && value !== "github" && value !== "sarif")
          return fail("--format must be 'text', 'json', 'github' or 'sarif'");
        options.format = value;
        break;
      case "-i":
      case "--index-url":
        options.indexUrl = value ?? null;
        break;
      case "--extra-index-url":
        if (value !== undefined) options.extraIndexUrls.push(value);
        break;
      case "--cache-dir":
        options.cacheDir = value ?? null;
        break;
      case "--python":
        for (const python of (value ?? "").split(",")) {
          const trimmed = python.trim();
          if (!/^\d+(\.\d+){0,2}$/.test(trimmed))
            return fail(`--python takes versions like 3.8 or 3.8,3.12, not '${trimmed}'`);
          if (!options.pythons.includes(trimmed)) options.pythons.push(trimmed);
        }
        break;
      case "--offline":
        options.offline = true;
        break;
      case "--write":
        options.write = true;
        break;
      case "--":
        options.positional.push(...args.slice(i + 1));
        i = args.length;
        break;
      default:
        if (arg.startsWith("-") && arg !== "-") return fail(`unknown option '${arg}'`);
        options.positional.push(arg);
    }
  }
  return options;
}

/** The settings the CLI flags stand for: `--index-url` acts like the `pinsight.index.url` setting. */
function cliSettings(options: CliOptions): Settings {
  return {
    ...defaultSettings,
    index: { ...defaultSettings.index, url: options.indexUrl, extraUrls: options.extraIndexUrls },
    offline: options.offline,
  };
}

function cliRuntime(options: CliOptions, io: CliIo, certFiles: readonly string[]): IndexRuntime {
  const home = io.home ?? os.homedir();
  return createIndexRuntime({
    cacheDirectory: options.cacheDir ?? defaultCacheDirectory(io.env, process.platform, home),
    offline: options.offline,
    extraCaFiles: certFiles,
    env: io.env,
    home,
    log: () => undefined,
  });
}

/** Fetches what the trees need through the same service the server uses, then snapshots it. */
async function indexSnapshot(
  runtime: IndexRuntime,
  targets: IndexTargets,
  names: Iterable<string>,
): Promise<{ service: IndexService; snapshot: IndexSnapshot }> {
  const service = new IndexService(runtime.client, {
    onData: () => undefined,
    onStatus: () => undefined,
    log: () => undefined,
  });
  service.prefetch(targets.indexes, names);
  await service.idle();
  return { service, snapshot: service.snapshot(targets.indexes, targets.findLinks) };
}

async function runVersions(options: CliOptions, io: CliIo): Promise<number> {
  if (options.positional.length !== 1) {
    io.stderr(`pinsight: versions takes exactly one package name\n\n${usage}\n`);
    return 2;
  }
  const given = options.positional[0] ?? "";
  if (!isValidName(given)) {
    io.stderr(`pinsight: '${given}' is not a valid package name\n`);
    return 2;
  }
  const name = normalizeName(given);
  // Python versions are PEP 440 versions: "3.10" sorts after "3.9".
  const pythons = [...options.pythons].sort((a, b) => {
    const va = parseVersion(a);
    const vb = parseVersion(b);
    return va && vb ? compareVersions(va, vb) : 0;
  });
  const home = io.home ?? os.homedir();
  const pip = await loadPipEnvironment(io.env, () => undefined, home);
  const targets = resolveIndexTargets(null, null, cliSettings(options), pip, { trusted: true, folders: [io.cwd] });
  if (targets.indexes.length === 0 && targets.findLinks.length === 0) {
    io.stderr(`pinsight: no package index is configured (--no-index in pip configuration)\n`);
    return 2;
  }
  const runtime = cliRuntime(options, io, pip.certFiles);
  try {
    const { service, snapshot } = await indexSnapshot(runtime, targets, [name]);
    service.dispose();
    const view = snapshot.view(name);
    if (!view || view.state === "error" || view.state === "pending") {
      io.stderr(
        `pinsight: could not get ${name} from the index: ${terminalText(view?.errors.join("; ") ?? "no answer")}\n`,
      );
      return 2;
    }
    if (view.state === "not-found") {
      io.stderr(`pinsight: ${name} is not on ${targets.indexes.map((i) => i.display).join(", ")}\n`);
      return 1;
    }
    const report = versionsReport(view, pythons);
    if (options.format === "json") io.stdout(`${inertJson(JSON.stringify(report, null, 2))}\n`);
    else io.stdout(formatVersionsText(report, pythons));
    if (view.errors.length > 0)
      io.stderr(`pinsight: some indexes could not be asked: ${terminalText(view.errors.join("; "))}\n`);
    return 0;
  } finally {
    await runtime.close();
  }
}

/** One analysed root file: its tree, targets and findings per file of the tree. */
interface CheckedFile {
  readonly given: string;
  readonly absolute: string;
  /** For lock files: the parsed lock (the tree then holds just the empty root file). */
  readonly lock?: ParsedLock;
  readonly tree: RequirementsTree;
  readonly targets: Targets;
  readonly snapshot: IndexSnapshot;
  readonly findings: { file: string; finding: Finding }[];
}

/**
 * Reads, parses and analyses each file with the same core as the editor: index findings, then the
 * dependency analysis twice — the first pass starts the Python-support searches (per-version metadata
 * by bisection), the second reads their results once they are all in.
 */
async function analyseFiles(files: readonly string[], options: CliOptions, io: CliIo): Promise<CheckedFile[] | number> {
  const home = io.home ?? os.homedir();
  const pip = await loadPipEnvironment(io.env, () => undefined, home);
  const settings = cliSettings(options);
  const parsed: {
    given: string;
    absolute: string;
    tree: RequirementsTree;
    lock?: ParsedLock;
    targets: IndexTargets;
    python: Targets;
    /** Drift between a manifest and its lock (found without the index). */
    drift?: Finding[];
    /** Versions in the lock next to a manifest or requirements file, for "Pin to locked". */
    nearby?: NearbyLock | null;
  }[] = [];
  const nearbyFiles = new NearbyFiles(() => undefined);
  for (const given of files) {
    const absolute = path.resolve(io.cwd, given);
    const read = readRequirementsFromDisk(absolute);
    if (read.kind !== "bytes") {
      const reason = read.kind === "missing" ? "no such file" : read.kind === "text" ? "" : read.reason;
      io.stderr(`pinsight: cannot read ${given}: ${reason}\n`);
      return 2;
    }
    const text = new TextDecoder("utf-8").decode(read.bytes);
    const format = lockFormatOf(path.basename(absolute), text);
    const python = await cliTargets(options, absolute, io.cwd);
    const directory = path.dirname(absolute);
    if (format === "pyproject.toml" || format === "Pipfile") {
      const manifest = parseManifest(format, absolute, text.replace(/^\ufeff/, ""));
      const tree = manifest.tree;
      const targets = resolveIndexTargets(tree, absolute, settings, withoutPipConfiguration(pip), {
        trusted: true,
        folders: [io.cwd],
      });
      const nearby = nearbyFiles.lockNear(directory, lockCandidates(format, manifest.tool));
      const drift = nearby ? manifestDrift(tree, absolute, nearby) : [];
      parsed.push({ given, absolute, tree, targets, python, drift, nearby });
      continue;
    }
    if (format !== null && format !== "pip-compile") {
      const lock = parseLock(format, text.replace(/^\ufeff/, ""));
      const manifestName = format === "Pipfile.lock" ? "Pipfile" : "pyproject.toml";
      const manifest = nearbyFiles.manifestNear(directory, manifestName);
      const drift = manifest ? lockDrift(lock, manifestName, manifest) : [];
      const stale = staleFinding(lock, manifestName, nearbyFiles.manifestData(directory, manifestName), sha256Hex);
      if (stale) drift.push(stale);
      const empty = parseRequirementsTree(absolute, {
        resolve: (_f, t) => t,
        read: () => ({ kind: "text", text: "" }),
      });
      const targets = resolveIndexTargets(null, absolute, settings, withoutPipConfiguration(pip), {
        trusted: true,
        folders: [io.cwd],
      });
      parsed.push({ given, absolute, tree: empty, lock, targets, python, drift });
      continue;
    }
    const tree = parseRequirementsTree(absolute, createIncludeReader(), { env: io.env });
    const targets = resolveIndexTargets(tree, absolute, settings, pip, { trusted: true, folders: [io.cwd] });
    const nearby = nearbyFiles.lockNear(directory, lockCandidates("requirements"));
    parsed.push({ given, absolute, tree, targets, python, nearby });
  }

  const runtime = cliRuntime(options, io, pip.certFiles);
  const checked: CheckedFile[] = [];
  try {
    for (const { given, absolute, tree, lock, targets, python, drift, nearby } of parsed) {
      if (lock !== undefined) {
        const result = await analyseLock(runtime, given, absolute, tree, lock, targets, python);
        result.findings.push(...(drift ?? []).map((finding) => ({ file: absolute, finding })));
        result.findings.sort((a, b) => a.finding.span.start - b.finding.span.start);
        checked.push(result);
        continue;
      }
      const names = new Set<string>();
      for (const r of tree.requirements) {
        if (r.entry.normalizedName !== undefined && r.entry.form === "pep508") names.add(r.entry.normalizedName);
      }
      const { service, snapshot } = await indexSnapshot(runtime, targets, names);
      const analyse = (): { file: string; finding: Finding }[] => {
        const findings: { file: string; finding: Finding }[] = [];
        for (const file of Object.keys(tree.files)) {
          let own = analyzeFile(tree, file);
          own.push(
            ...indexFindings(
              tree.requirements.filter((r) => r.file === file),
              snapshot,
            ),
          );
          own = dependencyFindings(own, tree, file, snapshot, {
            targets: python,
            ...(nearby ? { locked: { versions: lockedVersions(nearby.lock), label: nearby.name } } : {}),
          });
          if (file === absolute && drift) {
            own.push(...drift);
            own.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
          }
          for (const finding of own) findings.push({ file, finding });
        }
        // The JSON contract reports each requirement's support timeline: start those searches too.
        for (const requirement of tree.requirements)
          requirementInsight(requirement, tree, snapshot, python, { full: true });
        return findings;
      };
      // Each pass may start more work (support searches, a pinned release's metadata, then its
      // dependencies' pages); a few passes reach the fixed point.
      let findings = analyse();
      for (let pass = 0; pass < 4 && service.busy(); pass++) {
        await service.idle();
        findings = analyse();
      }
      service.dispose();
      checked.push({ given, absolute, tree, targets: python, snapshot, findings });
    }
  } finally {
    await runtime.close();
  }
  return checked;
}

/** A lock file through the same analysis as the editor, with the support timeline of every entry. */
async function analyseLock(
  runtime: IndexRuntime,
  given: string,
  absolute: string,
  tree: RequirementsTree,
  lock: ParsedLock,
  targets: IndexTargets,
  python: Targets,
): Promise<CheckedFile> {
  const names = new Set(lock.entries.filter((e) => e.version !== null).map((e) => e.normalizedName));
  const { service, snapshot } = await indexSnapshot(runtime, targets, names);
  const lockPython = lockTargets(lock, python);
  const analyse = (): { file: string; finding: Finding }[] => {
    for (const entry of lock.entries) {
      const view = snapshot.view(entry.normalizedName);
      if (view?.state !== "found") continue;
      for (const target of lockPython.versions) snapshot.support?.(entry.normalizedName, view.releases, target);
    }
    return lockFindings(lock, snapshot, { targets: python }).map((finding) => ({ file: absolute, finding }));
  };
  let findings = analyse();
  for (let pass = 0; pass < 4 && service.busy(); pass++) {
    await service.idle();
    findings = analyse();
  }
  service.dispose();
  return { given, absolute, lock, tree, targets: lockPython, snapshot, findings };
}

/** `--python` when given, else what the files around the requirements file say, else the default. */
async function cliTargets(options: CliOptions, file: string, cwd: string): Promise<Targets> {
  if (options.pythons.length > 0) {
    return {
      versions: sortPythons(options.pythons.map((p) => p.split(".").slice(0, 2).join("."))),
      source: "--python",
    };
  }
  const directory = path.dirname(file);
  const relative = path.relative(cwd, directory);
  const stopAt = relative.startsWith("..") || path.isAbsolute(relative) ? null : cwd;
  const detected = detectTargetPython(await readTargetPythonSources(directory, stopAt), []);
  if (detected && detected.versions.length > 0) {
    return {
      versions: sortPythons(detected.versions),
      source: detected.detail ? `${detected.source} ${detected.detail}` : detected.source,
    };
  }
  return { versions: [defaultTarget], source: "default (use --python)" };
}

async function runCheck(options: CliOptions, io: CliIo): Promise<number> {
  const format = options.format;
  const files = options.positional;
  if (files.length === 0) {
    io.stderr(`pinsight: no files given\n\n${usage}\n`);
    return 2;
  }
  const checked = await analyseFiles(files, options, io);
  if (typeof checked === "number") return checked;

  const display = (file: string): string => {
    const relative = path.relative(io.cwd, file);
    return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
  };
  const lineIndexes = new Map<string, LineIndex>();
  const lockTexts = new Map(checked.flatMap((c) => (c.lock ? [[c.absolute, c.lock.text] as const] : [])));
  const lines = (tree: RequirementsTree, file: string): LineIndex => {
    let index = lineIndexes.get(file);
    if (index === undefined) {
      index = new LineIndex(lockTexts.get(file) ?? tree.files[file]?.text ?? "");
      lineIndexes.set(file, index);
    }
    return index;
  };

  let errors = 0;
  let warnings = 0;
  const json = checked.map((report) => {
    const diagnostics: JsonDiagnostic[] = report.findings.map(({ file, finding }) => {
      const index = lines(report.tree, file);
      const start = index.positionAt(finding.span.start);
      const end = index.positionAt(finding.span.end);
      if (finding.severity === "error") errors++;
      else if (finding.severity === "warning") warnings++;
      return {
        code: finding.code,
        severity: finding.severity,
        message: finding.message,
        file: display(file),
        line: start.line + 1,
        range: { start, end },
        package: finding.package,
      };
    });
    if (report.lock !== undefined) {
      return {
        path: report.given,
        format: report.lock.format,
        python: report.targets.versions,
        pythonSource: report.targets.source,
        requirements: lockRequirements(report, report.lock, lines(report.tree, report.absolute), display),
        diagnostics,
      };
    }
    // pip-compile output is a lock too: its lines are marked locked, with the `# via` chains.
    const rootText = report.tree.files[report.absolute]?.text ?? "";
    const compiled = isPipCompileOutput(rootText)
      ? locateOrigins(parsePipCompile(rootText), (relative) =>
          new NearbyFiles(() => undefined).text(path.resolve(path.dirname(report.absolute), relative)),
        )
      : undefined;
    const requirements = report.tree.requirements.map((r) => {
      const insight = requirementInsight(r, report.tree, report.snapshot, report.targets, { full: true });
      const lockFields =
        compiled !== undefined && r.file === report.absolute && r.entry.normalizedName !== undefined
          ? {
              locked: true,
              requiredBy: requiredBy(compiled, r.entry.normalizedName).map((chain) => chain.join(" ← ")),
            }
          : {};
      const resolved: Record<string, string | null> = {};
      const pythonSupport: {
        target: string;
        lastSupported: string | null;
        droppedIn: string | null;
        declared: boolean;
        evidence: string | null;
      }[] = [];
      for (const t of insight?.perTarget ?? []) {
        resolved[t.target] = t.resolution.version;
        if (t.support) {
          pythonSupport.push({
            target: t.target,
            lastSupported: t.support.lastSupported,
            droppedIn: t.support.droppedIn,
            declared: t.support.declared,
            evidence: t.support.evidence,
          });
        }
      }
      return {
        file: display(r.file),
        line: lines(report.tree, r.file).positionAt(r.entry.span.start).line + 1,
        name: r.entry.name?.value ?? null,
        normalized: r.entry.normalizedName ?? null,
        extras: r.entry.extras.map((e) => e.value),
        specifier: r.entry.specifier?.value ?? "",
        marker: r.entry.marker?.value ?? null,
        url: r.entry.url?.value ?? null,
        editable: r.entry.editable,
        constraint: r.constraint,
        hashes: r.entry.hashes.map((h) => `${h.algorithm}:${h.digest}`),
        resolved,
        latest: insight?.latest?.version ?? null,
        pythonSupport,
        ...lockFields,
      };
    });
    return {
      path: report.given,
      python: report.targets.versions,
      pythonSource: report.targets.source,
      requirements,
      diagnostics,
    };
  });

  const all = json.flatMap((file) => file.diagnostics);
  if (format === "json") {
    io.stdout(`${inertJson(JSON.stringify({ files: json }, null, 2))}\n`);
  } else if (format === "github") {
    io.stdout(formatGithub(all.map(reportDiagnostic)));
  } else if (format === "sarif") {
    const rules = findingCodes.map((code) => ({
      id: code,
      description: ruleDescriptions[code],
      defaultLevel: sarifLevel(defaultSeverities[code]),
    }));
    const log = formatSarif(
      all.map(reportDiagnostic),
      { name: "Pinsight", version: pinsightVersion, informationUri: "https://example.invalid/pinsight" },
      rules,
    );
    io.stdout(`${inertJson(JSON.stringify(log, null, 2))}\n`);
  } else {
    for (const file of json) {
      io.stdout(
        `${terminalText(`${file.path}: target Python ${file.python.join(", ")} (from ${file.pythonSource})`)}\n`,
      );
      for (const d of file.diagnostics) {
        io.stdout(
          `${terminalText(`${d.file}:${d.line}:${d.range.start.character + 1}: ${d.severity} [${d.code}] ${d.message}`)}\n`,
        );
      }
    }
    const count = json.reduce((n, f) => n + f.requirements.length, 0);
    io.stdout(
      `${json.length} file${json.length === 1 ? "" : "s"} checked, ${count} requirement${count === 1 ? "" : "s"}: ` +
        `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}.\n`,
    );
  }
  return errors > 0 ? 1 : 0;
}

/** Lock entries in the JSON contract's `requirements` shape, marked `locked`, with `requiredBy`. */
function lockRequirements(
  report: CheckedFile,
  lock: ParsedLock,
  index: LineIndex,
  display: (file: string) => string,
): Record<string, unknown>[] {
  return lock.entries.map((entry) => {
    const view = report.snapshot.view(entry.normalizedName);
    const latest =
      view?.state === "found"
        ? (view.releases.find((r) => !r.legacy && !r.yanked && cachedVersion(r.version)?.isPrerelease === false)
            ?.version ?? null)
        : null;
    const pythonSupport = [];
    for (const target of report.targets.versions) {
      const support =
        view?.state === "found" ? report.snapshot.support?.(entry.normalizedName, view.releases, target) : null;
      if (support) {
        pythonSupport.push({
          target,
          lastSupported: support.lastSupported,
          droppedIn: support.droppedIn,
          declared: support.declared,
          evidence: support.evidence,
        });
      }
    }
    return {
      file: display(report.absolute),
      line: index.positionAt(entry.span.start).line + 1,
      name: entry.name.value,
      normalized: entry.normalizedName,
      extras: [],
      specifier: entry.version ? `==${entry.version.value}` : "",
      marker: entry.marker,
      url: entry.source.kind === "registry" || entry.source.kind === "unknown" ? null : entry.source.url,
      editable: entry.source.kind === "editable",
      constraint: false,
      hashes: entry.hashes.map((h) => `${h.algorithm}:${h.digest}`),
      resolved: Object.fromEntries(report.targets.versions.map((t) => [t, entry.version?.value ?? null])),
      latest,
      pythonSupport,
      locked: true,
      groups: entry.groups,
      requiredBy: requiredBy(lock, entry.normalizedName).map((chain) => chain.join(" ← ")),
    };
  });
}

/**
 * One line of text output. Messages quote package indexes (a yank reason, an error body) and the
 * checked files, which in CI come from a pull request: control characters (an ANSI escape could
 * rewrite the terminal or the job log) and bidirectional overrides are replaced, and the line is
 * capped so one hostile string cannot flood the log.
 */
function terminalText(text: string): string {
  return plainText(text, 4000);
}

/**
 * JSON output that is also safe on a terminal. `JSON.stringify` escapes C0 controls but leaves DEL,
 * C1 controls (U+009B acts as CSI on some terminals), line separators and bidirectional overrides as
 * they are; they only occur inside strings, where `\uXXXX` is the same value to a JSON reader.
 */
function inertJson(json: string): string {
  return json.replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function reportDiagnostic(d: JsonDiagnostic): ReportDiagnostic {
  return {
    code: d.code,
    severity: d.severity as ReportDiagnostic["severity"],
    message: d.message,
    file: d.file.split(path.sep).join("/"),
    range: d.range,
    package: d.package,
  };
}

function sarifLevel(severity: string): "error" | "warning" | "note" {
  return severity === "error" ? "error" : severity === "warning" ? "warning" : "note";
}

/** One-line rule descriptions for SARIF consumers (code scanning shows them). */
const ruleDescriptions: Readonly<Record<FindingCode, string>> = {
  syntax: "A line pip cannot parse.",
  unpinned: "A requirement without a version: a fresh install takes whatever is newest.",
  range: "A specifier that admits more than one release.",
  "include-missing": "A -r/-c include that cannot be read.",
  "include-cycle": "Includes that form a cycle.",
  duplicate: "The same package required with different specifiers.",
  "hash-missing": "Hash-checking mode is on and the requirement cannot be verified.",
  "orphan-hash": "A --hash without a requirement it applies to.",
  encoding: "The file's encoding is not what pip expects.",
  "unknown-package": "No configured index has the package.",
  "unknown-version": "The pinned version does not exist on the index.",
  yanked: "The pinned release was yanked.",
  "index-unreachable": "The package index could not be reached.",
  "dependency-confusion": "A private package name also exists on a public index.",
  "python-support": "The version installed does not support a target Python.",
  outdated: "A newer release exists than the pinned one.",
  "transitive-range": "A dependency of a pinned package is only loosely bounded.",
  "not-applicable": "The requirement's marker excludes every target Python.",
  vulnerable: "The locked or pinned release has known vulnerabilities.",
  "hash-mismatch": "A locked file hash is not among the index's hashes for that release.",
  "lock-drift": "The manifest's requirement is not satisfied by the locked version.",
  "lock-missing": "A manifest requirement has no entry in the lock file.",
  "lock-stale": "The lock file's content hash no longer matches the manifest.",
};

async function runPin(options: CliOptions, io: CliIo): Promise<number> {
  if (options.positional.length !== 1) {
    io.stderr(`pinsight: pin takes exactly one file\n\n${usage}\n`);
    return 2;
  }
  const checked = await analyseFiles(options.positional, options, io);
  if (typeof checked === "number") return checked;
  const report = checked[0];
  if (report === undefined) return 2;
  const parsed = report.tree.files[report.absolute];
  if (parsed === undefined) return 2;
  const own = report.findings.filter((f) => f.file === report.absolute).map((f) => f.finding);
  const edits = preferredPinEdits(own, parsed);
  if (edits.length === 0) {
    io.stderr(`pinsight: nothing to pin in ${report.given}\n`);
    return 0;
  }
  const updated = applyEdits(parsed.text, edits);
  if (options.write) {
    if (parsed.encoding !== "utf-8" && parsed.encoding !== "utf-8-sig" && parsed.encoding !== "ascii") {
      io.stderr(`pinsight: ${report.given} is ${parsed.encoding}; rewrite it as UTF-8 first\n`);
      return 2;
    }
    const bom = parsed.encoding === "utf-8-sig" ? "\ufeff" : "";
    fs.writeFileSync(report.absolute, bom + updated, "utf8");
    io.stderr(`pinsight: pinned ${edits.length} requirement${edits.length === 1 ? "" : "s"} in ${report.given}\n`);
  } else {
    io.stdout(unifiedDiff(report.given, parsed.text, edits));
  }
  return 0;
}

/** A unified diff (no context lines) of the lines the edits touch. */
function unifiedDiff(name: string, text: string, edits: readonly TextEdit[]): string {
  const index = new LineIndex(text);
  const hunks: { first: number; last: number; edits: TextEdit[] }[] = [];
  for (const edit of [...edits].sort((a, b) => a.span.start - b.span.start)) {
    const first = index.positionAt(edit.span.start).line;
    const last = index.positionAt(edit.span.end).line;
    const previous = hunks[hunks.length - 1];
    if (previous && first <= previous.last) {
      previous.last = Math.max(previous.last, last);
      previous.edits.push(edit);
    } else hunks.push({ first, last, edits: [edit] });
  }
  const oldLines = text.split(/\r?\n/);
  let out = `--- a/${name}\n+++ b/${name}\n`;
  let shift = 0;
  for (const hunk of hunks) {
    const start = index.offsetAt({ line: hunk.first, character: 0 });
    const before = oldLines.slice(hunk.first, hunk.last + 1);
    const end = start + before.join("\n").length;
    const local = hunk.edits.map((e) => ({
      span: { start: e.span.start - start, end: e.span.end - start },
      newText: e.newText,
    }));
    const after = applyEdits(text.slice(start, end).replace(/\r\n/g, "\n"), local).split(/\r?\n/);
    out += `@@ -${hunk.first + 1},${before.length} +${hunk.first + 1 + shift},${after.length} @@\n`;
    out += before.map((l) => `-${l.replace(/\r$/, "")}\n`).join("");
    out += after.map((l) => `+${l}\n`).join("");
    shift += after.length - before.length;
  }
  return out;
}

if (require.main === module) {
  void runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`pinsight: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}

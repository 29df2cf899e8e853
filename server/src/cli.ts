import * as os from "node:os";
import * as path from "node:path";
import { analyzeFile } from "./core/analysis/analyze";
import type { Finding } from "./core/analysis/findings";
import { indexFindings, type IndexSnapshot } from "./core/analysis/indexFindings";
import { formatVersionsText, versionsReport } from "./core/analysis/versionsReport";
import { normalizeName, isValidName } from "./core/parsing/names";
import { compareVersions, parseVersion } from "./core/pep440/version";
import { IndexService } from "./indexService";
import { loadPipEnvironment, resolveIndexTargets, type IndexTargets } from "./indexTargets";
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
       pinsight versions NAME [--python X.Y[,X.Y...]] [options]

check     checks pip requirements files (following -r/-c includes) and reports the
          same diagnostics as the editor, including the package-index checks.
versions  lists a package's releases newest first, with requires-python, yanked
          status, upload date, file kinds and whether each Python can install it.

Options:
  --format text|json        output format (default: text)
  -i, --index-url URL       the primary package index (a -i line in a file wins)
  --extra-index-url URL     an extra index; may be repeated
  --offline                 answer from the cache only; never contact an index
  --cache-dir DIR           where index responses are cached
                            (default: $XDG_CACHE_HOME/pinsight/index)
  --python X.Y[,X.Y...]     (versions) the Pythons to check compatibility for
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
  format: "text" | "json";
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
  if (command !== "check" && command !== "versions") {
    io.stderr(`pinsight: unknown command '${command ?? ""}'\n\n${usage}\n`);
    return 2;
  }
  const options = parseOptions(args, io);
  if (options === null) return 2;
  if (command === "versions") return runVersions(options, io);
  return runCheck(options, io);
}

function parseOptions(args: readonly string[], io: CliIo): CliOptions | null {
  const options: CliOptions = {
    format: "text",
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
        if (value !== "text" && value !== "json") return fail("--format must be 'text' or 'json'");
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
): Promise<IndexSnapshot> {
  const service = new IndexService(runtime.client, {
    onData: () => undefined,
    onStatus: () => undefined,
    log: () => undefined,
  });
  service.prefetch(targets.indexes, names);
  await service.idle();
  service.dispose();
  return service.snapshot(targets.indexes, targets.findLinks);
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
    const view = (await indexSnapshot(runtime, targets, [name])).view(name);
    if (!view || view.state === "error" || view.state === "pending") {
      io.stderr(`pinsight: could not get ${name} from the index: ${view?.errors.join("; ") ?? "no answer"}\n`);
      return 2;
    }
    if (view.state === "not-found") {
      io.stderr(`pinsight: ${name} is not on ${targets.indexes.map((i) => i.display).join(", ")}\n`);
      return 1;
    }
    const report = versionsReport(view, pythons);
    if (options.format === "json") io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    else io.stdout(formatVersionsText(report, pythons));
    if (view.errors.length > 0) io.stderr(`pinsight: some indexes could not be asked: ${view.errors.join("; ")}\n`);
    return 0;
  } finally {
    await runtime.close();
  }
}

async function runCheck(options: CliOptions, io: CliIo): Promise<number> {
  const format = options.format;
  const files = options.positional;
  if (files.length === 0) {
    io.stderr(`pinsight: no files given\n\n${usage}\n`);
    return 2;
  }

  const home = io.home ?? os.homedir();
  const pip = await loadPipEnvironment(io.env, () => undefined, home);
  const settings = cliSettings(options);
  const trees: { given: string; absolute: string; tree: RequirementsTree; targets: IndexTargets }[] = [];
  for (const given of files) {
    const absolute = path.resolve(io.cwd, given);
    const read = readRequirementsFromDisk(absolute);
    if (read.kind !== "bytes") {
      const reason = read.kind === "missing" ? "no such file" : read.kind === "text" ? "" : read.reason;
      io.stderr(`pinsight: cannot read ${given}: ${reason}\n`);
      return 2;
    }
    const tree = parseRequirementsTree(absolute, createIncludeReader(), { env: io.env });
    const targets = resolveIndexTargets(tree, absolute, settings, pip, { trusted: true, folders: [io.cwd] });
    trees.push({ given, absolute, tree, targets });
  }

  const runtime = cliRuntime(options, io, pip.certFiles);
  const reports: { path: string; tree: RequirementsTree; findings: { file: string; finding: Finding }[] }[] = [];
  try {
    for (const { given, tree, targets } of trees) {
      const names = new Set<string>();
      for (const r of tree.requirements) {
        if (r.entry.normalizedName !== undefined && r.entry.form === "pep508") names.add(r.entry.normalizedName);
      }
      const snapshot = await indexSnapshot(runtime, targets, names);
      const findings: { file: string; finding: Finding }[] = [];
      for (const file of Object.keys(tree.files)) {
        const own = analyzeFile(tree, file);
        own.push(
          ...indexFindings(
            tree.requirements.filter((r) => r.file === file),
            snapshot,
          ),
        );
        own.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
        for (const finding of own) findings.push({ file, finding });
      }
      reports.push({ path: given, tree, findings });
    }
  } finally {
    await runtime.close();
  }

  const display = (file: string): string => {
    const relative = path.relative(io.cwd, file);
    return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
  };
  const lineIndexes = new Map<string, LineIndex>();
  const lines = (tree: RequirementsTree, file: string): LineIndex => {
    let index = lineIndexes.get(file);
    if (index === undefined) {
      index = new LineIndex(tree.files[file]?.text ?? "");
      lineIndexes.set(file, index);
    }
    return index;
  };

  let errors = 0;
  let warnings = 0;
  const json = reports.map((report) => {
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
    const requirements = report.tree.requirements.map((r) => ({
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
    }));
    return { path: report.path, requirements, diagnostics };
  });

  if (format === "json") {
    io.stdout(`${JSON.stringify({ files: json }, null, 2)}\n`);
  } else {
    for (const file of json) {
      for (const d of file.diagnostics) {
        io.stdout(`${d.file}:${d.line}:${d.range.start.character + 1}: ${d.severity} [${d.code}] ${d.message}\n`);
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

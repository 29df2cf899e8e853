import * as path from "node:path";
import { analyzeFile } from "./core/analysis/analyze";
import type { Finding } from "./core/analysis/findings";
import { parseRequirementsTree } from "./core/parsing/requirementsFile";
import type { RequirementsTree } from "./core/parsing/requirementsModel";
import { LineIndex } from "./core/text/lineIndex";
import { createIncludeReader, readRequirementsFromDisk } from "./node/includeReader";
import { pinsightVersion } from "./version";

/**
 * `pinsight check` runs the editor's analysis in CI. Exit codes: 0 when no finding has error
 * severity, 1 when one does, 2 for usage errors and unreadable files.
 */

const usage = `Usage: pinsight check [--format text|json] [--offline] FILE...

Checks pip requirements files (following -r/-c includes) and reports the same
diagnostics as the editor.

Options:
  --format text|json   output format (default: text)
  --offline            never contact a package index (the default for now)
  -h, --help           show this help
  -V, --version        show the version

Exit status: 0 no error-level finding, 1 at least one, 2 usage error or unreadable file.`;

interface CliIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
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
export function runCli(argv: readonly string[], io: CliIo): number {
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
  if (command !== "check") {
    io.stderr(`pinsight: unknown command '${command ?? ""}'\n\n${usage}\n`);
    return 2;
  }
  let format: "text" | "json" = "text";
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--format" || arg.startsWith("--format=")) {
      const value = arg === "--format" ? args[++i] : arg.slice("--format=".length);
      if (value !== "text" && value !== "json") {
        io.stderr(`pinsight: --format must be 'text' or 'json'\n`);
        return 2;
      }
      format = value;
    } else if (arg === "--offline") {
      // Accepted for forward compatibility: this version never contacts an index.
    } else if (arg === "--") {
      files.push(...args.slice(i + 1));
      break;
    } else if (arg.startsWith("-") && arg !== "-") {
      io.stderr(`pinsight: unknown option '${arg}'\n\n${usage}\n`);
      return 2;
    } else {
      files.push(arg);
    }
  }
  if (files.length === 0) {
    io.stderr(`pinsight: no files given\n\n${usage}\n`);
    return 2;
  }

  const reports: { path: string; tree: RequirementsTree; findings: { file: string; finding: Finding }[] }[] = [];
  for (const given of files) {
    const absolute = path.resolve(io.cwd, given);
    const read = readRequirementsFromDisk(absolute);
    if (read.kind !== "bytes") {
      const reason = read.kind === "missing" ? "no such file" : read.kind === "text" ? "" : read.reason;
      io.stderr(`pinsight: cannot read ${given}: ${reason}\n`);
      return 2;
    }
    const tree = parseRequirementsTree(absolute, createIncludeReader(), { env: io.env });
    const findings: { file: string; finding: Finding }[] = [];
    for (const file of Object.keys(tree.files)) {
      for (const finding of analyzeFile(tree, file)) findings.push({ file, finding });
    }
    reports.push({ path: given, tree, findings });
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
  process.exitCode = runCli(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}

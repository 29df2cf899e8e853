/**
 * Pure formatters that turn `pinsight check` diagnostics into the two formats CI systems read:
 * GitHub Actions workflow commands (annotations in the job log and on the pull request) and a SARIF
 * 2.1.0 log (GitHub code scanning and other SARIF consumers). They take plain data and return a
 * string or a plain object, so the CLI decides where the output goes and this module stays free of
 * I/O, as everything under server/src/core must be.
 */

/** One diagnostic as the CLI reports it, already relative to the repository root. */
export interface ReportDiagnostic {
  /** The stable finding code, e.g. "unpinned"; users and rules refer to findings by it. */
  readonly code: string;
  readonly severity: "error" | "warning" | "information" | "hint";
  /** The message may quote text from a package index (a yank reason, say), so it is untrusted. */
  readonly message: string;
  /** The path relative to the repository root, with forward slashes. */
  readonly file: string;
  /** A 0-based LSP range whose characters are UTF-16 code units, with an exclusive end. */
  readonly range: {
    start: { line: number; character: number };
    end: { line: number; character: number };
  };
  readonly package: string | null;
}

/** The tool that produced a SARIF log, as SARIF's `tool.driver` names it. */
export interface SarifToolInfo {
  readonly name: string;
  readonly version: string;
  readonly informationUri: string;
}

export type SarifLevel = "error" | "warning" | "note" | "none";

/** A rule that SARIF results can point at, usually one per finding code. */
export interface SarifRuleInfo {
  readonly id: string;
  readonly description: string;
  readonly defaultLevel: SarifLevel;
}

/** The subset of SARIF 2.1.0 that `formatSarif` writes; see the OASIS SARIF 2.1.0 specification. */
export interface SarifLog {
  readonly $schema: string;
  readonly version: "2.1.0";
  readonly runs: readonly SarifRun[];
}

export interface SarifRun {
  readonly tool: {
    readonly driver: {
      readonly name: string;
      readonly version: string;
      readonly informationUri: string;
      readonly rules: readonly SarifReportingDescriptor[];
    };
  };
  readonly columnKind: "utf16CodeUnits";
  readonly results: readonly SarifResult[];
}

export interface SarifReportingDescriptor {
  readonly id: string;
  readonly shortDescription: { readonly text: string };
  readonly defaultConfiguration: { readonly level: SarifLevel };
}

export interface SarifResult {
  readonly ruleId: string;
  readonly ruleIndex?: number;
  readonly level: SarifLevel;
  readonly message: { readonly text: string };
  readonly locations: readonly {
    readonly physicalLocation: {
      readonly artifactLocation: { readonly uri: string; readonly uriBaseId: "%SRCROOT%" };
      readonly region: {
        readonly startLine: number;
        readonly startColumn: number;
        readonly endLine: number;
        readonly endColumn: number;
      };
    };
  }[];
  readonly partialFingerprints: Readonly<Record<string, string>>;
}

/** The name under which results carry Pinsight's own fingerprint; bump the version if its key changes. */
export const fingerprintName = "pinsight/v1";

// ---------------------------------------------------------------------------------------------
// GitHub Actions workflow commands
// ---------------------------------------------------------------------------------------------

/**
 * Control characters other than CR and LF (which are escaped instead): C0, DEL and C1. They are
 * removed because the runner echoes the command into the job log, where an ESC or a C1 CSI could
 * drive the terminal of whoever reads a downloaded log, and none of them carries meaning in a
 * finding. Tab is a C0 character too and goes with the rest, since a message is a single line.
 */
// eslint-disable-next-line no-control-regex -- Matching control characters is the point of this pattern.
const otherControlCharacters = /[\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * Escapes a command's data (the text after the second `::`) the way @actions/core's `escapeData`
 * does. `%` goes first so that the escapes it introduces are not themselves escaped; CR and LF are
 * escaped because a raw line break would end the command and let the rest of an untrusted message
 * start a new workflow command of its own.
 */
function escapeData(text: string): string {
  return text.replace(otherControlCharacters, "").replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/**
 * Escapes a property value the way @actions/core's `escapeProperty` does: like data, and also `:`
 * and `,`, which would otherwise end the property list or the property.
 */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** Maps a severity to the workflow command that creates an annotation of the matching kind. */
function githubCommand(severity: ReportDiagnostic["severity"]): "error" | "warning" | "notice" {
  switch (severity) {
    case "error":
      return "error";
    case "warning":
      return "warning";
    case "information":
    case "hint":
      // GitHub has no hint annotation; a notice is the mildest kind it shows.
      return "notice";
  }
}

/**
 * Converts a 0-based LSP line or character to a 1-based one. A negative or fractional value cannot
 * come from a real range, but clamping keeps the output valid (SARIF requires positions ≥ 1) rather
 * than passing a malformed position on to the consumer.
 */
function oneBased(zeroBased: number): number {
  return Number.isFinite(zeroBased) ? Math.max(0, Math.trunc(zeroBased)) + 1 : 1;
}

/** A 1-based region with an exclusive end column, the shape both SARIF and GitHub annotations use. */
interface OneBasedRegion {
  readonly startLine: number;
  readonly startColumn: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/**
 * Converts an LSP range to a 1-based region. An end before the start is made equal to the start,
 * because SARIF forbids such a region and GitHub would draw nonsense for it.
 */
function oneBasedRegion(range: ReportDiagnostic["range"]): OneBasedRegion {
  const startLine = oneBased(range.start.line);
  const startColumn = oneBased(range.start.character);
  let endLine = oneBased(range.end.line);
  let endColumn = oneBased(range.end.character);
  if (endLine < startLine || (endLine === startLine && endColumn < startColumn)) {
    endLine = startLine;
    endColumn = startColumn;
  }
  return { startLine, startColumn, endLine, endColumn };
}

/**
 * Formats diagnostics as GitHub Actions workflow commands, one line each, every line ending in "\n"
 * so the result can be written to stdout as is; no diagnostics give "".
 *
 * Columns are 1-based and the end column is exclusive (the LSP end character + 1), as in SARIF.
 * GitHub only honours columns when an annotation starts and ends on the same line, so `col` and
 * `endColumn` are left out of multi-line annotations rather than sent with a meaning GitHub ignores.
 */
export function formatGithub(diagnostics: readonly ReportDiagnostic[]): string {
  let out = "";
  for (const d of diagnostics) {
    const region = oneBasedRegion(d.range);
    const singleLine = region.startLine === region.endLine;
    const properties: [string, string][] = [
      ["file", d.file],
      ["line", String(region.startLine)],
    ];
    if (singleLine) {
      properties.push(["col", String(region.startColumn)]);
    }
    properties.push(["endLine", String(region.endLine)]);
    if (singleLine) {
      properties.push(["endColumn", String(region.endColumn)]);
    }
    properties.push(["title", `Pinsight (${d.code})`]);
    const propertyList = properties.map(([key, value]) => `${key}=${escapeProperty(value)}`).join(",");
    out += `::${githubCommand(d.severity)} ${propertyList}::${escapeData(d.message)}\n`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0
// ---------------------------------------------------------------------------------------------

/** Maps a severity to a SARIF level; SARIF has no separate level for hints, so both become notes. */
function sarifLevel(severity: ReportDiagnostic["severity"]): SarifLevel {
  switch (severity) {
    case "error":
      return "error";
    case "warning":
      return "warning";
    case "information":
    case "hint":
      return "note";
  }
}

/**
 * Replaces unpaired UTF-16 surrogates with U+FFFD. `encodeURIComponent` throws on them, and a file
 * name can contain one on Windows; one odd name should not make the whole report fail.
 */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/**
 * Turns a relative path into a relative URI reference. Each segment is percent-encoded on its own
 * so that the `/` separators survive while characters that mean something in a URI (`%`, `#`, `?`,
 * spaces) do not change how consumers resolve the path against `%SRCROOT%`.
 */
function relativeUri(file: string): string {
  return wellFormed(file).split("/").map(encodeURIComponent).join("/");
}

/**
 * Builds a SARIF 2.1.0 log with one run. `tool.driver.rules` holds the given rules (the first of
 * any repeated id), and each result points at its rule by `ruleId` and, when the rule is in that
 * list, by `ruleIndex`; a result whose code has no rule keeps its `ruleId`, which SARIF allows.
 *
 * SARIF columns count UTF-16 code units by default (`columnKind` says so explicitly), which are the
 * LSP's default characters, so positions convert by adding 1; the end column is exclusive in both.
 *
 * The `pinsight/v1` partial fingerprint is `code:package:file`, without the line, so that GitHub
 * keeps tracking a finding as the same alert when lines above it are added or removed.
 */
export function formatSarif(
  diagnostics: readonly ReportDiagnostic[],
  tool: SarifToolInfo,
  rules: readonly SarifRuleInfo[],
): SarifLog {
  const ruleIndexById = new Map<string, number>();
  const descriptors: SarifReportingDescriptor[] = [];
  for (const rule of rules) {
    if (ruleIndexById.has(rule.id)) {
      // SARIF requires rule ids to be unique within a driver, so a repeat is dropped.
      continue;
    }
    ruleIndexById.set(rule.id, descriptors.length);
    descriptors.push({
      id: rule.id,
      shortDescription: { text: rule.description },
      defaultConfiguration: { level: rule.defaultLevel },
    });
  }

  const results: SarifResult[] = diagnostics.map((d) => {
    const { startLine, startColumn, endLine, endColumn } = oneBasedRegion(d.range);
    const ruleIndex = ruleIndexById.get(d.code);
    return {
      ruleId: d.code,
      // The property is omitted, not set to undefined, so the log has no `ruleIndex` key at all.
      ...(ruleIndex === undefined ? {} : { ruleIndex }),
      level: sarifLevel(d.severity),
      message: { text: d.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: relativeUri(d.file), uriBaseId: "%SRCROOT%" },
            region: { startLine, startColumn, endLine, endColumn },
          },
        },
      ],
      partialFingerprints: { [fingerprintName]: `${d.code}:${d.package ?? ""}:${d.file}` },
    };
  });

  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            informationUri: tool.informationUri,
            rules: descriptors,
          },
        },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

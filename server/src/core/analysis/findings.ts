import type { Span } from "../span";

/**
 * Findings are what the analysis reports about a file: plain data that the server turns into LSP
 * diagnostics (in `convert.ts`) and the CLI prints. Codes are stable: users configure severities by
 * them (`pinsight.diagnostics.<code>`), and the CLI's JSON output exposes them.
 */
export const findingCodes = [
  "syntax",
  "unpinned",
  "range",
  "include-missing",
  "include-cycle",
  "duplicate",
  "hash-missing",
  "orphan-hash",
  "encoding",
  "unknown-package",
  "unknown-version",
  "yanked",
  "index-unreachable",
  "dependency-confusion",
  "python-support",
  "outdated",
  "transitive-range",
  "not-applicable",
  "vulnerable",
  "hash-mismatch",
  "lock-drift",
  "lock-missing",
  "lock-stale",
] as const;

export type FindingCode = (typeof findingCodes)[number];

export type Severity = "error" | "warning" | "information" | "hint";
export type SeveritySetting = Severity | "off";

export const defaultSeverities: Readonly<Record<FindingCode, Severity>> = {
  syntax: "error",
  unpinned: "warning",
  range: "warning",
  "include-missing": "error",
  "include-cycle": "error",
  duplicate: "warning",
  "hash-missing": "error",
  "orphan-hash": "warning",
  encoding: "warning",
  "unknown-package": "error",
  "unknown-version": "error",
  yanked: "warning",
  "index-unreachable": "information",
  "dependency-confusion": "warning",
  "python-support": "error",
  outdated: "hint",
  "transitive-range": "information",
  "not-applicable": "hint",
  vulnerable: "warning",
  "hash-mismatch": "error",
  "lock-drift": "warning",
  "lock-missing": "warning",
  "lock-stale": "warning",
};

/** Codes whose findings mark text that has no effect (editors show it faded). */
export const unnecessaryCodes: ReadonlySet<FindingCode> = new Set<FindingCode>(["not-applicable"]);

/**
 * What a quick fix needs to pin one requirement, carried in the diagnostic's `data` so that the
 * code-action handler needs no server state. The requirement is found again in the current parse by
 * its start offset and name, so a stale fix never edits the wrong line.
 */
export interface PinFixData {
  readonly kind: "pin";
  readonly package: string;
  readonly entryStart: number;
  /** The fixes offered, the preferred one first. */
  readonly options: readonly FixOption[];
}

/** One way to fix a requirement line. */
export interface FixOption {
  /** `pin` replaces the specifier with `==version`; `bound` adds `<version`; `add` adds a new line. */
  readonly action: "pin" | "bound" | "add";
  readonly version: string;
  readonly title: string;
  readonly preferred: boolean;
  /**
   * In hash-checking mode: the sha256 of every file of the release, which replace the line's `--hash`
   * options (as pip-compile writes them). Absent when hashes are not needed or not all are known.
   */
  readonly hashes?: readonly string[];
  /** For `add`: the package (as a requirement name) the new line pins. */
  readonly name?: string;
}

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  /** The normalised package name the finding is about, if any. */
  readonly package: string | null;
  /** Present when a quick fix can pin this requirement. */
  readonly fix?: PinFixData;
}

export function isFindingCode(value: string): value is FindingCode {
  return (findingCodes as readonly string[]).includes(value);
}

/**
 * Applies per-code severity settings. A code set to "off" is dropped; unknown or missing settings
 * keep the default severity.
 */
export function applySeverities(
  findings: readonly Finding[],
  settings: Readonly<Partial<Record<FindingCode, SeveritySetting>>>,
): Finding[] {
  const result: Finding[] = [];
  for (const finding of findings) {
    const setting = settings[finding.code];
    if (setting === "off") continue;
    result.push(setting === undefined || setting === finding.severity ? finding : { ...finding, severity: setting });
  }
  return result;
}

import type { Span } from "../span";

/**
 * The data model produced by the requirements-file parser (`requirementsFile.ts`) and consumed by
 * the analysis, the server and the CLI. Everything here is plain, serialisable data: no classes,
 * no functions. Every span is an offset range into `ParsedRequirementsFile.text`, the decoded
 * document text (which for an open editor document is exactly the editor's text).
 */

/** A value as written in the file, with where it was written. */
export interface Located<T = string> {
  readonly value: T;
  readonly span: Span;
}

export type ProblemSeverity = "error" | "warning";

/**
 * Something pip would reject (`code: "syntax"`), or something the parser noticed that pip would
 * warn about. Messages follow pip's wording where pip has one.
 */
export interface ParseProblem {
  /** Stable identifier, e.g. "syntax", "orphan-hash", "include-missing", "include-cycle", "encoding". */
  readonly code: string;
  readonly severity: ProblemSeverity;
  readonly message: string;
  readonly span: Span;
}

/** How the requirement was written, which decides how pip builds it (constructors.py). */
export type RequirementForm =
  /** `name[extras] specifier ; marker` */
  | "pep508"
  /** `name[extras] @ url ; marker` */
  | "pep508-url"
  /** A bare URL (archive, wheel or VCS), the name from `#egg=` or the wheel file name. */
  | "url"
  /** A local path (directory, archive or wheel file), relative to the CWD as pip does it. */
  | "path";

export interface RequirementHash {
  /** `sha256`, `sha384` or `sha512`. */
  readonly algorithm: string;
  readonly digest: string;
  /** The span of the whole `--hash=algo:digest` token. */
  readonly span: Span;
}

export interface RequirementEntry {
  readonly kind: "requirement";
  /** pip's line number: the first physical line of the joined logical line, 1-based. */
  readonly pipLine: number;
  /** The span of the requirement text (from the first character to the end of the last option), without comments. */
  readonly span: Span;
  /** The requirement text pip sees (joined, comment-stripped, environment variables expanded). */
  readonly text: string;
  readonly form: RequirementForm;
  readonly editable: boolean;
  /** The project name as written; absent for an unnamed URL or path. */
  readonly name?: Located;
  /** PEP 503 normalised name; absent when there is no name. */
  readonly normalizedName?: string;
  readonly extras: readonly Located[];
  /**
   * The version specifier as written, its span covering any legacy parentheses. Absent when the
   * requirement has none. `value` is the specifier text without parentheses, e.g. ">=1.11,<2.0".
   */
  readonly specifier?: Located;
  /** The environment marker text after `;`, without the `;`. */
  readonly marker?: Located;
  /** The URL or path of a direct reference. */
  readonly url?: Located;
  readonly hashes: readonly RequirementHash[];
  /** `--config-settings`/`-C` values; a repeated key collects its values in order. */
  readonly configSettings: Readonly<Record<string, readonly string[]>>;
  /**
   * Where a pin may insert `==X` when there is no specifier: just after the name/extras. Absent for
   * forms that cannot take a specifier (URLs, paths).
   */
  readonly insertSpecifierAt?: number;
  /** The trailing comment on the line (or last continuation line), if any. */
  readonly comment?: Located;
}

/** A whole-run option line such as `--index-url URL`, `--pre` or `--require-hashes`. */
export interface OptionEntry {
  readonly kind: "option";
  readonly pipLine: number;
  readonly span: Span;
  /** Canonical long option name without dashes, e.g. "index-url", "extra-index-url", "pre". */
  readonly option: string;
  /** The option's value(s) in order; empty for flags. */
  readonly values: readonly Located[];
}

/** A `-r`/`--requirement` or `-c`/`--constraint` line. */
export interface IncludeEntry {
  readonly kind: "include";
  readonly pipLine: number;
  readonly span: Span;
  readonly constraint: boolean;
  /** The target as written (after `${VAR}` expansion). */
  readonly target: Located;
}

export type FileEntry = RequirementEntry | OptionEntry | IncludeEntry;

export interface ParsedRequirementsFile {
  /** The decoded text all spans index into. */
  readonly text: string;
  /** What the bytes were decoded as, e.g. "utf-8", "utf-8-sig", "utf-16-le", "latin-1". */
  readonly encoding: string;
  /** Entries in file order. */
  readonly entries: readonly FileEntry[];
  readonly problems: readonly ParseProblem[];
  /** True when this file alone switches on hash-checking mode (`--require-hashes` or any `--hash`). */
  readonly requiresHashes: boolean;
}

/** One requirement of the effective set, after following includes. */
export interface EffectiveRequirement {
  /** The file (path or URI as the reader named it) the line is in. */
  readonly file: string;
  readonly entry: RequirementEntry;
  /** True when reached through a `-c` include. */
  readonly constraint: boolean;
  /** The chain of includes from the root to `file`, e.g. ["-r base.txt (line 1)"]; empty for the root file. */
  readonly via: readonly string[];
}

/** The root file plus everything it includes, transitively. */
export interface RequirementsTree {
  readonly root: string;
  /** Every file reached, keyed by the reader's identity for it (absolute path or URI). */
  readonly files: Readonly<Record<string, ParsedRequirementsFile>>;
  readonly requirements: readonly EffectiveRequirement[];
  readonly options: readonly { readonly file: string; readonly entry: OptionEntry }[];
  /** Problems found while following includes, attached to the including line (missing target, cycle, unreadable). */
  readonly includeProblems: readonly { readonly file: string; readonly problem: ParseProblem }[];
  /** Hash-checking mode for the whole run: any file of the tree requires hashes. */
  readonly requiresHashes: boolean;
}

/**
 * How the parser reads included files. The core never touches the file system: the server passes
 * its open documents plus disk reads, the CLI disk reads, tests an in-memory map.
 */
export interface IncludeReader {
  /**
   * A key that changes whenever the file's content may have changed (e.g. mtime and size), so a
   * parse can be reused while it stays the same; undefined when the file must be read every time.
   */
  stamp?(file: string): string | undefined;
  /** Resolves `target` as written in `fromFile` to the identity of the file it names. */
  resolve(fromFile: string, target: string): string;
  /**
   * Reads a file. Returns decoded-by-the-parser bytes or already-decoded text (open editor
   * documents), or an error the parser reports on the including line.
   */
  read(
    file: string,
  ):
    | { readonly kind: "bytes"; readonly bytes: Uint8Array }
    | { readonly kind: "text"; readonly text: string }
    | { readonly kind: "missing" }
    | { readonly kind: "not-a-file"; readonly reason: string }
    | { readonly kind: "error"; readonly reason: string };
}

/**
 * Parses of included files, reused while their reader stamp and the environment object they were
 * expanded with are unchanged (the server swaps the environment when workspace trust changes).
 */
export type ParseCache = Map<
  string,
  {
    readonly stamp: string;
    readonly parsed: ParsedRequirementsFile;
    readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  }
>;

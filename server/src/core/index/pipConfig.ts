import { isPythonWhitespace, pyStrip } from "../pep440/pyString";

/**
 * pip's configuration as `pip install` sees it (pypa/pip@6d30920 `configuration.py` and
 * `cli/parser.py`), reduced to the options that decide where packages come from. Files are parsed
 * like Python's `configparser.RawConfigParser` (strict mode, `=`/`:` delimiters, `#`/`;` full-line
 * comments, indented continuation lines, a `[DEFAULT]` section whose values appear in every
 * section). Everything here is pure; `node/pipConfigFiles.ts` finds and reads the files.
 */

/** One option of one section, as RawConfigParser stores it. */
export interface IniOption {
  /** The option name lower-cased (RawConfigParser's `optionxform`), otherwise as written. */
  readonly name: string;
  /** The value with continuation lines joined by "\n", trailing whitespace removed. */
  readonly value: string;
  /** The 1-based line the option starts on. */
  readonly line: number;
}

export interface IniSection {
  readonly name: string;
  /** What `parser.items(section)` returns: `[DEFAULT]` options first, then the section's own. */
  readonly items: readonly IniOption[];
}

/** A parsed INI file, or the error that makes Python's configparser reject it. */
export type IniParseResult =
  | { readonly ok: true; readonly sections: readonly IniSection[] }
  | { readonly ok: false; readonly error: { readonly message: string; readonly line: number } };

interface PendingOption {
  name: string;
  pieces: string[];
  line: number;
}

/** The index of the first character that is not Python whitespace, or -1. */
function firstNonSpace(line: string): number {
  for (let i = 0; i < line.length; i++) if (!isPythonWhitespace(line.charCodeAt(i))) return i;
  return -1;
}

/** Python's `str.rstrip()`. */
function pyRstrip(text: string): string {
  let end = text.length;
  while (end > 0 && isPythonWhitespace(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end);
}

/** `SECTCRE`: `\[(?P<header>.+)\]` matched at the start of the stripped line, greedy. */
const sectionPattern = /^\[([^\n]+)\]/;

/**
 * The message for a line that is not a section, an option or a continuation. configparser quotes the
 * line; it is not quoted here because a stray line of a pip.conf is often a piece of an index URL or
 * token, and the message ends up in logs.
 */
const unparsableLine =
  "Source contains parsing errors (a line that is neither a section, an option nor a continuation)";

/**
 * Parses INI text the way `RawConfigParser.read` does (Python 3.11, `strict=True`,
 * `allow_no_value=False`, `empty_lines_in_values=True`, no inline comments, no interpolation).
 * Any error configparser raises (missing section header, duplicate section or option, a line
 * that is neither) is returned instead of sections, because pip then refuses the whole file.
 */
export function parseIni(input: string): IniParseResult {
  // Python reads the file in text mode: universal newlines.
  const lines = input.replace(/\r\n?/g, "\n").split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const defaults = new Map<string, PendingOption>();
  const sections = new Map<string, Map<string, PendingOption>>();
  const added = new Set<string>();
  let current: Map<string, PendingOption> | null = null;
  let sectionName = "";
  let option: PendingOption | null = null;
  let indentLevel = 0;
  let firstError: { message: string; line: number } | null = null;

  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? "";
    const lineNumber = index + 1;
    const stripped = pyStrip(line);
    const isComment = stripped.startsWith("#") || stripped.startsWith(";");
    const value = isComment ? "" : stripped;
    if (value === "") {
      // A blank line (not a comment) inside a value is kept; it becomes "\n" at the join.
      if (!isComment && current !== null && option !== null) option.pieces.push("");
      continue;
    }
    const indent = Math.max(firstNonSpace(line), 0);
    if (current !== null && option !== null && indent > indentLevel) {
      option.pieces.push(value);
      continue;
    }
    indentLevel = indent;
    const header = sectionPattern.exec(value);
    if (header !== null) {
      sectionName = header[1] ?? "";
      if (sections.has(sectionName)) {
        return {
          ok: false,
          error: { message: `section ${JSON.stringify(sectionName)} already exists`, line: lineNumber },
        };
      }
      if (sectionName === "DEFAULT") {
        current = defaults;
      } else {
        current = new Map();
        sections.set(sectionName, current);
      }
      option = null;
      continue;
    }
    if (current === null) {
      return { ok: false, error: { message: "File contains no section headers.", line: lineNumber } };
    }
    const delimiter = value.search(/[=:]/);
    if (delimiter < 0) {
      firstError ??= { message: unparsableLine, line: lineNumber };
      continue;
    }
    const name = pyRstrip(value.slice(0, delimiter)).toLowerCase();
    if (name === "") {
      firstError ??= { message: unparsableLine, line: lineNumber };
    }
    const key = `${sectionName}\u0000${name}`;
    if (added.has(key)) {
      return {
        ok: false,
        error: {
          message: `option ${JSON.stringify(name)} in section ${JSON.stringify(sectionName)} already exists`,
          line: lineNumber,
        },
      };
    }
    added.add(key);
    option = { name, pieces: [pyStrip(value.slice(delimiter + 1))], line: lineNumber };
    current.set(name, option);
  }
  if (firstError !== null) return { ok: false, error: firstError };

  const join = (pending: PendingOption): IniOption => ({
    name: pending.name,
    value: pyRstrip(pending.pieces.join("\n")),
    line: pending.line,
  });
  const result: IniSection[] = [];
  for (const [name, options] of sections) {
    // `items(section)`: a copy of the defaults updated with the section (positions of defaults kept).
    const merged = new Map<string, IniOption>();
    for (const [key, pending] of defaults) merged.set(key, join(pending));
    for (const [key, pending] of options) merged.set(key, join(pending));
    result.push({ name, items: [...merged.values()] });
  }
  return { ok: true, sections: result };
}

/** pip's `_normalize_name`: lower-case, `_` to `-`, a leading `--` removed. */
export function normalizePipOptionName(name: string): string {
  const lowered = name.toLowerCase().replace(/_/g, "-");
  return lowered.startsWith("--") ? lowered.slice(2) : lowered;
}

/** Where pip's configuration files come from (pip's "variants"), in override order. */
export type PipConfigFileKind = "global" | "user" | "site" | "env-file";

export interface PipConfigFile {
  readonly path: string;
  readonly kind: PipConfigFileKind;
  /** The decoded text; "" for a file that exists but could not be read (pip skips it silently). */
  readonly text: string;
}

/** Where an effective pip setting came from. */
export type PipConfigSource =
  | {
      readonly kind: "file";
      readonly path: string;
      readonly fileKind: PipConfigFileKind;
      /** The INI section, e.g. "global" or "install". */
      readonly section: string;
    }
  | { readonly kind: "env"; readonly variable: string };

export interface PipConfigValue<T> {
  readonly value: T;
  readonly source: PipConfigSource;
}

/** The effective pip configuration for `pip install`, limited to what decides the indexes. */
export interface PipConfigResult {
  readonly indexUrl: PipConfigValue<string> | null;
  /** Replaced, not merged, by a higher section or the environment (pip's behaviour). */
  readonly extraIndexUrls: PipConfigValue<readonly string[]> | null;
  readonly noIndex: PipConfigValue<boolean> | null;
  readonly findLinks: PipConfigValue<readonly string[]> | null;
  /** As written; pip expands a leading `~` (its "path" option type). */
  readonly cert: PipConfigValue<string> | null;
  readonly trustedHosts: PipConfigValue<readonly string[]> | null;
  /** Files that were applied, in override order. */
  readonly filesUsed: readonly string[];
  /** Problems pip would stop on (broken files, bad booleans); the offending part is skipped. */
  readonly warnings: readonly string[];
}

/** Python's `str.split()` with no argument: runs of whitespace, no empty pieces. */
export function pySplitWhitespace(text: string): string[] {
  const pieces: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const space = i === text.length || isPythonWhitespace(text.charCodeAt(i));
    if (space && start >= 0) {
      pieces.push(text.slice(start, i));
      start = -1;
    } else if (!space && start < 0) {
      start = i;
    }
  }
  return pieces;
}

/** pip's `strtobool`; undefined for anything else (pip then exits with an error). */
export function pipStrtobool(value: string): boolean | undefined {
  const lowered = value.toLowerCase();
  if (["y", "yes", "t", "true", "on", "1"].includes(lowered)) return true;
  if (["n", "no", "f", "false", "off", "0"].includes(lowered)) return false;
  return undefined;
}

/** The install-command options we track, by every long name pip's parser knows them under. */
const trackedOptions: Readonly<Record<string, keyof Omit<PipConfigResult, "filesUsed" | "warnings">>> = {
  "index-url": "indexUrl",
  "pypi-url": "indexUrl",
  "extra-index-url": "extraIndexUrls",
  "no-index": "noIndex",
  "find-links": "findLinks",
  cert: "cert",
  "trusted-host": "trustedHosts",
};

/** `ENV_NAMES_IGNORED`: `PIP_VERSION` and `PIP_HELP` are not configuration. */
const ignoredEnvNames = new Set(["version", "help"]);

const kindOrder: readonly PipConfigFileKind[] = ["global", "user", "site", "env-file"];

export interface MergePipConfigOptions {
  /** Python's `os.devnull` on the platform pip runs on: "/dev/null", or "nul" on Windows. */
  readonly devNull?: string;
  /** The command whose section applies after `[global]`; "install" as Pinsight emulates `pip install`. */
  readonly command?: string;
}

/**
 * Merges pip configuration files and `PIP_*` environment variables into the values `pip install`
 * would use. Rules, all pip's:
 * - `PIP_CONFIG_FILE` equal to `os.devnull` disables every file; a `PIP_CONFIG_FILE` that exists
 *   (passed here as an "env-file" entry) makes pip skip the user files.
 * - Files override in the order global < user < site < PIP_CONFIG_FILE, later files of a kind
 *   over earlier ones, per `section.key`; then sections apply as `[global]` < `[install]` < the
 *   environment, so `[install]` in any file beats `[global]` in any file.
 * - Empty values are dropped after that merge: an empty value in a higher file hides a lower
 *   file's value for the same section and key, and an empty `PIP_INDEX_URL=` is ignored.
 * - List options (`extra-index-url`, `find-links`, `trusted-host`) are split on whitespace,
 *   newlines included, and a higher source replaces a lower one rather than adding to it.
 * - Booleans follow pip's `strtobool`; anything else is reported and skipped.
 */
export function mergePipConfig(
  files: readonly PipConfigFile[],
  env: Readonly<Record<string, string | undefined>>,
  options: MergePipConfigOptions = {},
): PipConfigResult {
  const devNull = options.devNull ?? "/dev/null";
  const command = options.command ?? "install";
  const warnings: string[] = [];
  const filesUsed: string[] = [];
  const configFile = env["PIP_CONFIG_FILE"];

  // The merged `section.key` values across files: later files replace earlier ones in place.
  type Entry = { value: string; source: PipConfigSource };
  const bySection = new Map<string, Map<string, Entry>>();
  const put = (section: string, key: string, entry: Entry): void => {
    let map = bySection.get(section);
    if (map === undefined) bySection.set(section, (map = new Map()));
    map.set(key, entry);
  };

  if (configFile !== devNull) {
    const skipUser = configFile !== undefined && configFile !== "" && files.some((f) => f.kind === "env-file");
    const ordered = kindOrder.flatMap((kind) =>
      kind === "user" && skipUser ? [] : files.filter((file) => file.kind === kind),
    );
    // pip keys loaded files by path: a path listed twice keeps its first position.
    const seen = new Set<string>();
    for (const file of ordered) {
      if (seen.has(file.path)) continue;
      seen.add(file.path);
      const parsed = parseIni(file.text);
      if (!parsed.ok) {
        warnings.push(
          `${file.path} line ${parsed.error.line}: ${parsed.error.message} (pip would refuse to run; the file is ignored)`,
        );
        continue;
      }
      filesUsed.push(file.path);
      for (const section of parsed.sections) {
        for (const item of section.items) {
          put(section.name, normalizePipOptionName(item.name), {
            value: item.value,
            source: { kind: "file", path: file.path, fileKind: file.kind, section: section.name },
          });
        }
      }
    }
  }
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.startsWith("PIP_") || value === undefined) continue;
    const name = variable.slice(4).toLowerCase();
    if (ignoredEnvNames.has(name)) continue;
    put(":env:", normalizePipOptionName(name), { value, source: { kind: "env", variable } });
  }

  const result: {
    indexUrl: PipConfigValue<string> | null;
    extraIndexUrls: PipConfigValue<readonly string[]> | null;
    noIndex: PipConfigValue<boolean> | null;
    findLinks: PipConfigValue<readonly string[]> | null;
    cert: PipConfigValue<string> | null;
    trustedHosts: PipConfigValue<readonly string[]> | null;
  } = { indexUrl: null, extraIndexUrls: null, noIndex: null, findLinks: null, cert: null, trustedHosts: null };

  for (const section of ["global", command, ":env:"]) {
    for (const [key, entry] of bySection.get(section) ?? []) {
      if (entry.value === "") continue;
      const target = trackedOptions[key];
      if (target === undefined) continue;
      const { value, source } = entry;
      switch (target) {
        case "indexUrl":
        case "cert":
          result[target] = { value, source };
          break;
        case "extraIndexUrls":
        case "findLinks":
        case "trustedHosts":
          result[target] = { value: pySplitWhitespace(value), source };
          break;
        case "noIndex": {
          const flag = pipStrtobool(value);
          if (flag === undefined) {
            warnings.push(
              `${describePipSource(source)}: ${JSON.stringify(value)} is not a valid value for no-index (pip accepts yes/no, true/false, on/off, 1/0); ignored`,
            );
          } else {
            result.noIndex = { value: flag, source };
          }
          break;
        }
      }
    }
  }
  return { ...result, filesUsed, warnings };
}

/** A short human description of a source, e.g. "/etc/pip.conf [global]" or "PIP_INDEX_URL". */
export function describePipSource(source: PipConfigSource): string {
  return source.kind === "env" ? source.variable : `${source.path} [${source.section}]`;
}

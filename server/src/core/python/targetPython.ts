import { getStaticTOMLValue, parseTOML } from "toml-eslint-parser";
import { parseSpecifier, parseSpecifierSet, type SpecifierSet } from "../pep440/specifier";
import { parseVersion, type Version } from "../pep440/version";
import { parsePyvenvCfg } from "./pyvenvCfg";

/**
 * Target-Python detection: which CPython minor versions ("3.9", "3.13") a project is meant to run on,
 * read from the files that declare it. Every reader here is pure and never throws; a file that is
 * malformed, or that says nothing usable, simply yields no versions so that the next source is tried.
 *
 * A range (a `requires-python` specifier, a Poetry constraint) is reduced to its lowest and highest
 * supported minor among {@link knownPythonMinors}; a pin (`.python-version`, `runtime.txt`, a virtual
 * environment) gives its own minor.
 */

/** What Pinsight believes the project's target Python to be, and where that belief came from. */
export interface TargetPython {
  /** CPython minor versions "X.Y", without duplicates, sorted ascending in PEP 440 order (3.9 before 3.10). */
  readonly versions: readonly string[];
  /** A human label of the source, e.g. "pyproject.toml requires-python" or "pinsight.pythonVersion". */
  readonly source: string;
  /** The raw value read (e.g. ">=3.8" or "3.11.4"), or null when there is no single value to show. */
  readonly detail: string | null;
}

/** One candidate file handed to {@link detectTargetPython}. */
export interface TargetPythonSource {
  /**
   * The file's base name: "pyvenv.cfg", ".python-version", "runtime.txt", "pyproject.toml", "Pipfile",
   * "setup.cfg" or "uv.lock". Other names are ignored.
   */
  readonly name: string;
  /** The file's text. */
  readonly text: string;
  /**
   * The file's path, when known. It is used only to tell which sources share a directory (for a
   * `pyvenv.cfg`, the directory holding the environment) and to label a `pyvenv.cfg` by its environment
   * directory (".venv/pyvenv.cfg"); it is never read.
   */
  readonly path?: string;
}

/**
 * The released CPython minor versions that a range is measured against: 2.7, then 3.5 onwards. Older
 * minors are left out on purpose: nothing Pinsight reports about installs is meaningful for them, and
 * leaving them out keeps `<3.8` from reporting a lowest minor of "3.0". The list must stay ascending.
 */
export const knownPythonMinors: readonly string[] = [
  "2.7",
  "3.5",
  "3.6",
  "3.7",
  "3.8",
  "3.9",
  "3.10",
  "3.11",
  "3.12",
  "3.13",
  "3.14",
  "3.15",
];

/**
 * A minor X.Y counts as admitted by a specifier when any of the releases X.Y.0 … X.Y.30 is. Testing the
 * micro releases too is what makes `>=3.8.1` and `>3.8` admit 3.8 (a 3.8 interpreter from 3.8.1 on
 * satisfies them) and `<3.8` not admit it; `==3.11.*` admits 3.11 through X.Y.0 already. No CPython
 * minor has had more than 30 micro releases, so the bound loses nothing.
 */
const highestMicroTested = 30;

/** The final releases X.Y.0 … X.Y.30 of every known minor, parsed once. */
const microReleases: ReadonlyMap<string, readonly Version[]> = new Map(
  knownPythonMinors.map((minor) => [minor, microReleasesOf(minor)]),
);

function microReleasesOf(minor: string): Version[] {
  const releases: Version[] = [];
  for (let micro = 0; micro <= highestMicroTested; micro++) {
    const version = parseVersion(`${minor}.${micro}`);
    if (version !== null) releases.push(version);
  }
  return releases;
}

/** The priority of each file within one directory; pyproject.toml's Poetry table comes last of all. */
const fileRank: ReadonlyMap<string, number> = new Map([
  ["pyvenv.cfg", 0],
  [".python-version", 1],
  ["runtime.txt", 2],
  ["pyproject.toml", 3],
  ["Pipfile", 4],
  ["setup.cfg", 5],
  ["uv.lock", 6],
]);

// ---------------------------------------------------------------------------------------------------
// Versions and specifiers
// ---------------------------------------------------------------------------------------------------

/** "X.Y" from "X.Y" or "X.Y.Z" (no other suffix), with leading zeros dropped; null otherwise. */
function minorOfPlainVersion(text: string): string | null {
  const match = /^(\d{1,4})\.(\d{1,4})(?:\.\d{1,4})?$/.exec(text.trim());
  return match === null ? null : `${Number(match[1])}.${Number(match[2])}`;
}

/** Compares two "X.Y" strings numerically, so that 3.9 sorts before 3.10. */
function compareMinors(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split(".").map(Number);
  const [bMajor = 0, bMinor = 0] = b.split(".").map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** The minors without duplicates, sorted ascending. */
function sortedMinors(minors: readonly string[]): string[] {
  return [...new Set(minors)].sort(compareMinors);
}

/** The first and last of an ascending list, as one element when they are the same. */
function lowestAndHighest(ascending: readonly string[]): string[] {
  const lowest = ascending[0];
  const highest = ascending[ascending.length - 1];
  if (lowest === undefined || highest === undefined) return [];
  return lowest === highest ? [lowest] : [lowest, highest];
}

/** Whether the set admits any micro release of the minor (see {@link highestMicroTested}). */
function admitsMinor(set: SpecifierSet, minor: string): boolean {
  return (microReleases.get(minor) ?? []).some((release) => set.contains(release));
}

/**
 * Every known minor a PEP 440 specifier set admits, ascending; null when the text is not a valid
 * specifier set or has no clause at all (an empty set constrains nothing, so it says nothing about the
 * target either).
 */
function admittedMinors(spec: string): string[] | null {
  const parsed = parseSpecifierSet(spec);
  if (!parsed.ok || parsed.value.specifiers.length === 0) return null;
  const set = parsed.value;
  return knownPythonMinors.filter((minor) => admitsMinor(set, minor));
}

/**
 * The lowest and highest minors of {@link knownPythonMinors} admitted by a PEP 440 specifier set such as
 * `>=3.8,<3.13` (one element when they coincide). A minor X.Y is admitted when the set contains any of
 * the releases X.Y.0 … X.Y.30, so `>=3.8.1` gives 3.8 as its lowest minor and `==3.11.*` gives ["3.11"].
 * An invalid or empty specifier, or one that admits no known minor, gives [].
 */
export function minorsForSpecifier(spec: string): string[] {
  return lowestAndHighest(admittedMinors(spec) ?? []);
}

// ---------------------------------------------------------------------------------------------------
// .python-version and runtime.txt
// ---------------------------------------------------------------------------------------------------

/**
 * One interpreter request as uv and pyenv write it: an optional implementation prefix (`cpython@`,
 * `cpython-`, `pypy`, `graalpy`, `python`), a version X.Y or X.Y.Z with an optional pre-release, an
 * optional free-threaded marker (`t`, `+freethreaded`), and an optional pyenv build tail (`-dev`, or a
 * PyPy release such as `-7.3.12`). The PyPy and GraalPy numbers are the Python language version they
 * implement, which is what matters for dependency resolution.
 */
const interpreterRequest =
  /^(?:(?:cpython|pypy|graalpy|python|cp|pp|gp)[@-]?)?(\d{1,4})\.(\d{1,4})(?:\.\d{1,4})?(?:(?:a|b|rc)\d+)?(?:t|\+freethreaded)?(?:-dev|-\d+(?:\.\d+)*)?$/i;

/** The minors one `.python-version` request stands for: its own minor, or a specifier's lowest and highest. */
function requestMinors(request: string): string[] {
  if (/^[<>=!~]/.test(request)) return minorsForSpecifier(request);
  const match = interpreterRequest.exec(request);
  return match === null ? [] : [`${Number(match[1])}.${Number(match[2])}`];
}

/**
 * The requests of a `.python-version` file in order. Blank lines and lines starting with `#` are
 * skipped (uv); a line starting with a comparison operator is one specifier request (uv allows
 * `>=3.12, <3.13`); any other line is split at whitespace, because pyenv accepts several versions
 * on one line as well as one per line.
 */
function pythonVersionRequests(text: string): string[] {
  const requests: string[] = [];
  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (/^[<>=!~]/.test(line)) requests.push(line);
    else requests.push(...line.split(/\s+/));
  }
  return requests;
}

/**
 * Every minor named in a `.python-version` file, in file order without duplicates: `3.12`, `3.12.1`,
 * `cpython@3.12`, `pypy3.10`, `3.13t` and `3.12-dev` give their minor; a specifier such as
 * `>=3.12,<3.13` gives its lowest and highest known minor; names that carry no version (`system`,
 * `miniconda3-latest`) give nothing. Detection uses only the first request (see
 * {@link detectTargetPython}); this function returns them all for display.
 */
export function parsePythonVersionFile(text: string): string[] {
  return [...new Set(pythonVersionRequests(text).flatMap(requestMinors))];
}

/**
 * The minor of a Heroku `runtime.txt`, which must be exactly `python-X.Y.Z` (case-sensitive, no inner
 * blanks; surrounding blank space and line breaks are tolerated). The two-part form `python-3.12` is
 * accepted too: Heroku's documentation asks for three parts, but the minor is all detection needs and
 * refusing it would only lose information. Anything else gives [].
 */
export function parseRuntimeTxt(text: string): string[] {
  const match = /^python-(\d{1,4})\.(\d{1,4})(?:\.\d{1,4})?$/.exec(text.trim());
  return match === null ? [] : [`${Number(match[1])}.${Number(match[2])}`];
}

// ---------------------------------------------------------------------------------------------------
// Poetry constraints
// ---------------------------------------------------------------------------------------------------

/**
 * A Poetry clause: an optional operator, then the version (blanks after the operator already removed).
 * The version may not start with an operator character, so `===` (which Poetry lacks) is rejected.
 */
const poetryClause = /^(<>|!=|~=|<=|>=|==|=|<|>|\^|~)?([^<>=!~^].*)$/;
/** A wildcard version such as `3.*`, `3.9.*` or `3.x`; group 1 is the fixed prefix. */
const poetryWildcard = /^(\d+(?:\.\d+)*)\.[*xX]$/;

/**
 * The exclusive upper bound of a caret or tilde range: the release with the component at `index`
 * increased and every later component zeroed, keeping the number of components written (`^3.8` gives
 * `4.0`, `^3.8.1` gives `4.0.0`), as Poetry's documentation shows them.
 */
function bumpedRelease(release: readonly bigint[], index: number): string {
  return release.map((part, i) => (i < index ? part : i === index ? part + 1n : 0n)).join(".");
}

/**
 * `^V`: changes that do not modify the left-most non-zero of the major, minor and patch components are
 * allowed. When those are all zero, the last of them that was written is the one bumped (`^0` → `<1`,
 * `^0.0` → `<0.1`).
 */
function caretClauses(versionText: string): string[] | null {
  const version = parseVersion(versionText);
  if (version === null) return null;
  const significant = Math.min(version.release.length, 3);
  const firstNonZero = version.release.slice(0, significant).findIndex((part) => part !== 0n);
  const index = firstNonZero >= 0 ? firstNonZero : significant - 1;
  return [`>=${versionText}`, `<${bumpedRelease(version.release, index)}`];
}

/** `~V`: the minor is bumped, or the major when only the major is written (`~3` → `<4`). */
function tildeClauses(versionText: string): string[] | null {
  const version = parseVersion(versionText);
  if (version === null) return null;
  const index = version.release.length === 1 ? 0 : 1;
  return [`>=${versionText}`, `<${bumpedRelease(version.release, index)}`];
}

/** One Poetry clause as PEP 440 clauses ([] for `*`), or null when it cannot be converted. */
function convertPoetryClause(token: string): string[] | null {
  if (token === "*" || token === "x" || token === "X") return [];
  const match = poetryClause.exec(token);
  if (match === null) return null;
  const operator = match[1] ?? "";
  const version = match[2] ?? "";
  const wildcard = poetryWildcard.exec(version);
  if (wildcard !== null) {
    // A wildcard is a prefix match; only equality and inequality can express it in PEP 440.
    if (operator === "" || operator === "=" || operator === "==") return [`==${wildcard[1]}.*`];
    if (operator === "!=" || operator === "<>") return [`!=${wildcard[1]}.*`];
    return null;
  }
  switch (operator) {
    case "^":
      return caretClauses(version);
    case "~":
      return tildeClauses(version);
    case "":
    case "=":
      return [`==${version}`];
    case "<>":
      return [`!=${version}`];
    default:
      return [`${operator}${version}`];
  }
}

/** One OR branch (clauses joined by `,` or blanks) as a PEP 440 specifier set; null when invalid. */
function convertPoetryBranch(branch: string): string | null {
  // Blanks between an operator and its version belong to the clause (`>= 3.8`), not between clauses.
  const joined = branch.trim().replace(/(<>|!=|~=|<=|>=|==|=|<|>|\^|~)\s+/g, "$1");
  const tokens = joined.split(/[\s,]+/).filter((token) => token !== "");
  if (tokens.length === 0) return null;
  const clauses: string[] = [];
  for (const token of tokens) {
    const converted = convertPoetryClause(token);
    if (converted === null || converted.some((clause) => !parseSpecifier(clause).ok)) return null;
    clauses.push(...converted);
  }
  return clauses.join(",");
}

/**
 * Converts a Poetry version constraint to PEP 440 specifier sets, one per OR branch (`||` or `|`):
 * `^3.8` → [">=3.8,<4.0"], `~3.8.2` → [">=3.8.2,<3.9.0"], `3.9.*` → ["==3.9.*"], `3.10` (a bare version
 * is exact) → ["==3.10"], `=3.9` → ["==3.9"], `<>3.9.1` → ["!=3.9.1"], `>=3.8 <3.13` (a blank also
 * means AND) → [">=3.8,<3.13"], `*` → [""] (anything), `^2.7 || ^3.6` → [">=2.7,<3.0", ">=3.6,<4.0"].
 * `~=` and the comparison operators are PEP 440 already and pass through. Returns null for an empty
 * constraint, an empty branch, or a clause that does not make a valid PEP 440 specifier.
 */
export function poetryConstraintToPep440(constraint: string): string[] | null {
  const branches: string[] = [];
  for (const branch of constraint.split(/\|\|?/)) {
    const converted = convertPoetryBranch(branch);
    if (converted === null) return null;
    branches.push(converted);
  }
  return branches;
}

/**
 * The lowest and highest known minor over the union of a Poetry constraint's branches. A branch with no
 * clause (`*`) allows anything, so the constraint then says nothing about the target and gives [].
 */
function minorsForPoetryConstraint(constraint: string): string[] {
  const branches = poetryConstraintToPep440(constraint);
  if (branches === null) return [];
  const union: string[] = [];
  for (const branch of branches) {
    const admitted = admittedMinors(branch);
    if (admitted === null) return [];
    union.push(...admitted);
  }
  return lowestAndHighest(sortedMinors(union));
}

// ---------------------------------------------------------------------------------------------------
// File formats: TOML and setup.cfg
// ---------------------------------------------------------------------------------------------------

type Table = { readonly [key: string]: unknown };

function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The parsed top-level table of a TOML document, or null when the document is not valid TOML. */
function readToml(text: string): Table | null {
  try {
    // TOML allows no byte-order mark, but editors on Windows write one; it is not worth losing the file.
    const value: unknown = getStaticTOMLValue(parseTOML(text.replace(/^\uFEFF/, "")));
    return isTable(value) ? value : null;
  } catch {
    // The parser throws a ParseError on malformed input; a malformed file is simply not a source.
    return null;
  }
}

/** The string at a path of keys through nested tables, or null when any step is missing or not a table. */
function stringAt(root: Table | null, ...keys: readonly string[]): string | null {
  let value: unknown = root;
  for (const key of keys) {
    if (!isTable(value)) return null;
    value = value[key];
  }
  return typeof value === "string" ? value : null;
}

/**
 * The top-level keys of a TOML document, which must come before its first table header. Reading only
 * that part keeps a large `uv.lock` cheap; should the cut land inside a multi-line string, the part is
 * not valid TOML and the whole document is read instead.
 */
function readTomlHead(text: string): Table | null {
  const header = /^[ \t]*\[/m.exec(text);
  if (header === null) return readToml(text);
  return readToml(text.slice(0, header.index)) ?? readToml(text);
}

/**
 * A small reader for `setup.cfg` with the rules of Python's `configparser` as setuptools uses it:
 * `[section]` headers (names are case-sensitive), `key = value` or `key: value` split at the first
 * delimiter (keys are lowercased), values continued on lines indented deeper than their key, full-line
 * `#` and `;` comments and blank lines skipped, and no inline comments. Lines before the first section
 * and lines that are none of these are ignored rather than failing the whole file. The last occurrence
 * of a key wins.
 */
function readIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let section: Map<string, string> | null = null;
  let lastKey: string | null = null;
  let lastKeyIndent = 0;
  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const indent = rawLine.length - rawLine.trimStart().length;
    if (section !== null && lastKey !== null && indent > lastKeyIndent) {
      section.set(lastKey, `${section.get(lastKey) ?? ""}\n${line}`);
      continue;
    }
    lastKey = null;
    const header = /^\[(.+)\]/.exec(line);
    if (header !== null) {
      const name = header[1] ?? "";
      section = sections.get(name) ?? new Map<string, string>();
      sections.set(name, section);
      continue;
    }
    const option = /^(.*?)\s*[=:]\s*(.*)$/.exec(line);
    const key = option?.[1]?.toLowerCase() ?? "";
    if (section === null || option === null || key === "") continue;
    section.set(key, option[2] ?? "");
    lastKey = key;
    lastKeyIndent = indent;
  }
  return sections;
}

// ---------------------------------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------------------------------

/** What one stage found: the minors and the raw value they came from. */
interface Finding {
  readonly versions: readonly string[];
  readonly detail: string | null;
}

/** One detection step: which file it reads, how it labels the result, and how it reads the file. */
interface Stage {
  readonly file: string;
  readonly label: (source: TargetPythonSource) => string;
  readonly read: (source: TargetPythonSource, toml: (source: TargetPythonSource) => Table | null) => Finding | null;
}

function finding(versions: readonly string[], detail: string | null): Finding | null {
  return versions.length === 0 ? null : { versions: sortedMinors(versions), detail };
}

/** "<environment directory>/pyvenv.cfg" from the path when it has one, else "pyvenv.cfg". */
function pyvenvLabel(source: TargetPythonSource): string {
  const parts = (source.path ?? "").split(/[\\/]/).filter((part) => part !== "");
  const environment = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  return environment === undefined ? "pyvenv.cfg" : `${environment}/pyvenv.cfg`;
}

function readPyvenv(source: TargetPythonSource): Finding | null {
  const version = parsePyvenvCfg(source.text).version;
  if (version === undefined) return null;
  const minor = minorOfPlainVersion(version);
  return minor === null ? null : finding([minor], version);
}

/** Only the first request counts: it is the default interpreter for pyenv and the one uv uses. */
function readPythonVersionFile(source: TargetPythonSource): Finding | null {
  const first = pythonVersionRequests(source.text)[0];
  return first === undefined ? null : finding(requestMinors(first), first);
}

function readRuntimeTxt(source: TargetPythonSource): Finding | null {
  return finding(parseRuntimeTxt(source.text), source.text.trim());
}

function readRequiresPython(value: string | null): Finding | null {
  return value === null ? null : finding(minorsForSpecifier(value), value);
}

/** `python_full_version` is the more precise of the two, so it is read first. */
function readPipfile(table: Table | null): Finding | null {
  for (const key of ["python_full_version", "python_version"]) {
    const value = stringAt(table, "requires", key);
    if (value === null) continue;
    const minor = minorOfPlainVersion(value);
    if (minor !== null) return finding([minor], value);
  }
  return null;
}

/** setuptools accepts the dashed spelling `python-requires` too (with a deprecation warning). */
function readSetupCfg(source: TargetPythonSource): Finding | null {
  const options = readIni(source.text).get("options");
  const value = options?.get("python_requires") ?? options?.get("python-requires");
  return value === undefined ? null : finding(minorsForSpecifier(value), value.trim());
}

function readPoetry(table: Table | null): Finding | null {
  const value = stringAt(table, "tool", "poetry", "dependencies", "python");
  return value === null ? null : finding(minorsForPoetryConstraint(value), value);
}

/**
 * The detection steps within one directory, in priority order. pyproject.toml is read twice: its
 * standard `requires-python` ranks above Pipfile, setup.cfg and uv.lock, its Poetry table below them.
 */
const stages: readonly Stage[] = [
  { file: "pyvenv.cfg", label: pyvenvLabel, read: readPyvenv },
  { file: ".python-version", label: () => ".python-version", read: readPythonVersionFile },
  { file: "runtime.txt", label: () => "runtime.txt", read: readRuntimeTxt },
  {
    file: "pyproject.toml",
    label: () => "pyproject.toml requires-python",
    read: (source, toml) => readRequiresPython(stringAt(toml(source), "project", "requires-python")),
  },
  { file: "Pipfile", label: () => "Pipfile [requires]", read: (source, toml) => readPipfile(toml(source)) },
  { file: "setup.cfg", label: () => "setup.cfg python_requires", read: readSetupCfg },
  {
    file: "uv.lock",
    label: () => "uv.lock requires-python",
    read: (source) => readRequiresPython(stringAt(readTomlHead(source.text), "requires-python")),
  },
  {
    file: "pyproject.toml",
    label: () => "pyproject.toml [tool.poetry.dependencies] python",
    read: (source, toml) => readPoetry(toml(source)),
  },
];

/** The directory a source belongs to, from its path: a `pyvenv.cfg` sits one level below it. */
function directoryOf(source: TargetPythonSource): string | null {
  if (source.path === undefined) return null;
  const parts = source.path.split(/[\\/]/);
  const drop = source.name === "pyvenv.cfg" ? 2 : 1;
  return parts.length > drop ? parts.slice(0, -drop).join("/") : null;
}

/**
 * Splits the nearest-first sources into directory levels. With paths, a level is a run of sources from
 * the same directory. Without them, a level ends where the priority order starts again (the caller
 * lists each directory's files in priority order). That can merge two adjacent directories only when
 * the nearer one holds only files that rank before all of the farther one's, and the merge matters only
 * when the nearer directory's sole declaration is a Poetry table and the farther one has a Pipfile,
 * setup.cfg or uv.lock, which would then win. Callers that know paths should pass them.
 */
function directoryLevels(sources: readonly TargetPythonSource[]): TargetPythonSource[][] {
  const levels: TargetPythonSource[][] = [];
  for (const source of sources) {
    if (!fileRank.has(source.name)) continue;
    const current = levels[levels.length - 1];
    const previous = current?.[current.length - 1];
    if (current === undefined || previous === undefined || startsNewLevel(previous, source)) levels.push([source]);
    else current.push(source);
  }
  return levels;
}

function startsNewLevel(previous: TargetPythonSource, source: TargetPythonSource): boolean {
  const previousDirectory = directoryOf(previous);
  const directory = directoryOf(source);
  if (previousDirectory !== null && directory !== null) return previousDirectory !== directory;
  return (fileRank.get(source.name) ?? 0) <= (fileRank.get(previous.name) ?? 0);
}

/** The valid minors of the `pinsight.pythonVersion` setting ("3.8", "3.8.10" → "3.8"). */
function settingMinors(setting: readonly string[]): string[] {
  return setting.map(minorOfPlainVersion).filter((minor): minor is string => minor !== null);
}

/**
 * Determines the project's target Python.
 *
 * `setting` is `pinsight.pythonVersion`: when it holds at least one valid version ("3.8", or "3.8.10"
 * read as "3.8") it wins outright. Entries that are not versions are ignored, and when none is valid
 * the files decide.
 *
 * `sources` are file texts ordered nearest directory first, each directory's files in this priority
 * order: `pyvenv.cfg` (of `.venv/`, then `venv/`), `.python-version` (first request only), `runtime.txt`,
 * `pyproject.toml` `[project] requires-python`, `Pipfile` `[requires]`, `setup.cfg` `[options]
 * python_requires`, `uv.lock` `requires-python`, and last `pyproject.toml` `[tool.poetry.dependencies]
 * python`. The first of them that yields a version wins: the nearest directory that says anything
 * decides, and within it the highest-priority file. Because pyproject.toml is consulted twice, the
 * sources are grouped into directory levels (see {@link directoryLevels}) rather than tried strictly in
 * the order given. A range gives its lowest and highest supported minor. Malformed files are skipped.
 * Returns null when nothing yields a version.
 */
export function detectTargetPython(
  sources: readonly TargetPythonSource[],
  setting: readonly string[],
): TargetPython | null {
  const fromSetting = settingMinors(setting);
  if (fromSetting.length > 0) {
    return { versions: sortedMinors(fromSetting), source: "pinsight.pythonVersion", detail: setting.join(", ") };
  }
  // pyproject.toml is read by two stages; parse each source's TOML at most once.
  const parsed = new Map<TargetPythonSource, Table | null>();
  const toml = (source: TargetPythonSource): Table | null => {
    if (!parsed.has(source)) parsed.set(source, readToml(source.text));
    return parsed.get(source) ?? null;
  };
  for (const level of directoryLevels(sources)) {
    for (const stage of stages) {
      for (const source of level) {
        if (source.name !== stage.file) continue;
        const found = stage.read(source, toml);
        if (found !== null) return { versions: found.versions, source: stage.label(source), detail: found.detail };
      }
    }
  }
  return null;
}

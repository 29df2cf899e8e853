import { parseSpecifier } from "../pep440/specifier";
import type { MarkerComparison, MarkerNode } from "./markerParser";
import { setVariables } from "./markerParser";
import { normalizeName } from "./names";

/**
 * Evaluation of PEP 508 environment markers with packaging 26's semantics (`markers.py`), and a
 * plausible environment for a target Python.
 */

/**
 * Marker variable values: `python_version`, `python_full_version`, `os_name`, `sys_platform`, … as
 * strings; in lock files `extras` and `dependency_groups` as lists of names (packaging's sets).
 */
export type MarkerEnvironment = Readonly<Record<string, string | readonly string[]>>;

/**
 * Where a marker is evaluated, as packaging's `EvaluateContext`: `"metadata"` (the default, and what
 * pip does for a requirements file) supplies `extra = ""`; `"lock_file"` supplies empty `extras` and
 * `dependency_groups`; `"requirement"` supplies nothing.
 */
export type EvaluateContext = "metadata" | "lock_file" | "requirement";

/** packaging's two evaluation errors, by their class names. */
export type MarkerEvaluationErrorKind = "UndefinedComparison" | "UndefinedEnvironmentName";

export type MarkerEvaluation =
  | { readonly ok: true; readonly value: boolean }
  | { readonly ok: false; readonly kind: MarkerEvaluationErrorKind; readonly error: string };

/** The variables compared as versions when the right-hand side parses as a specifier. */
const versionVariables: ReadonlySet<string> = new Set([
  "python_version",
  "python_full_version",
  "implementation_version",
  "platform_release",
]);

type Value = string | readonly string[];
type Failure = Extract<MarkerEvaluation, { ok: false }>;

/**
 * Evaluates a marker as packaging's `Marker.evaluate(environment, context)` does, except that the
 * environment is taken as given instead of being laid over the running interpreter's: a variable the
 * environment lacks is an `UndefinedEnvironmentName` error, never a silent default. Use
 * `defaultEnvironment()` for a complete one.
 *
 * Semantics (packaging 26): `python_version`, `python_full_version`, `implementation_version` and
 * `platform_release` compare as versions (`Specifier(op + rhs).contains(lhs, prereleases=True)`)
 * when `op + rhs` is a valid specifier, and as strings otherwise; string `==`/`!=` are exact,
 * `in`/`not in` are substring tests, `<=`/`>=` mean `==`, `<`/`>` are false, and `~=`/`===` are an
 * `UndefinedComparison`. `extra` values are compared after name normalisation (PEP 685). All
 * comparisons are evaluated (no short circuit), so an error anywhere is reported, as in packaging.
 * Never throws.
 */
export function evaluateMarker(
  marker: MarkerNode,
  environment: MarkerEnvironment,
  context: EvaluateContext = "metadata",
): MarkerEvaluation {
  const env: Record<string, Value> = {};
  if (context === "lock_file") {
    env["extras"] = [];
    env["dependency_groups"] = [];
  } else if (context === "metadata") {
    env["extra"] = "";
  }
  for (const key of Object.keys(environment)) {
    const value = environment[key];
    if (value !== undefined) env[key] = value;
  }
  const extra = env["extra"];
  if (typeof extra === "string") env["extra"] = extra === "" ? "" : normalizeName(extra);
  // Untagged CPython builds report "3.13.0+", which is not a version; packaging repairs it.
  const full = env["python_full_version"];
  if (typeof full === "string" && full.endsWith("+")) env["python_full_version"] = `${full}local`;
  const result = evaluateNode(marker, { env, versionResults: new Map() });
  return typeof result === "boolean" ? { ok: true, value: result } : result;
}

interface Evaluation {
  readonly env: Readonly<Record<string, Value>>;
  /** Version comparisons already made in this evaluation, by operator, right and left side. */
  readonly versionResults: Map<string, boolean | null>;
}

function evaluateNode(node: MarkerNode, evaluation: Evaluation): boolean | Failure {
  if (node.kind === "compare") return evaluateComparison(node, evaluation);
  // A disjunction of conjunctions: "or" starts a new group.
  let any = false;
  let all = true;
  for (const item of node.items) {
    if (item === "or") {
      any ||= all;
      all = true;
    } else if (item !== "and") {
      const value = evaluateNode(item, evaluation);
      if (typeof value !== "boolean") return value;
      all &&= value;
    }
  }
  return any || all;
}

function lookup(env: Readonly<Record<string, Value>>, key: string): Value | Failure {
  // Own properties only: a marker such as `'a' == 'constructor'` looks up "constructor".
  const value = Object.hasOwn(env, key) ? env[key] : undefined;
  if (value === undefined) {
    return { ok: false, kind: "UndefinedEnvironmentName", error: `Undefined environment name ${pythonRepr(key)}` };
  }
  return value;
}

function isFailure(value: Value | Failure): value is Failure {
  return typeof value === "object" && "ok" in value;
}

function evaluateComparison(node: MarkerComparison, evaluation: Evaluation): boolean | Failure {
  const { env } = evaluation;
  const { left, op, right } = node;
  // packaging looks up the left operand when it is a variable and then takes the right one's text
  // as is, even when that is a variable too (`os_name == sys_platform` compares with the string
  // "sys_platform"); when the left operand is a literal, the right one's text is the name looked up
  // (so `'a' == 'os_name'` reads os_name). Mirrored here so that results and errors are packaging's.
  const rightText = right.kind === "variable" ? right.name : right.value;
  let key: string;
  let lhs: Value | Failure;
  let rhs: Value | Failure;
  if (left.kind === "variable") {
    key = left.name;
    lhs = lookup(env, key);
    rhs = rightText;
  } else {
    key = rightText;
    lhs = left.value;
    rhs = lookup(env, key);
  }
  if (isFailure(lhs)) return lhs;
  if (isFailure(rhs)) return rhs;
  if (typeof lhs !== "string") {
    return {
      ok: false,
      kind: "UndefinedComparison",
      error:
        `Set-valued marker ${pythonRepr(key)} can only be used with the membership form ` +
        `(e.g. "<name>" in ${key}); it cannot appear on the left-hand side of ${pythonRepr(op)}.`,
    };
  }
  if (setVariables.has(key)) {
    lhs = normalizeName(lhs);
    rhs = typeof rhs === "string" ? normalizeName(rhs) : rhs.map(normalizeName);
  }
  if (versionVariables.has(key) && typeof rhs === "string") {
    const result = compareVersions(evaluation, op, rhs, lhs);
    if (result !== null) return result;
  }
  switch (op) {
    case "in":
      return rhs.includes(lhs);
    case "not in":
      return !rhs.includes(lhs);
    case "<":
    case ">":
      return false;
    case "<=":
    case "==":
    case ">=":
      return lhs === rhs;
    case "!=":
      return lhs !== rhs;
    default:
      return {
        ok: false,
        kind: "UndefinedComparison",
        error: `Undefined <Op(${pythonRepr(op)})> on ${pythonRepr(lhs)} and ${pythonRepr(rhs)}.`,
      };
  }
}

/**
 * `Specifier(op + rhs).contains(lhs, prereleases=True)`, or null when `op + rhs` is not a valid
 * specifier. Memoised per evaluation: generated markers repeat the same comparison many times.
 */
function compareVersions(evaluation: Evaluation, op: string, rhs: string, lhs: string): boolean | null {
  const key = `${op}\0${rhs}\0${lhs}`;
  const known = evaluation.versionResults.get(key);
  if (known !== undefined) return known;
  const specifier = parseSpecifier(`${op}${rhs}`);
  const result = specifier.ok ? specifier.value.contains(lhs, { prereleases: true }) : null;
  evaluation.versionResults.set(key, result);
  return result;
}

/** Python's `repr()` of a string (or of a frozenset of strings, sorted), for packaging's messages. */
function pythonRepr(value: Value): string {
  if (typeof value !== "string") {
    return value.length === 0 ? "frozenset()" : `frozenset({${[...value].sort().map(pythonRepr).join(", ")}})`;
  }
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const c of value) {
    const code = c.codePointAt(0) ?? 0;
    if (c === quote || c === "\\") out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else out += c;
  }
  return out + quote;
}

/** A target platform for `defaultEnvironment`. */
export type TargetPlatform = "linux" | "darwin" | "win32";

/**
 * A plausible CPython environment for a target Python `"X.Y"` (or `"X.Y.Z"`, or a pre-release such
 * as `"3.14.0rc1"`) on a platform, for evaluating markers without running an interpreter. A bare
 * `"X.Y"` stands for `X.Y.0`. Values that cannot be known (`platform_release`, `platform_version`)
 * are empty, as packaging reports them when undetermined; machine types are the common ones.
 */
export function defaultEnvironment(pythonVersion: string, platform: TargetPlatform = "linux"): Record<string, string> {
  const trimmed = pythonVersion.trim();
  const match = /^(\d+)\.(\d+)/.exec(trimmed);
  const short = match !== null ? `${match[1]}.${match[2]}` : trimmed;
  const full = match !== null && /^\d+\.\d+$/.test(trimmed) ? `${short}.0` : trimmed;
  const byPlatform = {
    linux: { os_name: "posix", platform_machine: "x86_64", platform_system: "Linux" },
    darwin: { os_name: "posix", platform_machine: "arm64", platform_system: "Darwin" },
    win32: { os_name: "nt", platform_machine: "AMD64", platform_system: "Windows" },
  }[platform];
  return {
    implementation_name: "cpython",
    implementation_version: full,
    os_name: byPlatform.os_name,
    platform_machine: byPlatform.platform_machine,
    platform_python_implementation: "CPython",
    platform_release: "",
    platform_system: byPlatform.platform_system,
    platform_version: "",
    python_full_version: full,
    python_version: short,
    sys_platform: platform,
  };
}

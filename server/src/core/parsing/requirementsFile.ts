import { decodeRequirementsBytes } from "./decode";
import { logicalLines, type Environment, type LogicalLine } from "./logicalLines";
import type { LineParseMemo } from "./lineParseMemo";
import { normalizeName } from "./names";
import { parseRequirementParts } from "./requirementLine";
import { parseOptionWords, type ParsedOption } from "./requirementsOptions";
import type {
  EffectiveRequirement,
  FileEntry,
  IncludeEntry,
  IncludeReader,
  OptionEntry,
  ParseCache,
  ParsedRequirementsFile,
  ParseProblem,
  RequirementEntry,
  RequirementHash,
  RequirementsTree,
} from "./requirementsModel";
import { shlexSplit } from "./shlex";

/**
 * The pip requirements-file parser: what `pip install -r` reads, line by line, with every token
 * located in the document. Errors are data (ParseProblem); nothing here throws or touches I/O.
 */

export interface ParseOptions {
  /** Environment variables for `${VAR}` expansion. */
  readonly env?: Environment;
  /**
   * Lines parsed before (by an earlier parse of the same document with the same environment), reused
   * when their text is unchanged; the caller calls `begin` once per parse.
   */
  readonly lineMemo?: LineParseMemo;
}

export function parseRequirementsBytes(bytes: Uint8Array, options: ParseOptions = {}): ParsedRequirementsFile {
  const decoded = decodeRequirementsBytes(bytes);
  const parsed = parseRequirementsText(decoded.text, options);
  if (decoded.warning === undefined) return { ...parsed, encoding: decoded.encoding };
  const problem: ParseProblem = {
    code: "encoding",
    severity: "warning",
    message: decoded.warning,
    span: { start: 0, end: Math.min(decoded.text.length, decoded.text.search(/\r|\n|$/)) },
  };
  return { ...parsed, encoding: decoded.encoding, problems: [problem, ...parsed.problems] };
}

/**
 * Text beyond this many characters is not analysed. Real requirements files are well under 1 MB;
 * a bound keeps a pathological file from blocking the server for seconds.
 */
export const maxAnalysedLength = 4 * 1024 * 1024;

export function parseRequirementsText(text: string, options: ParseOptions = {}): ParsedRequirementsFile {
  const entries: FileEntry[] = [];
  const problems: ParseProblem[] = [];
  let requiresHashes = false;
  let analysed = text;
  if (text.length > maxAnalysedLength) {
    const cut = Math.max(text.lastIndexOf("\n", maxAnalysedLength), 0);
    analysed = text.slice(0, cut);
    problems.push({
      code: "too-large",
      severity: "warning",
      message: `This file is ${(text.length / 1024 / 1024).toFixed(1)} MB: only its first ${maxAnalysedLength / 1024 / 1024} MB are analysed.`,
      span: { start: cut, end: Math.min(text.length, cut + 1) },
    });
  }
  const memo = options.lineMemo;
  for (const line of logicalLines(analysed, options.env ?? {})) {
    const result =
      memo === undefined
        ? parseLogicalLine(line)
        : memo.get(memoKey(analysed, line), line.source.start, line.pipLine, () => parseLogicalLine(line));
    entries.push(...result.entries);
    problems.push(...result.problems);
    if (result.requiresHashes) requiresHashes = true;
  }
  return { text, encoding: "utf-8", entries, problems, requiresHashes };
}

/** A logical line's key in a `LineParseMemo`: its source text and its text after `${VAR}` expansion. */
function memoKey(analysed: string, line: LogicalLine): string {
  return `${analysed.slice(line.source.start, line.source.end)}\u0000${line.content.text}`;
}

/**
 * Parses a large document's lines into `memo` ahead of its first analysis, a slice at a time: from
 * line `from` of `lines` (its `logicalLines`) until `deadline` (a `performance.now()` time), returning
 * where to continue (`lines.length` when done). The analysis then finds every line parsed.
 */
export function preparseLines(
  text: string,
  lines: readonly LogicalLine[],
  from: number,
  memo: LineParseMemo,
  deadline: number,
): number {
  let next = from;
  while (next < lines.length) {
    const line = lines[next++];
    if (line !== undefined)
      memo.get(memoKey(text, line), line.source.start, line.pipLine, () => parseLogicalLine(line));
    if ((next & 31) === 0 && performance.now() > deadline) break;
  }
  return next;
}

/** pip's `break_args_options`: split on spaces at the first word that starts with '-'. */
export function splitArgsOptions(text: string): { argsEnd: number; optionsStart: number } {
  let position = 0;
  while (position <= text.length) {
    const space = text.indexOf(" ", position);
    const end = space < 0 ? text.length : space;
    if (text.startsWith("-", position)) return { argsEnd: Math.max(0, position - 1), optionsStart: position };
    if (space < 0) break;
    position = end + 1;
  }
  return { argsEnd: text.length, optionsStart: text.length };
}

const noWords = { ok: true as const, words: [] };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function parseLogicalLine(line: LogicalLine): {
  entries: FileEntry[];
  problems: ParseProblem[];
  requiresHashes: boolean;
} {
  const content = line.content;
  const text = content.text;
  const problems: ParseProblem[] = [];
  const lineSpan = content.span(0, text.length);
  const { argsEnd, optionsStart } = splitArgsOptions(text);
  const optionsText = text.slice(optionsStart);

  const words = optionsText === "" ? noWords : shlexSplit(optionsText);
  if (!words.ok) {
    problems.push({
      code: "syntax",
      severity: "error",
      message: `Could not split options: ${optionsText} (${words.error})`,
      span: content.span(optionsStart, text.length),
    });
    return { entries: [], problems, requiresHashes: false };
  }
  const parsed = parseOptionWords(words.words);
  const at = (start: number, end: number) => content.span(optionsStart + start, optionsStart + end);
  if (parsed.error !== undefined) {
    problems.push({
      code: "syntax",
      severity: "error",
      message: `pip rejects this line: ${parsed.error.message}`,
      span: at(parsed.error.start, parsed.error.end),
    });
    return { entries: [], problems, requiresHashes: false };
  }
  const named = (name: string): ParsedOption[] => parsed.options.filter((o) => o.name === name);
  const editables = named("editable");
  const hashes = named("hash");

  if (argsEnd > 0 || editables.length > 0) {
    const editable = argsEnd === 0;
    const first = editables[0];
    // `-e name @ url` (pip 25.3+): the words after the -e value belong to it.
    const lastWord = parsed.positional[parsed.positional.length - 1];
    const editableEnd = Math.max(first?.valueEnd ?? first?.end ?? 0, lastWord?.end ?? 0);
    const argsText =
      editable && first !== undefined
        ? content.slice(optionsStart + (first.valueStart ?? first.start), optionsStart + editableEnd)
        : content.slice(0, argsEnd);
    const parts = parseRequirementParts(argsText, editable);
    problems.push(...parts.problems);
    if (parts.problems.some((p) => p.severity === "error")) {
      return { entries: [], problems, requiresHashes: hashes.length > 0 };
    }
    const requirementHashes: RequirementHash[] = editable
      ? []
      : hashes.map((h) => {
          const value = h.value ?? "";
          const colon = value.indexOf(":");
          return { algorithm: value.slice(0, colon), digest: value.slice(colon + 1), span: at(h.start, h.end) };
        });
    const configSettings: Record<string, string[]> = {};
    for (const setting of parsed.options.length === 0 ? [] : named("config-settings")) {
      const value = setting.value ?? "";
      const eq = value.indexOf("=");
      (configSettings[value.slice(0, eq)] ??= []).push(value.slice(eq + 1));
    }
    // Optional fields are assigned only when present (plain assignments: spreads cost on hot paths).
    const entry: Mutable<RequirementEntry> = {
      kind: "requirement",
      pipLine: line.pipLine,
      span: lineSpan,
      text,
      form: parts.form,
      editable,
      extras: parts.extras,
      hashes: requirementHashes,
      configSettings,
    };
    if (parts.name !== undefined) {
      entry.name = parts.name;
      entry.normalizedName = normalizeName(parts.name.value);
    }
    if (parts.specifier !== undefined) entry.specifier = parts.specifier;
    if (parts.marker !== undefined) entry.marker = parts.marker;
    if (parts.url !== undefined) entry.url = parts.url;
    if (parts.insertSpecifierAt !== undefined) entry.insertSpecifierAt = parts.insertSpecifierAt;
    if (line.comment !== undefined) entry.comment = line.comment;
    return { entries: [entry], problems, requiresHashes: requirementHashes.length > 0 };
  }

  // An option line. A -r/-c line only includes (pip ignores its other options).
  const include = named("requirement")[0] ?? named("constraint")[0];
  if (include !== undefined) {
    const entry: IncludeEntry = {
      kind: "include",
      pipLine: line.pipLine,
      span: lineSpan,
      constraint: include.name === "constraint",
      target: {
        value: include.value ?? "",
        span: at(include.valueStart ?? include.start, include.valueEnd ?? include.end),
      },
    };
    return { entries: [entry], problems, requiresHashes: false };
  }
  for (const hash of hashes) {
    problems.push({
      code: "orphan-hash",
      severity: "warning",
      message: `This --hash has no requirement on its line and pip ignores it: is a trailing "\\" missing on the line before?`,
      span: at(hash.start, hash.end),
    });
  }
  const entries: OptionEntry[] = [];
  for (const option of parsed.options) {
    if (option.name === "hash") continue;
    entries.push({
      kind: "option",
      pipLine: line.pipLine,
      span: at(option.start, option.end),
      option: option.name,
      values:
        option.value === undefined
          ? []
          : [{ value: option.value, span: at(option.valueStart ?? option.start, option.valueEnd ?? option.end) }],
    });
  }
  return { entries, problems, requiresHashes: entries.some((e) => e.option === "require-hashes") };
}

/** Cached parses kept at most; a workspace has far fewer requirements files. */
const maxCachedFiles = 500;

/** A bound on files visited through includes: real trees have a handful, hostile ones could explode. */
export const maxIncludedFiles = 200;

/**
 * Parses `root` and everything it includes with `-r`/`-c`, transitively, as pip does: targets are
 * relative to the including file, `-c` makes everything below it a constraint, a file may be
 * included twice, and a cycle is reported on the line that closes it.
 */
export function parseRequirementsTree(
  root: string,
  reader: IncludeReader,
  options: ParseOptions & { readonly rootText?: string; readonly cache?: ParseCache } = {},
): RequirementsTree {
  const files: Record<string, ParsedRequirementsFile> = {};
  const requirements: EffectiveRequirement[] = [];
  const optionEntries: { file: string; entry: OptionEntry }[] = [];
  const includeProblems: { file: string; problem: ParseProblem }[] = [];
  let visits = 0;

  const load = (file: string): ParsedRequirementsFile | { error: string; missing: boolean } => {
    const cached = files[file];
    if (cached !== undefined) return cached;
    if (file === root && options.rootText !== undefined)
      return (files[file] = parseRequirementsText(options.rootText, options));
    // An unchanged included file (same stamp) is not parsed again.
    const stamp = options.cache === undefined ? undefined : reader.stamp?.(file);
    const hit = stamp === undefined ? undefined : options.cache?.get(file);
    if (hit !== undefined && hit.stamp === stamp && hit.env === options.env) return (files[file] = hit.parsed);
    const remember = (parsed: ParsedRequirementsFile): ParsedRequirementsFile => {
      if (stamp !== undefined && options.cache !== undefined) {
        if (options.cache.size >= maxCachedFiles) options.cache.clear();
        options.cache.set(file, { stamp, parsed, env: options.env });
      }
      return (files[file] = parsed);
    };
    const read = reader.read(file);
    switch (read.kind) {
      case "text":
        return remember(parseRequirementsText(read.text, options));
      case "bytes":
        return remember(parseRequirementsBytes(read.bytes, options));
      case "missing":
        return { error: `[Errno 2] No such file or directory: '${file}'`, missing: true };
      default:
        return { error: read.reason, missing: false };
    }
  };

  const visit = (file: string, constraint: boolean, stack: readonly string[], via: readonly string[]): void => {
    const parsed = files[file];
    if (parsed === undefined) return;
    for (const entry of parsed.entries) {
      if (entry.kind === "requirement") {
        requirements.push({ file, entry, constraint, via });
      } else if (entry.kind === "option") {
        optionEntries.push({ file, entry });
      } else {
        const target = reader.resolve(file, entry.target.value);
        const kind = entry.constraint ? "constraint" : "requirements";
        if (/^https?:\/\//i.test(target)) continue;
        if (stack.includes(target)) {
          includeProblems.push({
            file,
            problem: {
              code: "include-cycle",
              severity: "error",
              message: `${target} recursively references itself in ${file}`,
              span: entry.target.span,
            },
          });
          continue;
        }
        if (++visits > maxIncludedFiles) {
          includeProblems.push({
            file,
            problem: {
              code: "include-missing",
              severity: "error",
              message: `Not followed: more than ${maxIncludedFiles} included files.`,
              span: entry.target.span,
            },
          });
          continue;
        }
        const loaded = load(target);
        if ("error" in loaded) {
          includeProblems.push({
            file,
            problem: {
              code: "include-missing",
              severity: "error",
              message: `Could not open ${kind} file: ${loaded.missing ? loaded.error : `${target}: ${loaded.error}`}`,
              span: entry.target.span,
            },
          });
          continue;
        }
        visit(
          target,
          constraint || entry.constraint,
          [...stack, target],
          [...via, `${entry.constraint ? "-c" : "-r"} ${shortName(file)} (line ${entry.pipLine})`],
        );
      }
    }
  };

  const rootLoaded = load(root);
  if ("error" in rootLoaded) {
    files[root] = {
      text: "",
      encoding: "utf-8",
      entries: [],
      problems: [
        {
          code: "include-missing",
          severity: "error",
          message: `Could not open requirements file: ${rootLoaded.error}`,
          span: { start: 0, end: 0 },
        },
      ],
      requiresHashes: false,
    };
  }
  visit(root, false, [root], []);
  const requiresHashes = Object.values(files).some((f) => f.requiresHashes);
  return { root, files, requirements, options: optionEntries, includeProblems, requiresHashes };
}

function shortName(file: string): string {
  const slash = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
  return slash >= 0 ? file.slice(slash + 1) : file;
}

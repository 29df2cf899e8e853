import type { ParsedRequirementsFile, RequirementEntry } from "../parsing/requirementsModel";
import type { Span } from "../span";
import type { Finding, FixOption, PinFixData } from "./findings";
import { pinnedVersion } from "./pins";

/** A text replacement in one document; `span` is in the document's current text. */
export interface TextEdit {
  readonly span: Span;
  readonly newText: string;
}

export interface Fix {
  readonly title: string;
  readonly edits: readonly TextEdit[];
  /** The fix an editor may apply without asking (e.g. on "fix all"). */
  readonly preferred: boolean;
}

/**
 * Builds the quick fixes a finding's data asks for, against the file as it is now. The requirement
 * is found again by its start offset and name; when the document changed so that it moved, no fix
 * is offered rather than an edit in the wrong place.
 */
export function fixesFor(data: PinFixData, file: ParsedRequirementsFile): Fix[] {
  const entry = file.entries.find(
    (e): e is RequirementEntry =>
      e.kind === "requirement" && e.span.start === data.entryStart && e.normalizedName === data.package,
  );
  if (entry === undefined) return [];
  const fixes: Fix[] = [];
  for (const option of data.options) {
    const edits = optionEdits(entry, option, file.text);
    if (edits.length > 0) fixes.push({ title: option.title, edits, preferred: option.preferred });
  }
  return fixes;
}

function optionEdits(entry: RequirementEntry, option: FixOption, text: string): TextEdit[] {
  switch (option.action) {
    case "pin": {
      const edit = pinEdit(entry, option.version);
      if (edit === undefined) return [];
      return option.hashes === undefined ? [edit] : [edit, ...hashEdits(entry, option.hashes)];
    }
    case "bound": {
      if (entry.form !== "pep508") return [];
      if (entry.specifier !== undefined && entry.specifier.value.trim() !== "") {
        return [{ span: entry.specifier.span, newText: `${entry.specifier.value.trim()},<${option.version}` }];
      }
      const at = entry.specifier?.span.start ?? entry.insertSpecifierAt;
      return at === undefined
        ? []
        : [{ span: { start: at, end: entry.specifier?.span.end ?? at }, newText: `<${option.version}` }];
    }
    case "add": {
      // A new line just after the requirement's logical line, keeping the file's line ending.
      const lineEnd = text.indexOf("\n", entry.span.end);
      const eol = lineEnd > 0 && text[lineEnd - 1] === "\r" ? "\r\n" : "\n";
      const line = `${option.name ?? ""}==${option.version}`;
      if (lineEnd < 0) return [{ span: { start: text.length, end: text.length }, newText: `${eol}${line}${eol}` }];
      return [{ span: { start: lineEnd + 1, end: lineEnd + 1 }, newText: `${line}${eol}` }];
    }
  }
}

/**
 * Replaces a requirement's `--hash` options with `hashes` (sha256 digests), one per continuation
 * line as pip-compile writes them; when the line has none yet, they are appended after it.
 */
export function hashEdits(entry: RequirementEntry, hashes: readonly string[]): TextEdit[] {
  if (hashes.length === 0) return [];
  const options = hashes.map((digest) => `--hash=sha256:${digest}`);
  const first = entry.hashes[0];
  const last = entry.hashes[entry.hashes.length - 1];
  if (first === undefined || last === undefined) {
    return [{ span: { start: entry.span.end, end: entry.span.end }, newText: ` \\\n    ${options.join(" \\\n    ")}` }];
  }
  return [{ span: { start: first.span.start, end: last.span.end }, newText: options.join(" \\\n    ") }];
}

/**
 * The edit that pins a requirement to `==version`: the specifier (with any legacy parentheses) is
 * replaced, or `==version` is inserted after the name and extras. Extras, marker, comment and any
 * `--hash` continuation lines are outside the edited span and so stay as written.
 */
export function pinEdit(entry: RequirementEntry, version: string): TextEdit | undefined {
  if (entry.form !== "pep508") return undefined;
  const newText = `==${version}`;
  if (entry.specifier !== undefined) return { span: entry.specifier.span, newText };
  if (entry.insertSpecifierAt === undefined) return undefined;
  return { span: { start: entry.insertSpecifierAt, end: entry.insertSpecifierAt }, newText };
}

/**
 * Edits pinning every unpinned or ranged requirement of a file to a version from `versions`
 * (normalised name → version). Requirements already pinned, or with no known version, are left alone.
 */
export function pinAllEdits(file: ParsedRequirementsFile, versions: ReadonlyMap<string, string>): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const entry of file.entries) {
    if (entry.kind !== "requirement" || entry.normalizedName === undefined) continue;
    if (entry.specifier !== undefined && pinnedVersion(entry.specifier.value) !== null) continue;
    const version = versions.get(entry.normalizedName);
    if (version === undefined) continue;
    const edit = pinEdit(entry, version);
    if (edit !== undefined) edits.push(edit);
  }
  return edits;
}

/**
 * The preferred pin of every `unpinned`/`range` line (and of `python-support` lines): the newest
 * release supporting the target Pythons, or the installed version without index data. One edit set
 * per requirement, for "Pin all requirements" and `pinsight pin`.
 */
export function preferredPinEdits(findings: readonly Finding[], file: ParsedRequirementsFile): TextEdit[] {
  const edits: TextEdit[] = [];
  const done = new Set<number>();
  for (const finding of findings) {
    if (finding.fix === undefined || done.has(finding.fix.entryStart)) continue;
    if (finding.code !== "unpinned" && finding.code !== "range" && finding.code !== "python-support") continue;
    const option = finding.fix.options.find((o) => o.action === "pin" && o.preferred);
    if (option === undefined) continue;
    const fix = fixesFor({ ...finding.fix, options: [option] }, file)[0];
    if (fix === undefined) continue;
    done.add(finding.fix.entryStart);
    edits.push(...fix.edits);
  }
  return edits;
}

/** Applies non-overlapping edits to a text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const edit of [...edits].sort((a, b) => b.span.start - a.span.start)) {
    result = result.slice(0, edit.span.start) + edit.newText + result.slice(edit.span.end);
  }
  return result;
}

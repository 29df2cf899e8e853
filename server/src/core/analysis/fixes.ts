import type { ParsedRequirementsFile, RequirementEntry } from "../parsing/requirementsModel";
import type { Span } from "../span";
import type { PinFixData } from "./findings";
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
  const edit = pinEdit(entry, data.version);
  if (edit === undefined) return [];
  return [{ title: `Pin to ${data.source} ${data.version}`, edits: [edit], preferred: true }];
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

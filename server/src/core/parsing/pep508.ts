import { parseSpecifierSet } from "../pep440/specifier";
import { MarkerParser, type MarkerList, type MarkerNode } from "./markerParser";
import { markerToString } from "./markers";
import { normalizeName } from "./names";
import { Tokenizer, formatSyntaxError, runParser, type Pep508Error } from "./pep508Tokenizer";
import type { Located } from "./requirementsModel";

/**
 * PEP 508 dependency specifiers (`name[extras] specifier ; marker`, `name @ url ; marker`), parsed
 * as packaging 26's hand-written parser (`_parser.py`) does, with its error messages and caret
 * spans, plus a span for every part.
 */

export type { Pep508Error } from "./pep508Tokenizer";

export interface Pep508Requirement {
  /** The project name as written. */
  readonly name: Located;
  /** The extras as written, in order (duplicates kept; packaging keeps a set). */
  readonly extras: readonly Located[];
  /**
   * The specifier text without legacy parentheses, as packaging passes it to `SpecifierSet`
   * (`>=1.0,<2`); the span covers the parentheses if present. Absent when there is none; present
   * with an empty value for `name()`.
   */
  readonly specifier?: Located;
  readonly url?: Located;
  /** The marker text after `;`, trimmed of spaces and tabs; absent when there is no marker. */
  readonly marker?: Located;
  /** The parsed marker, PEP 685-normalised as packaging's `Requirement.marker`. */
  readonly markerTree?: MarkerNode;
  /** Offset just after the name and extras, where `==X` may be inserted when there is no specifier. */
  readonly afterNameAndExtras: number;
}

export type Pep508Result =
  { readonly ok: true; readonly requirement: Pep508Requirement } | { readonly ok: false; readonly error: Pep508Error };

/**
 * Parses a dependency specifier as packaging's `Requirement(text)` does: the grammar first, then the
 * specifier set (`demo===x,y` fails there with "Invalid specifier: 'y'"). All spans are offsets
 * into `text`. Never throws.
 */
export function parseRequirement(text: string): Pep508Result {
  const parsed = runParser(text, () => parseGrammar(new Tokenizer(text)));
  if (!parsed.ok) return parsed;
  const requirement = parsed.value;
  if (requirement.specifier !== undefined) {
    const error = specifierSetError(requirement.specifier.value);
    if (error !== undefined) {
      return { ok: false, error: { message: error, span: requirement.specifier.span, caret: false } };
    }
  }
  return { ok: true, requirement };
}

/** requirement = WS? IDENTIFIER WS? extras WS? requirement_details END */
function parseGrammar(t: Tokenizer): Pep508Requirement {
  t.consume("WS");
  const nameToken = t.expect("IDENTIFIER", "package name at the start of dependency specifier");
  const name: Located = { value: nameToken.text, span: { start: nameToken.position, end: t.position } };
  t.consume("WS");
  const extras = parseExtras(t);
  const afterNameAndExtras = extras.end ?? name.span.end;
  t.consume("WS");
  const details = parseDetails(t);
  t.expect("END", "end of dependency specifier");
  return {
    name,
    extras: extras.list,
    afterNameAndExtras,
    ...(details.specifier !== undefined ? { specifier: details.specifier } : {}),
    ...(details.url !== undefined ? { url: details.url } : {}),
    ...(details.marker !== undefined ? { marker: details.marker.located, markerTree: details.marker.tree } : {}),
  };
}

const specifierErrors = new Map<string, string | undefined>();

/** Why a specifier set is invalid (packaging re-parses it after the grammar), memoised: few distinct sets recur. */
function specifierSetError(text: string): string | undefined {
  if (specifierErrors.has(text)) return specifierErrors.get(text);
  const parsed = parseSpecifierSet(text);
  const error = parsed.ok ? undefined : parsed.error;
  if (specifierErrors.size >= 10_000) specifierErrors.clear();
  specifierErrors.set(text, error);
  return error;
}

/**
 * packaging's exact error text: for a syntax error the three lines of `str(InvalidRequirement)`
 * (message, the input, the `~~~^` marker); for an invalid specifier the one-line message.
 */
export function formatPep508Error(text: string, error: Pep508Error): string {
  return formatSyntaxError(text, error);
}

/** extras = '[' WS? (IDENTIFIER (WS? ',' WS? IDENTIFIER)*)? WS? ']' */
function parseExtras(t: Tokenizer): { list: Located[]; end?: number } {
  if (!t.check("LEFT_BRACKET")) return { list: [] };
  const open = t.take();
  t.skipWs();
  const list: Located[] = [];
  if (t.check("IDENTIFIER")) {
    list.push(located(t, t.take()));
    while (true) {
      t.skipWs();
      if (t.check("IDENTIFIER", true)) throw t.error("Expected comma between extra names");
      if (!t.check("COMMA")) break;
      t.take();
      t.skipWs();
      if (!t.check("IDENTIFIER")) throw t.error("Expected extra name after comma");
      list.push(located(t, t.take()));
    }
  }
  t.skipWs();
  if (!t.check("RIGHT_BRACKET")) throw t.error("Expected matching RIGHT_BRACKET for LEFT_BRACKET, after extras", open);
  t.take();
  return { list, end: t.position };
}

/** The text from `start` to the current position, located. */
function located(t: Tokenizer, start: number): Located {
  return { value: t.source.slice(start, t.position), span: { start, end: t.position } };
}

interface Details {
  specifier?: Located;
  url?: Located;
  marker?: { located: Located; tree: MarkerList };
}

/** requirement_details = '@' WS? URL (WS requirement_marker?)? | specifier WS? requirement_marker? */
function parseDetails(t: Tokenizer): Details {
  if (t.check("AT")) {
    t.read();
    t.consume("WS");
    const urlToken = t.expect("URL", "URL after @");
    const url: Located = { value: urlToken.text, span: { start: urlToken.position, end: t.position } };
    if (t.check("END", true)) return { url };
    // A URL runs to the next space or tab, so `url; marker` has the `;` inside the URL.
    t.expect("WS", "whitespace after URL");
    if (t.check("END", true)) return { url };
    return { url, marker: parseRequirementMarker(t, url.span.start, "semicolon (after URL and whitespace)") };
  }
  const specifierStart = t.position;
  const specifier = parseSpecifier(t);
  t.consume("WS");
  const details: Details = specifier === undefined ? {} : { specifier };
  if (t.check("END", true)) return details;
  details.marker = parseRequirementMarker(
    t,
    specifierStart,
    specifier !== undefined && specifier.value !== ""
      ? "comma (within version specifier), semicolon (after version specifier)"
      : "semicolon (after name with no version specifier)",
  );
  return details;
}

/** requirement_marker = ';' marker WS? */
function parseRequirementMarker(
  t: Tokenizer,
  spanStart: number,
  expected: string,
): { located: Located; tree: MarkerList } {
  if (!t.check("SEMICOLON")) throw t.error(`Expected ${expected} or end`, spanStart);
  t.read();
  const tree = new MarkerParser(t).parseMarker();
  t.consume("WS");
  // The marker's own span starts right after ';' and includes the whitespace around it.
  let start = tree.span.start;
  let end = tree.span.end;
  while (start < end && isSpaceOrTab(t.source.charCodeAt(start))) start++;
  while (end > start && isSpaceOrTab(t.source.charCodeAt(end - 1))) end--;
  return { located: { value: t.source.slice(start, end), span: { start, end } }, tree };
}

function isSpaceOrTab(code: number): boolean {
  return code === 32 || code === 9;
}

/**
 * specifier = '(' WS? version_many WS? ')' | WS? version_many WS?
 * Returns undefined when there is no specifier at all (no parentheses and no clause).
 */
function parseSpecifier(t: Tokenizer): Located | undefined {
  let open: number | undefined;
  if (t.check("LEFT_PARENTHESIS")) {
    open = t.position;
    t.read();
  }
  t.consume("WS");
  const many = parseVersionMany(t);
  t.consume("WS");
  if (open !== undefined) {
    if (!t.check("RIGHT_PARENTHESIS")) {
      throw t.error("Expected matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after version specifier", open);
    }
    t.read();
    return { value: many.text, span: { start: open, end: t.position } };
  }
  if (many.text === "") return undefined;
  return { value: many.text, span: { start: many.start, end: many.end } };
}

/** version_many = (SPECIFIER (WS? ',' WS? SPECIFIER)*)?, with packaging's checks for `.*` and `+local`. */
function parseVersionMany(t: Tokenizer): { text: string; start: number; end: number } {
  const parts: string[] = [];
  const start = t.position;
  let end = t.position;
  while (t.check("SPECIFIER")) {
    const spanStart = t.position;
    const specifier = t.read().text;
    parts.push(specifier);
    end = t.position;
    if (t.check("VERSION_PREFIX_TRAIL", true)) {
      const message =
        specifier.startsWith("!=") || (specifier.startsWith("==") && !specifier.startsWith("==="))
          ? ".* suffix cannot be used with pre-release, post-release, dev or local versions"
          : ".* suffix can only be used with `==` or `!=` operators";
      throw t.error(message, spanStart, t.position + 1);
    }
    if (t.check("VERSION_LOCAL_LABEL_TRAIL", true)) {
      throw t.error("Local version label can only be used with `==` or `!=` operators", spanStart);
    }
    t.consume("WS");
    if (!t.check("COMMA")) break;
    parts.push(t.read().text);
    t.consume("WS");
  }
  return { text: parts.join(""), start, end };
}

/**
 * packaging's `str(Requirement)`: `name[extras]specifier; marker` or `name[extras] @ url ; marker`,
 * extras deduplicated and sorted, the specifier set normalised (clauses sorted, no spaces), the
 * marker normalised. The name and extras keep their spelling.
 */
export function requirementToString(requirement: Pep508Requirement): string {
  let text = requirement.name.value;
  if (requirement.extras.length > 0) {
    text += `[${[...new Set(requirement.extras.map((e) => e.value))].sort(compareCodePoints).join(",")}]`;
  }
  if (requirement.specifier !== undefined) {
    const set = parseSpecifierSet(requirement.specifier.value);
    text += set.ok ? set.value.toString() : requirement.specifier.value;
  }
  if (requirement.url !== undefined) {
    text += ` @ ${requirement.url.value}`;
    if (requirement.markerTree !== undefined) text += " ";
  }
  if (requirement.markerTree !== undefined) text += `; ${markerToString(requirement.markerTree)}`;
  return text;
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * packaging 26.3's `Requirement.__eq__`: equal normalised names, equal sets of normalised extras
 * (PEP 685), equal specifier sets (`==1.0` equals `==1.0.0`), the same URL and the same normalised
 * marker.
 */
export function requirementsEqual(a: Pep508Requirement, b: Pep508Requirement): boolean {
  if (normalizeName(a.name.value) !== normalizeName(b.name.value)) return false;
  if (!sameSet(extrasOf(a), extrasOf(b))) return false;
  const specifiersA = specifierKeys(a);
  const specifiersB = specifierKeys(b);
  if (specifiersA === null || specifiersB === null || !sameSet(specifiersA, specifiersB)) return false;
  if ((a.url?.value ?? null) !== (b.url?.value ?? null)) return false;
  const markerA = a.markerTree === undefined ? null : markerToString(a.markerTree);
  const markerB = b.markerTree === undefined ? null : markerToString(b.markerTree);
  return markerA === markerB;
}

function extrasOf(requirement: Pep508Requirement): Set<string> {
  return new Set(requirement.extras.map((e) => normalizeName(e.value)));
}

function specifierKeys(requirement: Pep508Requirement): Set<string> | null {
  const set = parseSpecifierSet(requirement.specifier?.value ?? "");
  return set.ok ? new Set(set.value.specifiers.map((s) => s.canonicalKey)) : null;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}

import { parseSpecifierSet } from "../pep440/specifier";
import type { Span } from "../span";
import { MarkerParser, markerToString, normalizeExtras, type MarkerList } from "./markers";
import { SyntaxErrorAt, Tokenizer, formatSyntaxError } from "./pep508Tokenizer";
import type { Located } from "./requirementsModel";

/**
 * PEP 508 dependency specifiers (`name[extras] specifier ; marker`, `name @ url ; marker`), parsed as
 * packaging's hand-written parser does, with packaging's error messages, plus spans for every part.
 */

export interface Pep508Requirement {
  readonly name: Located;
  readonly extras: readonly Located[];
  /** The specifier text without legacy parentheses; the span covers the parentheses if present. */
  readonly specifier?: Located;
  readonly url?: Located;
  /** The marker text after `;`, trimmed; absent when there is no marker. */
  readonly marker?: Located;
  readonly markerTree?: MarkerList;
  /** Offset just after the name and extras, where `==X` may be inserted when there is no specifier. */
  readonly afterNameAndExtras: number;
}

export interface Pep508Error {
  readonly message: string;
  /** The span packaging's caret line marks (`~~~^`). */
  readonly span: Span;
}

export type Pep508Result =
  { readonly ok: true; readonly requirement: Pep508Requirement } | { readonly ok: false; readonly error: Pep508Error };

/** Parses a dependency specifier. All spans are offsets into `text`. Never throws. */
export function parseRequirement(text: string): Pep508Result {
  const t = new Tokenizer(text);
  try {
    t.consume("WS");
    const nameToken = t.expect("IDENTIFIER", "package name at the start of dependency specifier");
    const name: Located = { value: nameToken.text, span: { start: nameToken.position, end: t.position } };
    t.consume("WS");
    const extras = parseExtras(t);
    const afterNameAndExtras = extras.end ?? name.span.end;
    t.consume("WS");
    const details = parseDetails(t);
    t.expect("END", "end of dependency specifier");
    if (details.specifier !== undefined) {
      const error = specifierSetError(details.specifier.value);
      if (error !== undefined) return { ok: false, error: { message: error, span: details.specifier.span } };
    }
    const requirement: Pep508Requirement = {
      name,
      extras: extras.list,
      afterNameAndExtras,
      ...(details.specifier !== undefined ? { specifier: details.specifier } : {}),
      ...(details.url !== undefined ? { url: details.url } : {}),
      ...(details.marker !== undefined
        ? { marker: details.marker.located, markerTree: normalizeExtras(details.marker.tree) }
        : {}),
    };
    return { ok: true, requirement };
  } catch (error) {
    if (error instanceof SyntaxErrorAt) return { ok: false, error: { message: error.message, span: error.span } };
    return { ok: false, error: { message: String(error), span: { start: 0, end: text.length } } };
  }
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

/** packaging's exact three-line error text. */
export function formatPep508Error(text: string, error: Pep508Error): string {
  return formatSyntaxError(text, error.message, error.span);
}

function parseExtras(t: Tokenizer): { list: Located[]; end?: number } {
  if (!t.check("LEFT_BRACKET", true)) return { list: [] };
  t.check("LEFT_BRACKET");
  const open = t.position;
  t.read();
  t.consume("WS");
  const list: Located[] = [];
  if (t.check("IDENTIFIER")) {
    const first = t.read();
    list.push({ value: first.text, span: { start: first.position, end: t.position } });
    while (true) {
      t.consume("WS");
      if (t.check("IDENTIFIER", true)) throw t.error("Expected comma between extra names");
      if (!t.check("COMMA")) break;
      t.read();
      t.consume("WS");
      const extra = t.expect("IDENTIFIER", "extra name after comma");
      list.push({ value: extra.text, span: { start: extra.position, end: t.position } });
    }
  }
  t.consume("WS");
  if (!t.check("RIGHT_BRACKET")) throw t.error("Expected matching RIGHT_BRACKET for LEFT_BRACKET, after extras", open);
  t.read();
  return { list, end: t.position };
}

interface Details {
  specifier?: Located;
  url?: Located;
  marker?: { located: Located; tree: MarkerList };
}

function parseDetails(t: Tokenizer): Details {
  if (t.check("AT")) {
    t.read();
    t.consume("WS");
    const urlStart = t.position;
    const urlToken = t.expect("URL", "URL after @");
    const url: Located = { value: urlToken.text, span: { start: urlStart, end: t.position } };
    if (t.check("END", true)) return { url };
    t.expect("WS", "whitespace after URL");
    if (t.check("END", true)) return { url };
    return { url, marker: parseRequirementMarker(t, urlStart, "semicolon (after URL and whitespace)") };
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

function parseRequirementMarker(
  t: Tokenizer,
  spanStart: number,
  expected: string,
): { located: Located; tree: MarkerList } {
  if (!t.check("SEMICOLON")) throw t.error(`Expected ${expected} or end`, spanStart);
  t.read();
  const tree = new MarkerParser(t).parseMarker();
  t.consume("WS");
  const raw = t.source.slice(tree.span.start, tree.span.end);
  const leading = raw.length - raw.trimStart().length;
  const value = raw.trim();
  return {
    located: { value, span: { start: tree.span.start + leading, end: tree.span.start + leading + value.length } },
    tree,
  };
}

/** specifier = '(' WS? version_many WS? ')' | WS? version_many WS?; returns undefined when empty and unparenthesised. */
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

function parseVersionMany(t: Tokenizer): { text: string; start: number; end: number } {
  let text = "";
  const start = t.position;
  let end = t.position;
  while (t.check("SPECIFIER")) {
    const spanStart = t.position;
    const specifier = t.read().text;
    text += specifier;
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
    text += t.read().text;
    t.consume("WS");
  }
  return { text, start, end };
}

/** packaging's `str(Requirement)`: `name[extras-sorted]specifier; marker` or `name @ url ; marker`. */
export function requirementToString(requirement: Pep508Requirement): string {
  let text = requirement.name.value;
  if (requirement.extras.length > 0) {
    text += `[${[...new Set(requirement.extras.map((e) => e.value))].sort().join(",")}]`;
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

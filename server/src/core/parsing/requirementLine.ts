import { pyRepr } from "../pep440/specifier";
import { parseMarker } from "./markers";
import type { MappedText } from "./mappedText";
import { isValidName } from "./names";
import { parseRequirement } from "./pep508";
import type { Located, ParseProblem, RequirementForm } from "./requirementsModel";

/**
 * Turning the requirement part of a line into its parts the way pip's `parse_req_from_line` and
 * `parse_editable` do (req/constructors.py): URLs, `#egg=` names, wheel file names, local paths,
 * VCS URLs, and PEP 508 strings, with the marker split pip uses.
 */

export interface RequirementParts {
  readonly form: RequirementForm;
  readonly name?: Located;
  readonly extras: readonly Located[];
  readonly specifier?: Located;
  readonly marker?: Located;
  readonly url?: Located;
  readonly insertSpecifierAt?: number;
  readonly problems: readonly ParseProblem[];
}

const vcsSchemes = new Set([
  "git+http",
  "git+https",
  "git+ssh",
  "git+git",
  "git+file",
  "hg+file",
  "hg+http",
  "hg+https",
  "hg+ssh",
  "hg+static-http",
  "svn+ssh",
  "svn+http",
  "svn+https",
  "svn+svn",
  "svn+file",
  "bzr+http",
  "bzr+https",
  "bzr+ssh",
  "bzr+sftp",
  "bzr+ftp",
  "bzr+lp",
  "bzr+file",
]);
const urlSchemes = new Set(["http", "https", "file", "ftp", ...vcsSchemes]);
const archiveExtensions = [
  ".whl",
  ".zip",
  ".tar.gz",
  ".tgz",
  ".tar",
  ".tar.bz2",
  ".tbz",
  ".tar.xz",
  ".txz",
  ".tlz",
  ".tar.lz",
  ".tar.lzma",
];
const specifierOperators = ["~=", "==", "!=", "<=", ">=", "<", ">", "==="];

/** pip's `is_url`: a scheme pip downloads from or a VCS scheme. */
export function isUrl(text: string): boolean {
  const colon = text.indexOf(":");
  return colon >= 0 && urlSchemes.has(text.slice(0, colon).toLowerCase());
}

function looksLikePath(text: string): boolean {
  return text.includes("/") || text.startsWith(".");
}

const archivePattern = new RegExp(`(?:${archiveExtensions.map((e) => e.replace(/\./g, "\\.")).join("|")})$`, "i");

function isArchive(text: string): boolean {
  return archivePattern.test(text);
}

/** The file name at the end of a URL path, without query or fragment. */
function urlFilename(url: string): string {
  const bare = url.split("#")[0]?.split("?")[0] ?? url;
  return decodeURIComponentSafe(bare.slice(bare.lastIndexOf("/") + 1));
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const wheelPattern =
  /^(?<name>[^\s-]+?)-(?<ver>[^\s-]*?)(?:-(?<build>\d[^-]*?))?-(?<pyver>[^\s-]+?)-(?<abi>[^\s-]+?)-(?<plat>[^\s-]+?)\.whl$/i;

/** pip's `Wheel(filename)`: name and version, or an error message. */
function wheelNameVersion(filename: string): { name: string; version: string } | { error: string } {
  const match = wheelPattern.exec(filename);
  if (match?.groups === undefined) return { error: `${filename} is not a valid wheel filename.` };
  return {
    name: (match.groups["name"] ?? "").replace(/_/g, "-"),
    version: (match.groups["ver"] ?? "").replace(/_/g, "-"),
  };
}

const eggPattern = /[#&]egg=([^&]*)/;

export function parseRequirementParts(args: MappedText, editable: boolean): RequirementParts {
  return editable ? parseEditable(args) : parseLine(args);
}

function syntax(message: string, args: MappedText, start = 0, end = args.length): ParseProblem {
  const span = args.span(start, end);
  return { code: "syntax", severity: "error", message, span };
}

function located(args: MappedText, value: string, start: number, end: number): Located {
  return { value, span: args.span(start, end) };
}

/** A bare or editable URL: its `#egg=` name (validated), or a wheel's name and version. */
function urlParts(args: MappedText, url: string, start: number, end: number, form: RequirementForm): RequirementParts {
  const problems: ParseProblem[] = [];
  const urlLocated = located(args, url, start, end);
  const filename = urlFilename(url);
  if (filename.toLowerCase().endsWith(".whl")) {
    const wheel = wheelNameVersion(filename);
    if ("error" in wheel)
      return { form, extras: [], url: urlLocated, problems: [syntax(wheel.error, args, start, end)] };
    return {
      form,
      name: { value: wheel.name, span: urlLocated.span },
      extras: [],
      specifier: { value: `==${wheel.version}`, span: urlLocated.span },
      url: urlLocated,
      problems,
    };
  }
  const egg = eggPattern.exec(url);
  // pip rebuilds a relative file URL (`file://../x`) from its path, which drops the fragment.
  const relativeFileUrl = /^file:/i.test(url) && url.includes("../");
  if (egg !== null && !relativeFileUrl) {
    const name = egg[1] ?? "";
    if (!isValidName(name)) {
      problems.push(syntax(`The egg fragment ${pyRepr(name)} is not a valid project name.`, args, start, end));
      return { form, extras: [], url: urlLocated, problems };
    }
    const nameStart = start + egg.index + egg[0].length - name.length;
    return {
      form,
      name: located(args, name, nameStart, nameStart + name.length),
      extras: [],
      url: urlLocated,
      problems,
    };
  }
  return { form, extras: [], url: urlLocated, problems };
}

/**
 * Where the trailing bracket group of `text` starts, or -1: what pip's `^(.+)(\[[^\]]+\])$` finds,
 * computed without the regular expression, which backtracks quadratically on a path full of `[`
 * (a 64 KB line took seconds). The greedy `(.+)` takes the last `[` that leaves a non-empty group
 * without `]` before the final `]`, and cannot cross a line terminator (`.`).
 */
function trailingBracketGroup(text: string): number {
  const length = text.length;
  if (length < 4 || text.charCodeAt(length - 1) !== 93 /* ] */) return -1;
  const lastClose = text.lastIndexOf("]", length - 2);
  const terminator = text.search(/[\n\r\u2028\u2029]/);
  const open = text.lastIndexOf("[", terminator < 0 ? length - 3 : Math.min(length - 3, terminator));
  return open >= 1 && open > lastClose ? open : -1;
}

/** `path[extra1,extra2]`: pip strips a trailing bracket group from paths as extras. */
function stripExtras(args: MappedText, start: number, end: number): { end: number; extras: Located[] } {
  const text = args.text.slice(start, end);
  const open = trailingBracketGroup(text);
  if (open < 0) return { end, extras: [] };
  const pathEnd = start + open;
  const extras: Located[] = [];
  let offset = pathEnd + 1;
  for (const part of text.slice(open + 1, -1).split(",")) {
    const trimmed = part.trim();
    const lead = part.length - part.trimStart().length;
    if (trimmed !== "") extras.push(located(args, trimmed, offset + lead, offset + lead + trimmed.length));
    offset += part.length + 1;
  }
  return { end: pathEnd, extras };
}

function parseLine(args: MappedText): RequirementParts {
  const text = args.text;
  const url = isUrl(text);
  const separator = url ? "; " : ";";
  const cut = text.indexOf(separator);
  let nameEnd = cut >= 0 ? cut : text.length;
  let marker: Located | undefined;
  const problems: ParseProblem[] = [];
  if (cut >= 0) {
    const markerStart = cut + separator.length;
    const raw = text.slice(markerStart);
    const lead = raw.length - raw.trimStart().length;
    const value = raw.trim();
    if (value !== "") {
      marker = located(args, value, markerStart + lead, markerStart + lead + value.length);
      const parsed = parseMarker(value);
      if (!parsed.ok) {
        const at = markerStart + lead;
        problems.push(
          syntax(
            `Invalid marker: ${pyRepr(value)}: ${parsed.error.message}`,
            args,
            at + parsed.error.span.start,
            at + Math.max(parsed.error.span.end, parsed.error.span.start + 1),
          ),
        );
      }
    }
  }
  // pip strips the name part.
  let nameStart = 0;
  while (nameStart < nameEnd && /\s/.test(text[nameStart] as string)) nameStart++;
  while (nameEnd > nameStart && /\s/.test(text[nameEnd - 1] as string)) nameEnd--;
  const name = text.slice(nameStart, nameEnd);
  const withMarker = (parts: RequirementParts): RequirementParts => {
    if (marker === undefined && problems.length === 0) return parts;
    const result: { -readonly [K in keyof RequirementParts]: RequirementParts[K] } = { ...parts };
    if (marker !== undefined) result.marker = marker;
    if (problems.length > 0) result.problems = parts.problems.concat(problems);
    return result;
  };

  if (url) return withMarker(urlParts(args, name, nameStart, nameEnd, "url"));
  const atIndex = name.indexOf("@");
  const pep508Url = atIndex >= 0 && !looksLikePath(name.slice(0, atIndex));
  if (isArchive(name) && !pep508Url) {
    const stripped = stripExtras(args, nameStart, nameEnd);
    const path = text.slice(nameStart, stripped.end);
    const parts = urlParts(args, path, nameStart, stripped.end, "path");
    return withMarker({ ...parts, extras: stripped.extras });
  }
  if (looksLikePath(name) && !pep508Url) {
    // pip installs an existing directory here (relative to the CWD, which an editor cannot know).
    const stripped = stripExtras(args, nameStart, nameEnd);
    return withMarker({
      form: "path",
      extras: stripped.extras,
      url: located(args, text.slice(nameStart, stripped.end), nameStart, stripped.end),
      problems: [],
    });
  }

  const result = parseRequirement(name);
  if (!result.ok) {
    let hint = "";
    if (name.includes("/")) hint = " Hint: It looks like a path.";
    else if (name.includes("=") && !specifierOperators.some((op) => name.includes(op))) {
      hint = " Hint: = is not a valid operator. Did you mean == ?";
    }
    const { start, end } = result.error.span;
    return withMarker({
      form: "pep508",
      extras: [],
      problems: [
        syntax(
          `Invalid requirement: ${pyRepr(name)}: ${result.error.message}.${hint}`,
          args,
          nameStart + start,
          Math.min(nameEnd, nameStart + Math.max(end, start + 1)),
        ),
      ],
    });
  }
  const r = result.requirement;
  const at = (l: Located): Located => located(args, l.value, nameStart + l.span.start, nameStart + l.span.end);
  return withMarker({
    form: r.url !== undefined ? "pep508-url" : "pep508",
    name: at(r.name),
    extras: r.extras.map(at),
    ...(r.specifier !== undefined ? { specifier: at(r.specifier) } : {}),
    ...(r.url !== undefined ? { url: at(r.url) } : {}),
    ...(r.url === undefined ? { insertSpecifierAt: args.toDocument(nameStart + r.afterNameAndExtras, "end") } : {}),
    problems: [],
  });
}

const vcsNames = ["git", "hg", "svn", "bzr"];

function parseEditable(args: MappedText): RequirementParts {
  const text = args.text;
  // pip 25.3+: `-e name[extras] @ vcs+url`.
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@/.test(text) && !isUrl(text)) {
    const result = parseRequirement(text);
    if (!result.ok || result.requirement.url === undefined) {
      const message = result.ok ? "an editable requirement needs a URL" : result.error.message;
      return { form: "pep508-url", extras: [], problems: [syntax(`Invalid editable requirement: ${message}`, args)] };
    }
    const r = result.requirement;
    const at = (l: Located): Located => located(args, l.value, l.span.start, l.span.end);
    return { form: "pep508-url", name: at(r.name), extras: r.extras.map(at), url: at(r.url as Located), problems: [] };
  }
  const stripped = stripExtras(args, 0, text.length);
  const urlText = text.slice(0, stripped.end);
  if (urlText.toLowerCase().startsWith("file:")) {
    return { ...urlParts(args, urlText, 0, stripped.end, "url"), extras: stripped.extras };
  }
  if (!urlText.includes(":") || /^[a-zA-Z]:[\\/]/.test(urlText)) {
    return {
      form: "path",
      extras: stripped.extras,
      url: located(args, urlText, 0, stripped.end),
      problems: [],
    };
  }
  const scheme = text.slice(0, text.indexOf(":")).toLowerCase();
  const isVcs = vcsSchemes.has(scheme) || vcsNames.includes(scheme);
  if (!isVcs) {
    return {
      form: "url",
      extras: [],
      url: located(args, text, 0, text.length),
      problems: [
        syntax(
          `${text} is not a valid editable requirement. It should either be a path to a local project or a VCS URL (beginning with ${[...vcsSchemes].join(", ")}).`,
          args,
        ),
      ],
    };
  }
  const parts = urlParts(args, text, 0, text.length, "url");
  if (parts.name === undefined && parts.problems.length === 0) {
    return {
      ...parts,
      problems: [
        syntax(
          `Could not detect requirement name for '${text}', please specify one with your_package_name @ URL`,
          args,
        ),
      ],
    };
  }
  return parts;
}

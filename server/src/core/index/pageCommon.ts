import type { ProjectPage } from "./releaseModel";

/** The result of reading one project page: the page, or why it could not be read at all. */
export type PageResult =
  { readonly ok: true; readonly page: ProjectPage } | { readonly ok: false; readonly error: string };

/** The highest Simple API version this reader knows (PyPI serves 1.4). */
const knownMajor = 1;
const knownMinor = 4;

/**
 * Applies the API versioning rule of the Simple Repository API: a newer major version must not be
 * read (returns the error), a newer minor version is read with a warning.
 */
export function checkApiVersion(version: string, warnings: string[]): string | null {
  const match = /^\s*(\d+)(?:\.(\d+))?/.exec(version);
  if (!match) {
    warnings.push(`unrecognised repository version "${version.slice(0, 40)}"; reading it as 1.0`);
    return null;
  }
  const major = Number(match[1]);
  const minor = Number(match[2] ?? "0");
  if (major > knownMajor) return `the index uses Simple API version ${major}.${minor}, which Pinsight cannot read`;
  if (major === knownMajor && minor > knownMinor) {
    warnings.push(`the index uses Simple API version ${major}.${minor}; newer fields are ignored`);
  }
  return null;
}

/**
 * Resolves a file link against the page (or `<base>`) URL. Only http(s) and file URLs are kept, and
 * any credentials in them are removed: file URLs are stored and displayed, and the index client adds
 * credentials itself when it needs them.
 */
export function resolveFileUrl(href: string, baseUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(href.trim(), baseUrl);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:" && url.protocol !== "file:") return null;
  url.username = "";
  url.password = "";
  return url.toString();
}

/**
 * PEP 700 asks for `YYYY-MM-DDTHH:MM:SS.ffffffZ`; real indexes also send it without fraction, without
 * zone or with an offset. Anything else is not a time: it is untrusted text that would otherwise be
 * shown as a "release date" in hovers, messages and completions.
 */
const uploadTimePattern = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** The upload time when `value` is an ISO 8601 date or date-time string, else null. */
export function uploadTimeOf(value: unknown): string | null {
  return typeof value === "string" && value.length <= 40 && uploadTimePattern.test(value) ? value : null;
}

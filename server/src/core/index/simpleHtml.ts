import { parseDistFilename } from "./filenames";
import { checkApiVersion, resolveFileUrl, type PageResult } from "./pageCommon";
import type { CoreMetadata, IndexFile, ProjectStatus } from "./releaseModel";

/**
 * Reads a Simple Repository API project page in HTML (PEP 503, with PEP 592 `data-yanked`, PEP 658/714
 * `data-core-metadata` and PEP 629/792 meta tags), as served by PyPI and by indexes that never
 * learned JSON (Artifactory, Nexus, GitLab, Azure, pypiserver, devpi's HTML view).
 *
 * The scanner is a single forward pass over the text without backtracking (a 10 MB page takes tens
 * of milliseconds, and a hostile page cannot make it slow). It understands just enough HTML for these
 * pages: comments, `<script>`/`<style>` contents, quoted, unquoted and valueless attributes, and
 * character references. As in pip, the file name comes from the link's URL, not its text.
 */
export function readSimpleHtml(text: string, pageUrl: string, name: string): PageResult {
  const anchors: Record<string, string>[] = [];
  const metas: Record<string, string>[] = [];
  let base: string | null = null;
  scanTags(text, (tag, attributes) => {
    if (tag === "a") {
      if (attributes["href"] !== undefined) anchors.push(attributes);
    } else if (tag === "meta") {
      metas.push(attributes);
    } else if (tag === "base" && base === null && attributes["href"] !== undefined) {
      base = attributes["href"];
    }
  });

  const warnings: string[] = [];
  let apiVersion = "1.0";
  let status: ProjectStatus | null = null;
  let statusReason: string | null = null;
  for (const meta of metas) {
    const metaName = (meta["name"] ?? "").toLowerCase();
    if (metaName === "pypi:repository-version" && meta["content"] !== undefined) apiVersion = meta["content"].trim();
    else if (metaName === "pypi:project-status" && meta["content"] !== undefined)
      status = { status: meta["content"].trim(), reason: null };
    else if (metaName === "pypi:project-status-reason" && meta["content"] !== undefined) statusReason = meta["content"];
  }
  if (status !== null && statusReason !== null) status = { ...status, reason: statusReason };
  const versionProblem = checkApiVersion(apiVersion, warnings);
  if (versionProblem !== null) return { ok: false, error: versionProblem };

  let baseUrl = pageUrl;
  if (base !== null) {
    const resolved = resolveFileUrl(base, pageUrl);
    if (resolved !== null) baseUrl = resolved;
  }
  const files: IndexFile[] = [];
  let skipped = 0;
  for (const anchor of anchors) {
    const file = readAnchor(anchor, baseUrl, name);
    if (file === null) skipped++;
    else files.push(file);
  }
  if (skipped > 0)
    warnings.push(`skipped ${skipped} link${skipped === 1 ? "" : "s"} that are not distributions of ${name}`);
  return { ok: true, page: { name, format: "simple-html", apiVersion, files, versions: null, status, warnings } };
}

const hashFragment = /[#&](sha1|sha224|sha384|sha256|sha512|md5)=([^&]*)/;

function readAnchor(attributes: Record<string, string>, baseUrl: string, name: string): IndexFile | null {
  const href = attributes["href"] ?? "";
  const resolved = resolveFileUrl(href, baseUrl);
  if (resolved === null) return null;
  const url = new URL(resolved);
  const hash = hashFragment.exec(url.hash);
  const sha256 =
    hash && hash[1] === "sha256" && /^[0-9a-f]{64}$/i.test(hash[2] ?? "") ? (hash[2] ?? "").toLowerCase() : null;
  url.hash = "";
  const path = url.pathname.replace(/\/+$/, "");
  const segment = path.slice(path.lastIndexOf("/") + 1);
  let filename: string;
  try {
    filename = decodeURIComponent(segment);
  } catch {
    filename = segment;
  }
  const parsed = parseDistFilename(filename, name);
  if (parsed === null) return null;
  const yanked = attributes["data-yanked"];
  return {
    filename,
    url: url.toString(),
    packagetype: parsed.packagetype,
    version: parsed.version,
    wheel: parsed.wheel,
    requiresPython: attributes["data-requires-python"]?.trim() ? attributes["data-requires-python"] : null,
    yankedReason: yanked === undefined ? null : yanked,
    uploadTime: null,
    size: null,
    sha256,
    coreMetadata: coreMetadataOf(attributes["data-core-metadata"] ?? attributes["data-dist-info-metadata"]),
  };
}

function coreMetadataOf(value: string | undefined): CoreMetadata {
  if (value === undefined) return { available: false };
  const trimmed = value.trim();
  if (trimmed.toLowerCase() === "true") return { available: true, sha256: null };
  const match = /^([a-z0-9]+)=([0-9a-f]+)$/i.exec(trimmed);
  if (!match) return { available: false };
  return { available: true, sha256: match[1]?.toLowerCase() === "sha256" ? (match[2] ?? "").toLowerCase() : null };
}

/**
 * Calls `onTag` for every start tag with its lower-cased name and attributes (names lower-cased,
 * values with character references decoded). Runs in time linear in the text.
 */
export function scanTags(text: string, onTag: (tag: string, attributes: Record<string, string>) => void): void {
  const length = text.length;
  let i = 0;
  while (i < length) {
    const lt = text.indexOf("<", i);
    if (lt < 0) return;
    i = lt + 1;
    if (text.startsWith("!--", i)) {
      const end = text.indexOf("-->", i + 3);
      if (end < 0) return;
      i = end + 3;
      continue;
    }
    const first = text.charCodeAt(i);
    if (first === 0x21 /* ! */ || first === 0x3f /* ? */ || first === 0x2f /* / */) {
      const end = text.indexOf(">", i);
      if (end < 0) return;
      i = end + 1;
      continue;
    }
    if (!isAsciiLetter(first)) continue;
    let j = i;
    while (j < length && !isSpace(text.charCodeAt(j)) && text.charCodeAt(j) !== 0x3e && text.charCodeAt(j) !== 0x2f)
      j++;
    const tag = text.slice(i, j).toLowerCase();
    const attributes: Record<string, string> = Object.create(null) as Record<string, string>;
    // Attributes until `>`.
    while (j < length) {
      while (j < length && (isSpace(text.charCodeAt(j)) || text.charCodeAt(j) === 0x2f)) j++;
      if (j >= length || text.charCodeAt(j) === 0x3e) break;
      const nameStart = j;
      while (j < length) {
        const c = text.charCodeAt(j);
        if (isSpace(c) || c === 0x3e || c === 0x2f || c === 0x3d || (c === 0x3c && j > nameStart)) break;
        j++;
      }
      if (j === nameStart) {
        j++;
        continue;
      }
      const attributeName = text.slice(nameStart, j).toLowerCase();
      let k = j;
      while (k < length && isSpace(text.charCodeAt(k))) k++;
      let value = "";
      if (k < length && text.charCodeAt(k) === 0x3d /* = */) {
        k++;
        while (k < length && isSpace(text.charCodeAt(k))) k++;
        const quote = text.charCodeAt(k);
        if (quote === 0x22 || quote === 0x27) {
          const end = text.indexOf(quote === 0x22 ? '"' : "'", k + 1);
          if (end < 0) return;
          value = decodeEntities(text.slice(k + 1, end));
          j = end + 1;
        } else {
          const start = k;
          while (k < length && !isSpace(text.charCodeAt(k)) && text.charCodeAt(k) !== 0x3e) k++;
          value = decodeEntities(text.slice(start, k));
          j = k;
        }
      }
      if (!(attributeName in attributes)) attributes[attributeName] = value;
    }
    i = j + 1;
    onTag(tag, attributes);
    if (tag === "script" || tag === "style") {
      // Their contents are text, not markup: nothing inside may produce a link.
      const close = indexOfIgnoreCase(text, `</${tag}`, i);
      if (close < 0) return;
      i = close + 2;
    }
  }
}

function indexOfIgnoreCase(text: string, needle: string, from: number): number {
  // Both spellings are searched separately to stay linear; mixed case is rare enough to ignore.
  const lower = text.indexOf(needle, from);
  const upper = text.indexOf(needle.toUpperCase(), from);
  if (lower < 0) return upper;
  if (upper < 0) return lower;
  return Math.min(lower, upper);
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

const namedEntities: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
};

/** Decodes character references (named ones used on index pages, decimal and hexadecimal). */
export function decodeEntities(value: string): string {
  if (!value.includes("&")) return value;
  return value.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (whole, body: string) => {
    if (body.startsWith("#")) {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return "\ufffd";
      return String.fromCodePoint(code);
    }
    return namedEntities[body.toLowerCase()] ?? whole;
  });
}

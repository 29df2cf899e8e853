/**
 * Index URL helpers that behave like pip's (`pip/_internal/utils/misc.py` and
 * `models/search_scope.py`, pypa/pip@6d30920): credentials split out of a URL, redaction for
 * display, the project page URL, `${VAR}` expansion as requirements files do it, host and origin.
 * Nothing here throws: garbage in gives a best-effort answer, never an exception, because these
 * run on user-controlled text (settings, requirements files, pip.conf).
 */

/** The parts of Python's `urllib.parse.urlsplit`, which pip applies to index URLs. */
interface SplitUrl {
  readonly scheme: string;
  readonly netloc: string;
  readonly path: string;
  readonly query: string;
  readonly fragment: string;
  /** True when the netloc has an unbalanced `[` or `]` (Python raises "Invalid IPv6 URL"). */
  readonly invalid: boolean;
}

const schemeChars = /^[A-Za-z][A-Za-z0-9+\-.]*$/;

/**
 * Python's `urlsplit` (3.11): leading C0 controls and spaces are stripped, tab/CR/LF removed
 * anywhere, the scheme lower-cased, the netloc taken after `//` up to the first `/`, `?` or `#`.
 */
function urlsplit(input: string): SplitUrl {
  // eslint-disable-next-line no-control-regex
  let url = input.replace(/^[\u0000-\u0020]+/, "").replace(/[\t\r\n]/g, "");
  let scheme = "";
  const colon = url.indexOf(":");
  if (colon > 0 && schemeChars.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase();
    url = url.slice(colon + 1);
  }
  let netloc = "";
  let invalid = false;
  if (url.startsWith("//")) {
    let end = url.length;
    for (const delimiter of ["/", "?", "#"]) {
      const at = url.indexOf(delimiter, 2);
      if (at >= 0) end = Math.min(end, at);
    }
    netloc = url.slice(2, end);
    url = url.slice(end);
    invalid = netloc.includes("[") !== netloc.includes("]");
  }
  let fragment = "";
  const hash = url.indexOf("#");
  if (hash >= 0) {
    fragment = url.slice(hash + 1);
    url = url.slice(0, hash);
  }
  let query = "";
  const question = url.indexOf("?");
  if (question >= 0) {
    query = url.slice(question + 1);
    url = url.slice(0, question);
  }
  return { scheme, netloc, path: url, query, fragment, invalid };
}

/** Schemes for which Python's `urlunsplit` writes `//` even with an empty netloc. */
const usesNetloc = new Set([
  "",
  "ftp",
  "http",
  "gopher",
  "nntp",
  "telnet",
  "imap",
  "wais",
  "file",
  "mms",
  "https",
  "shttp",
  "snews",
  "prospero",
  "rtsp",
  "rtspu",
  "rsync",
  "svn",
  "svn+ssh",
  "sftp",
  "nfs",
  "git",
  "git+ssh",
  "ws",
  "wss",
]);

/** Python's `urlunsplit`: empty query and fragment markers are dropped. */
function urlunsplit(parts: Omit<SplitUrl, "invalid">): string {
  let url = parts.path;
  if (parts.netloc !== "" || (parts.scheme !== "" && usesNetloc.has(parts.scheme) && !url.startsWith("//"))) {
    if (url !== "" && !url.startsWith("/")) url = "/" + url;
    url = "//" + parts.netloc + url;
  }
  if (parts.scheme !== "") url = parts.scheme + ":" + url;
  if (parts.query !== "") url += "?" + parts.query;
  if (parts.fragment !== "") url += "#" + parts.fragment;
  return url;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: false });

/** Python's `urllib.parse.unquote`: `%XX` runs decoded as UTF-8, invalid bytes replaced. */
export function pyUnquote(text: string): string {
  if (!text.includes("%")) return text;
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return utf8Decoder.decode(bytes);
  });
}

const alwaysSafe = /[A-Za-z0-9_.\-~]/;

/** Python's `urllib.parse.quote` with its default `safe="/"`: UTF-8 bytes, upper-case hex. */
export function pyQuote(text: string, safe = "/"): string {
  let out = "";
  for (const char of text) {
    if (alwaysSafe.test(char) || safe.includes(char)) {
      out += char;
      continue;
    }
    // A lone surrogate cannot be encoded by Python either; U+FFFD keeps us from throwing.
    for (const byte of utf8.encode(char)) out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** pip's `split_auth_from_netloc`: the last `@` ends the userinfo, the first `:` in it ends the user. */
function splitAuthFromNetloc(netloc: string): {
  host: string;
  username: string | null;
  password: string | null;
} {
  const at = netloc.lastIndexOf("@");
  if (at < 0) return { host: netloc, username: null, password: null };
  const auth = netloc.slice(0, at);
  const colon = auth.indexOf(":");
  const user = colon >= 0 ? auth.slice(0, colon) : auth;
  const password = colon >= 0 ? pyUnquote(auth.slice(colon + 1)) : null;
  return { host: netloc.slice(at + 1), username: pyUnquote(user), password };
}

export interface UrlCredentials {
  /** The URL without its userinfo, rebuilt the way pip's `remove_auth_from_url` does it. */
  readonly url: string;
  /** The percent-decoded user name (a token when there is no password); null without userinfo. */
  readonly username: string | null;
  /** The percent-decoded password; null when the userinfo has no `:`. */
  readonly password: string | null;
}

/**
 * pip's `split_auth_netloc_from_url`: the URL without credentials, plus the percent-decoded user
 * name and password. `https://tok@host/` gives username "tok" and password null (a token);
 * `https://u:@host/` gives password "" as pip does.
 */
export function splitCredentials(url: string): UrlCredentials {
  const parts = urlsplit(url);
  const { host, username, password } = splitAuthFromNetloc(parts.netloc);
  return { url: urlunsplit({ ...parts, netloc: host }), username, password };
}

/** A fallback for URLs Python's urlsplit would reject: hide anything that looks like userinfo. */
function redactLoosely(url: string): string {
  return url.replace(/(\/\/)[^/?#]*@/, "$1****@");
}

/**
 * pip's `redact_auth_from_url`, for showing a URL: `user:pass@` becomes `user:****@` (the user
 * re-quoted), a token-only `tok@` becomes `****@`. Never throws; a URL pip could not split (an
 * unbalanced IPv6 bracket) still has everything before its last `@` hidden.
 */
export function redactUrl(url: string): string {
  const parts = urlsplit(url);
  if (parts.invalid) return redactLoosely(url);
  const { host, username, password } = splitAuthFromNetloc(parts.netloc);
  if (username === null) return urlunsplit(parts);
  const netloc = password === null ? `****@${host}` : `${pyQuote(username)}:****@${host}`;
  return urlunsplit({ ...parts, netloc });
}

/** Python's `posixpath.join(a, b)` for two components. */
function posixJoin(a: string, b: string): string {
  if (b.startsWith("/")) return b;
  if (a === "" || a.endsWith("/")) return a + b;
  return a + "/" + b;
}

/**
 * The project page URL pip requests: `posixpath.join(index_url, quote(name))` plus a trailing `/`
 * (pip's `mkurl_pypi_url`). An index URL without a trailing slash gets one between; credentials
 * and anything else in the index URL are kept exactly, as pip keeps them.
 */
export function projectPageUrl(indexUrl: string, normalizedName: string): string {
  const location = posixJoin(indexUrl, pyQuote(normalizedName));
  return location.endsWith("/") ? location : location + "/";
}

/** The result of expanding `${VAR}` references in one value. */
export interface EnvExpansion {
  readonly value: string;
  /** Variables that were replaced, in order of first use. */
  readonly used: readonly string[];
  /** Variables referenced but unset or empty; pip leaves these verbatim. */
  readonly missing: readonly string[];
  /** Variables referenced but not expanded because expansion was not allowed. */
  readonly refused: readonly string[];
}

/** The only form pip expands in requirements files (req_file.py `ENV_VAR_RE`). */
const envVarPattern = /\$\{([A-Z0-9_]+)\}/g;

/**
 * pip's `expand_env_variables` for requirements files (SPECS §1.1 step 5): only `${NAME}` with
 * NAME in `[A-Z0-9_]+` is replaced; an unset or empty variable is left verbatim; `$NAME`,
 * `%NAME%` and lower-case names are never touched. With `allowed` false (an untrusted
 * workspace) nothing is replaced and every reference is reported as refused.
 */
export function expandEnvVars(
  url: string,
  env: Readonly<Record<string, string | undefined>>,
  allowed: boolean,
): EnvExpansion {
  const used: string[] = [];
  const missing: string[] = [];
  const refused: string[] = [];
  const note = (list: string[], name: string): void => {
    if (!list.includes(name)) list.push(name);
  };
  const value = url.replace(envVarPattern, (whole: string, name: string) => {
    if (!allowed) {
      note(refused, name);
      return whole;
    }
    const replacement = Object.prototype.hasOwnProperty.call(env, name) ? env[name] : undefined;
    if (replacement === undefined || replacement === "") {
      note(missing, name);
      return whole;
    }
    note(used, name);
    return replacement;
  });
  return { value, used, missing, refused };
}

/** Whether a value still holds a `${NAME}` reference pip would expand. */
export function hasEnvReference(value: string): boolean {
  return /\$\{[A-Z0-9_]+\}/.test(value);
}

/**
 * The host name the way `urlparse(url).hostname` gives it (what requests looks up in netrc):
 * userinfo and port removed, IPv6 brackets removed, lower-cased; null when there is none.
 */
export function hostOf(url: string): string | null {
  const netloc = urlsplit(url).netloc;
  const hostPort = netloc.slice(netloc.lastIndexOf("@") + 1);
  let host: string;
  if (hostPort.includes("[")) {
    const open = hostPort.indexOf("[");
    const close = hostPort.indexOf("]", open);
    host = close < 0 ? hostPort.slice(open + 1) : hostPort.slice(open + 1, close);
  } else {
    const colon = hostPort.indexOf(":");
    host = colon < 0 ? hostPort : hostPort.slice(0, colon);
  }
  return host === "" ? null : host.toLowerCase();
}

const defaultPorts: Readonly<Record<string, string>> = { http: "80", https: "443" };

/** The port written in the URL, or the scheme's default; "" when neither is known. */
function portOf(scheme: string, netloc: string): string {
  const hostPort = netloc.slice(netloc.lastIndexOf("@") + 1);
  const afterBracket = hostPort.lastIndexOf("]");
  const colon = hostPort.indexOf(":", afterBracket + 1);
  const written = colon < 0 ? "" : hostPort.slice(colon + 1);
  return written !== "" ? written.replace(/^0+(?=\d)/, "") : (defaultPorts[scheme] ?? "");
}

/**
 * Whether two URLs share scheme, host and port (default ports filled in), ignoring credentials
 * and path. False when either has no host.
 */
export function sameOrigin(a: string, b: string): boolean {
  const pa = urlsplit(a);
  const pb = urlsplit(b);
  const ha = hostOf(a);
  const hb = hostOf(b);
  if (ha === null || hb === null || pa.scheme === "" || pb.scheme === "") return false;
  return pa.scheme === pb.scheme && ha === hb && portOf(pa.scheme, pa.netloc) === portOf(pb.scheme, pb.netloc);
}

/**
 * A virtual environment's `pyvenv.cfg` (PEP 405), read the way CPython's `site` module reads it: every
 * line containing `=` is a `key = value` pair split at the first `=`, keys are case-insensitive, the
 * last occurrence of a key wins, and any other line is ignored. No section headers, no comments, no
 * quoting. The Python version is not read by `site` at all; each creating tool writes it differently:
 *
 * - stdlib `venv`: `version = 3.11.7`
 * - virtualenv: `version_info = 3.11.7.final.0`
 * - uv: `version_info = 3.12.3` (early releases wrote only `3.12`)
 */

/** The fields of a virtual environment's `pyvenv.cfg` that Pinsight uses. */
export interface PyvenvCfg {
  /** The directory of the base interpreter the environment was made from. */
  readonly home?: string;
  /**
   * The Python version as `major.minor` or `major.minor.micro` (`3.12.3.final.0` becomes `3.12.3`), from
   * `version` (venv) or else `version_info` (virtualenv, uv); absent when neither looks like a version.
   */
  readonly version?: string;
  /** `CPython`, `PyPy`, ... as virtualenv and uv write it; the stdlib `venv` does not. */
  readonly implementation?: string;
  /** `include-system-site-packages`; `true` (any case) is true, as in `site.py`, anything else false. */
  readonly includeSystemSitePackages?: boolean;
}

/** Longer lines are not configuration; the bound keeps garbage input cheap. */
const maxLineLength = 4096;
/** A Python version at the start of a value: two or three dot-separated numbers, not followed by more. */
const versionPrefix = /^(\d{1,4}\.\d{1,4}(?:\.\d{1,4})?)(?!\.?\d)/;

/**
 * Parses the text of a `pyvenv.cfg`. Never throws: lines without `=`, empty keys and over-long lines are
 * skipped, so garbage yields an empty object, and a field is present only when its key was.
 */
export function parsePyvenvCfg(text: string): PyvenvCfg {
  const values = new Map<string, string>();
  // `site.py` reads the file as UTF-8 without stripping a byte-order mark; tolerate one anyway.
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  for (const line of body.split(/\r\n|\r|\n/)) {
    if (line.length > maxLineLength) continue;
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim().toLowerCase();
    if (key === "") continue;
    values.set(key, line.slice(eq + 1).trim());
  }
  const version = pythonVersion(values.get("version")) ?? pythonVersion(values.get("version_info"));
  const home = values.get("home");
  const implementation = values.get("implementation");
  const include = values.get("include-system-site-packages");
  return {
    ...(home !== undefined && home !== "" ? { home } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(implementation !== undefined && implementation !== "" ? { implementation } : {}),
    ...(include !== undefined ? { includeSystemSitePackages: include.toLowerCase() === "true" } : {}),
  };
}

/** The leading `X.Y` or `X.Y.Z` of a version value, or undefined when it does not start with one. */
function pythonVersion(value: string | undefined): string | undefined {
  return value === undefined ? undefined : versionPrefix.exec(value)?.[1];
}

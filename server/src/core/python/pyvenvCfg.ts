/** The fields of a virtual environment's `pyvenv.cfg` that Pinsight uses. */
export interface PyvenvCfg {
  readonly home?: string;
  /** The Python version, from `version` (venv, virtualenv) or `version_info` (uv). */
  readonly version?: string;
  readonly implementation?: string;
  readonly includeSystemSitePackages?: boolean;
}

/** Parses `key = value` lines; anything else is ignored, so garbage yields an empty result. */
export function parsePyvenvCfg(text: string): PyvenvCfg {
  const values = new Map<string, string>();
  for (const line of text.split(/\r\n|\r|\n/)) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    values.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const version = values.get("version") ?? values.get("version_info");
  const include = values.get("include-system-site-packages");
  return {
    ...(values.has("home") ? { home: values.get("home") } : {}),
    ...(version !== undefined && /^\d+(\.\d+)*/.test(version) ? { version: /^\d+(\.\d+)*/.exec(version)?.[0] } : {}),
    ...(values.has("implementation") ? { implementation: values.get("implementation") } : {}),
    ...(include !== undefined ? { includeSystemSitePackages: include.toLowerCase() === "true" } : {}),
  };
}

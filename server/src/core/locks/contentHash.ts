/**
 * What Poetry and PDM hash into a lock's content hash, so `lock-stale` can tell when the manifest
 * changed after locking. Both hash `json.dumps(content, sort_keys=True)` of selected manifest tables;
 * this module builds that exact text (Python's separators and ASCII escaping), and the caller hashes
 * it with SHA-256. Checked against the real pairs in the corpus (Poetry's and PDM's own repositories).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Python's `json.dumps(value, sort_keys=True)`: ", " and ": " separators, non-ASCII escaped. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : pythonFloat(value);
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${pythonJsonDumps(key)}: ${pythonJsonDumps(item)}`).join(", ")}}`;
}

/** Python prints floats with a decimal point (`1.0`); JavaScript would print `1`. */
function pythonFloat(value: number): string {
  const text = String(value);
  return /[.eE]/.test(text) || !Number.isFinite(value) ? text : `${text}.0`;
}

/**
 * Poetry (1.2 and later) hashes `[tool.poetry]`'s dependencies, source, extras, dev-dependencies and
 * group tables, plus — from Poetry 2 — `[project]` requires-python/dependencies/optional-dependencies
 * and `[dependency-groups]`, in which case the Poetry keys go under `tool.poetry`.
 */
export function poetryHashInput(pyproject: unknown): string {
  const root = record(pyproject);
  const project = record(root["project"]);
  const groups = record(root["dependency-groups"]);
  const poetry = record(record(root["tool"])["poetry"]);
  const legacyKeys = ["dependencies", "source", "extras", "dev-dependencies"];
  const projectContent: Record<string, Json> = {};
  for (const key of ["requires-python", "dependencies", "optional-dependencies"]) {
    if (project[key] !== undefined && project[key] !== null) projectContent[key] = project[key] as Json;
  }
  const hasProject = Object.keys(projectContent).length > 0;
  const poetryContent: Record<string, Json> = {};
  for (const key of [...legacyKeys, "group"]) {
    const data = poetry[key];
    if (data === undefined && (!legacyKeys.includes(key) || hasProject)) continue;
    poetryContent[key] = (data ?? null) as Json;
  }
  if (!hasProject) return pythonJsonDumps(poetryContent);
  const content: Record<string, Json> = { project: projectContent, tool: { poetry: poetryContent } };
  if (Object.keys(groups).length > 0) content["dependency-groups"] = groups as Json;
  return pythonJsonDumps(content);
}

/**
 * PDM 2 hashes the sources, dependencies, development groups (`[dependency-groups]`, else
 * `[tool.pdm.dev-dependencies]`), optional dependencies, requires-python and resolution settings.
 */
export function pdmHashInput(pyproject: unknown): string {
  const root = record(pyproject);
  const project = record(root["project"]);
  const pdm = record(record(root["tool"])["pdm"]);
  const groups = root["dependency-groups"] ?? pdm["dev-dependencies"] ?? {};
  return pythonJsonDumps({
    sources: pdm["source"] ?? [],
    dependencies: project["dependencies"] ?? [],
    "dev-dependencies": groups,
    "optional-dependencies": project["optional-dependencies"] ?? {},
    "requires-python": project["requires-python"] ?? "",
    resolution: pdm["resolution"] ?? {},
  });
}

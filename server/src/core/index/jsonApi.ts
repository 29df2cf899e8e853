/**
 * Reads PyPI's JSON API (`/pypi/<name>/json`, `/pypi/<name>/<version>/json`) for metadata only:
 * summary, project URLs, classifiers, dependencies and known vulnerabilities. The deprecated `releases`
 * key is never read; release data comes from the Simple API. Every field is type-checked because the
 * document is untrusted and private indexes implement it partially.
 */

export interface Vulnerability {
  readonly id: string;
  readonly aliases: readonly string[];
  readonly summary: string | null;
  readonly details: string | null;
  readonly fixedIn: readonly string[];
  readonly link: string | null;
  readonly withdrawn: string | null;
}

export interface ProjectMetadata {
  readonly name: string;
  readonly version: string;
  readonly summary: string | null;
  readonly projectUrls: readonly { readonly label: string; readonly url: string }[];
  readonly classifiers: readonly string[];
  readonly requiresDist: readonly string[] | null;
  readonly requiresPython: string | null;
  readonly yanked: boolean;
  readonly yankedReason: string | null;
  readonly vulnerabilities: readonly Vulnerability[];
}

export type MetadataResult =
  { readonly ok: true; readonly meta: ProjectMetadata } | { readonly ok: false; readonly error: string };

const maxListItems = 2000;

export function readJsonApi(text: string): MetadataResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `invalid JSON (${(error as Error).message.slice(0, 120)})` };
  }
  if (!isRecord(data) || !isRecord(data["info"]))
    return { ok: false, error: 'the JSON API document has no "info" object' };
  const info = data["info"];
  const projectUrls: { label: string; url: string }[] = [];
  const home = str(info["home_page"]);
  if (home) projectUrls.push({ label: "Homepage", url: home });
  if (isRecord(info["project_urls"])) {
    for (const [label, url] of Object.entries(info["project_urls"]).slice(0, 100)) {
      if (typeof url === "string" && url !== "" && !projectUrls.some((p) => p.url === url))
        projectUrls.push({ label, url });
    }
  }
  const vulnerabilities: Vulnerability[] = [];
  if (Array.isArray(data["vulnerabilities"])) {
    for (const raw of (data["vulnerabilities"] as unknown[]).slice(0, maxListItems)) {
      if (!isRecord(raw) || typeof raw["id"] !== "string") continue;
      vulnerabilities.push({
        id: raw["id"],
        aliases: strings(raw["aliases"]),
        summary: str(raw["summary"]),
        details: str(raw["details"]),
        fixedIn: strings(raw["fixed_in"]),
        link: str(raw["link"]),
        withdrawn: str(raw["withdrawn"]),
      });
    }
  }
  const requiresDist = Array.isArray(info["requires_dist"]) ? strings(info["requires_dist"]) : null;
  return {
    ok: true,
    meta: {
      name: str(info["name"]) ?? "",
      version: str(info["version"]) ?? "",
      summary: str(info["summary"]),
      projectUrls,
      classifiers: strings(info["classifiers"]),
      requiresDist,
      requiresPython: str(info["requires_python"]),
      yanked: info["yanked"] === true,
      yankedReason: str(info["yanked_reason"]),
      vulnerabilities,
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? (value as unknown[]).slice(0, maxListItems).filter((v): v is string => typeof v === "string")
    : [];
}

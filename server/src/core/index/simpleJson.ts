import { parseDistFilename } from "./filenames";
import { checkApiVersion, resolveFileUrl, uploadTimeOf, type PageResult } from "./pageCommon";
import type { CoreMetadata, IndexFile, ProjectStatus } from "./releaseModel";

/**
 * Reads a Simple Repository API project page in JSON (PEP 691, with PEP 700 and PEP 792 fields). The
 * text is untrusted: every field is type-checked, unknown keys are ignored, and a malformed file entry
 * is skipped with a warning instead of failing the page.
 */
export function readSimpleJson(text: string, pageUrl: string, name: string): PageResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `invalid JSON (${(error as Error).message.slice(0, 120)})` };
  }
  if (!isRecord(data)) return { ok: false, error: "the JSON page is not an object" };
  const meta = isRecord(data["meta"]) ? data["meta"] : {};
  const apiVersion = typeof meta["api-version"] === "string" ? meta["api-version"] : "1.0";
  const warnings: string[] = [];
  const versionProblem = checkApiVersion(apiVersion, warnings);
  if (versionProblem !== null) return { ok: false, error: versionProblem };
  if (!Array.isArray(data["files"])) return { ok: false, error: 'the JSON page has no "files" list' };

  const files: IndexFile[] = [];
  let skipped = 0;
  for (const raw of data["files"] as unknown[]) {
    const file = readFile(raw, pageUrl, name);
    if (file === null) skipped++;
    else files.push(file);
  }
  if (skipped > 0)
    warnings.push(`skipped ${skipped} file entr${skipped === 1 ? "y" : "ies"} that are malformed or not of ${name}`);
  const versions = Array.isArray(data["versions"])
    ? (data["versions"] as unknown[]).filter((v): v is string => typeof v === "string")
    : null;
  let status: ProjectStatus | null = null;
  const rawStatus = data["project-status"];
  if (isRecord(rawStatus) && typeof rawStatus["status"] === "string") {
    status = {
      status: rawStatus["status"],
      reason: typeof rawStatus["reason"] === "string" ? rawStatus["reason"] : null,
    };
  }
  return { ok: true, page: { name, format: "simple-json", apiVersion, files, versions, status, warnings } };
}

function readFile(raw: unknown, pageUrl: string, name: string): IndexFile | null {
  if (!isRecord(raw)) return null;
  const filename = raw["filename"];
  const href = raw["url"];
  if (typeof filename !== "string" || typeof href !== "string" || filename === "") return null;
  const url = resolveFileUrl(href, pageUrl);
  if (url === null) return null;
  const parsed = parseDistFilename(filename, name);
  if (parsed === null) return null;
  const hashes = isRecord(raw["hashes"]) ? raw["hashes"] : {};
  const sha256 =
    typeof hashes["sha256"] === "string" && /^[0-9a-f]{64}$/i.test(hashes["sha256"])
      ? hashes["sha256"].toLowerCase()
      : null;
  const yanked = raw["yanked"];
  const yankedReason =
    yanked === true
      ? ""
      : typeof yanked === "string" && yanked !== ""
        ? yanked
        : typeof yanked === "string"
          ? ""
          : null;
  // An empty value restricts nothing; HTML pages omit the attribute in that case.
  const requiresPython =
    typeof raw["requires-python"] === "string" && raw["requires-python"].trim() !== "" ? raw["requires-python"] : null;
  const size = typeof raw["size"] === "number" && Number.isFinite(raw["size"]) && raw["size"] >= 0 ? raw["size"] : null;
  const uploadTime = uploadTimeOf(raw["upload-time"]);
  return {
    filename,
    url,
    packagetype: parsed.packagetype,
    version: parsed.version,
    wheel: parsed.wheel,
    requiresPython,
    yankedReason,
    uploadTime,
    size,
    sha256,
    coreMetadata: coreMetadataOf(raw["core-metadata"] ?? raw["dist-info-metadata"] ?? raw["data-dist-info-metadata"]),
  };
}

function coreMetadataOf(value: unknown): CoreMetadata {
  if (value === true) return { available: true, sha256: null };
  if (isRecord(value)) {
    const sha = value["sha256"];
    return {
      available: true,
      sha256: typeof sha === "string" && /^[0-9a-f]{64}$/i.test(sha) ? sha.toLowerCase() : null,
    };
  }
  return { available: false };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

import { findingCodes, type FindingCode, type SeveritySetting } from "./core/analysis/findings";

/** Where a setting's value was set; an untrusted workspace may not choose index URLs. */
export type SettingScope = "user" | "workspace";

/** Pinsight's settings for one resource, after validation; see package.json `contributes.configuration`. */
export interface Settings {
  readonly pythonEnvironment: string;
  /** `pinsight.pythonVersion`: target Pythons ("3.8"); empty means detect from the workspace. */
  readonly pythonVersions: readonly string[];
  /** `pinsight.inlayHints.enabled`. */
  readonly inlayHints: boolean;
  /** `pinsight.locks.outdated`: report newer releases inside lock files (off by default). */
  readonly locksOutdated: boolean;
  /** `pinsight.index.revalidateMinutes`: how often open documents' packages are revalidated (0 = never). */
  readonly revalidateMs: number;
  readonly severities: Readonly<Partial<Record<FindingCode, SeveritySetting>>>;
  readonly index: {
    readonly url: string | null;
    readonly urlScope: SettingScope;
    readonly extraUrls: readonly string[];
    readonly extraUrlsScope: SettingScope;
    readonly concurrency: number;
    readonly timeoutMs: number;
  };
  readonly cache: { readonly ttlMs: number; readonly maxBytes: number };
  readonly offline: boolean;
  /** VS Code's `http.proxy` and `http.proxyStrictSSL`, forwarded by the client. */
  readonly http: { readonly proxy: string; readonly proxyStrictSSL: boolean };
}

export const defaultSettings: Settings = {
  pythonEnvironment: "",
  pythonVersions: [],
  inlayHints: true,
  locksOutdated: false,
  revalidateMs: 60 * 60_000,
  severities: {},
  index: { url: null, urlScope: "user", extraUrls: [], extraUrlsScope: "user", concurrency: 8, timeoutMs: 10_000 },
  cache: { ttlMs: 600_000, maxBytes: 256 * 1024 * 1024 },
  offline: false,
  http: { proxy: "", proxyStrictSSL: true },
};

const severityValues: readonly string[] = ["error", "warning", "information", "hint", "off"];

/**
 * Validates the raw `pinsight` configuration section. Settings come from users and workspace files,
 * so every value is checked; anything unexpected falls back to the default instead of failing.
 */
export function readSettings(raw: unknown): Settings {
  if (typeof raw !== "object" || raw === null) return defaultSettings;
  const section = raw as Record<string, unknown>;
  const pythonEnvironment = typeof section["pythonEnvironment"] === "string" ? section["pythonEnvironment"] : "";
  const severities: Partial<Record<FindingCode, SeveritySetting>> = {};
  const diagnostics = section["diagnostics"];
  if (typeof diagnostics === "object" && diagnostics !== null) {
    for (const code of findingCodes) {
      const value = (diagnostics as Record<string, unknown>)[code];
      if (typeof value === "string" && severityValues.includes(value)) severities[code] = value as SeveritySetting;
    }
  }
  const index = record(section["index"]);
  const cache = record(section["cache"]);
  const scopes = record(section["scopes"]);
  const http = record(section["http"]);
  const url = typeof index["url"] === "string" && index["url"].trim() !== "" ? index["url"].trim() : null;
  const extraUrls = Array.isArray(index["extraUrls"])
    ? index["extraUrls"].filter((u): u is string => typeof u === "string" && u.trim() !== "").map((u) => u.trim())
    : [];
  const pythonSetting = section["pythonVersion"];
  const pythonVersions = (
    typeof pythonSetting === "string" ? pythonSetting.split(",") : Array.isArray(pythonSetting) ? pythonSetting : []
  )
    .filter((v): v is string => typeof v === "string")
    .map((v) => /^\s*(\d+\.\d+)(?:\.\d+)?\s*$/.exec(v)?.[1])
    .filter((v): v is string => v !== undefined);
  const inlay = record(section["inlayHints"]);
  return {
    pythonEnvironment,
    pythonVersions: [...new Set(pythonVersions)],
    inlayHints: inlay["enabled"] !== false,
    locksOutdated: record(section["locks"])["outdated"] === true,
    revalidateMs: Math.round(number(index["revalidateMinutes"], 0, 10_080, 60) * 60_000),
    severities,
    index: {
      url,
      urlScope: scopes["indexUrl"] === "workspace" ? "workspace" : "user",
      extraUrls,
      extraUrlsScope: scopes["extraUrls"] === "workspace" ? "workspace" : "user",
      concurrency: Math.round(number(index["concurrency"], 1, 64, 8)),
      timeoutMs: Math.round(number(index["timeoutSeconds"], 1, 120, 10) * 1000),
    },
    cache: {
      ttlMs: Math.round(number(cache["ttlMinutes"], 0, 1440, 10) * 60_000),
      maxBytes: Math.round(number(cache["maxSizeMb"], 8, 1_000_000, 256) * 1024 * 1024),
    },
    offline: section["offline"] === true,
    http: {
      proxy: typeof http["proxy"] === "string" ? http["proxy"] : "",
      proxyStrictSSL: http["proxyStrictSSL"] !== false,
    },
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function number(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

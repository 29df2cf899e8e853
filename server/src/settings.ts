import { findingCodes, type FindingCode, type SeveritySetting } from "./core/analysis/findings";

/** Pinsight's settings for one resource, after validation; see package.json `contributes.configuration`. */
export interface Settings {
  readonly pythonEnvironment: string;
  readonly severities: Readonly<Partial<Record<FindingCode, SeveritySetting>>>;
}

export const defaultSettings: Settings = { pythonEnvironment: "", severities: {} };

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
  return { pythonEnvironment, severities };
}

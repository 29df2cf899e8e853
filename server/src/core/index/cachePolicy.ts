/**
 * HTTP cache policy for index responses: how long an answer stays fresh and how to revalidate it.
 * Pure functions over header values, so that the server, the CLI and the benchmark agree.
 */

/** What we keep from a response to revalidate it later. */
export interface Validators {
  readonly etag: string | null;
  readonly lastModified: string | null;
}

/**
 * The freshness lifetime in milliseconds: `max-age` from `Cache-Control` when the index gives one,
 * otherwise `defaultTtlMs` (the `pinsight.cache.ttlMinutes` setting). `no-cache`, `no-store` and
 * `must-revalidate` with `max-age=0` make the answer stale at once; it is still stored, because a
 * conditional request (and offline mode) can use it. The result is capped at `maxTtlMs` so that a
 * misconfigured private index cannot pin yank status for a year.
 */
export function freshnessMs(cacheControl: string | undefined, defaultTtlMs: number, maxTtlMs = 86_400_000): number {
  if (cacheControl === undefined) return Math.min(defaultTtlMs, maxTtlMs);
  const directives = new Map<string, string | null>();
  for (const part of cacheControl.split(",")) {
    const [rawName, ...rest] = part.split("=");
    const name = (rawName ?? "").trim().toLowerCase();
    if (name === "") continue;
    const value = rest.length > 0 ? rest.join("=").trim().replace(/^"|"$/g, "") : null;
    directives.set(name, value);
  }
  if (directives.has("no-store") || directives.has("no-cache")) return 0;
  const maxAge = directives.get("max-age");
  if (maxAge !== undefined && maxAge !== null && /^\d+$/.test(maxAge)) {
    return Math.min(Number(maxAge) * 1000, maxTtlMs);
  }
  return Math.min(defaultTtlMs, maxTtlMs);
}

/** Request headers that revalidate a stored answer (pip also sends `Cache-Control: max-age=0`). */
export function conditionalHeaders(validators: Validators | null): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!validators) return headers;
  if (validators.etag !== null) headers["if-none-match"] = validators.etag;
  if (validators.lastModified !== null) headers["if-modified-since"] = validators.lastModified;
  if (validators.etag !== null || validators.lastModified !== null) headers["cache-control"] = "max-age=0";
  return headers;
}

/** The media type of a `Content-Type` header: lower-case, parameters dropped. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** The `Accept` header for Simple API project pages (SPECS §4.1): JSON first, HTML after it. */
export const simpleAccept =
  "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`; null when absent or invalid. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

import {
  conditionalHeaders,
  freshnessMs,
  mediaType,
  parseRetryAfter,
  simpleAccept,
  type Validators,
} from "./cachePolicy";
import { HttpError, type HttpFetch, type HttpResponse } from "./httpTypes";
import { projectPageUrl, redactUrl, splitCredentials } from "./indexUrls";
import { readJsonApi, type ProjectMetadata } from "./jsonApi";
import { LruCache } from "./lruCache";
import type { IndexAnswer, ProjectPage } from "./releaseModel";
import { readSimpleHtml } from "./simpleHtml";
import { readSimpleJson } from "./simpleJson";

/**
 * A persistent store for cache records, keyed by strings that never contain credentials. The store
 * owns integrity: `read` returns null for a missing, truncated or corrupt entry (after dropping it), so
 * a damaged cache is a cache miss and never an empty answer.
 */
export interface CacheStore {
  read(key: string): Promise<string | null>;
  /**
   * The entry for `key` when the store already holds it in memory (a loaded pack), without I/O;
   * undefined otherwise. Like `read`, it hands an entry over once.
   */
  readLoaded?(key: string): string | undefined;
  write(key: string, payload: string): Promise<void>;
  clear(): Promise<void>;
}

export interface IndexClientOptions {
  readonly fetch: HttpFetch;
  readonly store?: CacheStore | null;
  readonly now?: () => number;
  readonly log?: (message: string) => void;
  /** Answer from cache only; a miss is an error of kind "offline", never "not found". */
  readonly offline?: boolean;
  /** Freshness of project pages when the index sends no `max-age` (default 10 minutes). */
  readonly ttlMs?: number;
  /**
   * How long a failed lookup is remembered before the network is tried again (default 30 s); longer
   * when the index said so with `Retry-After` (up to an hour).
   */
  readonly failureBackoffMs?: number;
  /** Memory budget for parsed pages, in estimated bytes (default 64 MiB). */
  readonly memoryBytes?: number;
}

/** What one index said about one project, with where the answer came from. */
export interface ProjectLookup {
  /** The index URL with credentials redacted, for logs and hovers. */
  readonly index: string;
  readonly answer: IndexAnswer;
  /** When the answer was fetched or last revalidated (ms since the epoch), null when none. */
  readonly fetchedAt: number | null;
  /** True when the answer is past its freshness lifetime (it is still served while revalidating). */
  readonly stale: boolean;
  /** The error of the latest attempt when it failed, even if an older cached answer is served. */
  readonly lastError: string | null;
}

export type MetadataAnswer =
  | { readonly kind: "found"; readonly meta: ProjectMetadata }
  | { readonly kind: "not-found"; readonly status: number }
  | { readonly kind: "unsupported" }
  | { readonly kind: "error"; readonly message: string };

type StoredValue =
  | { readonly kind: "found"; readonly page: ProjectPage }
  | { readonly kind: "not-found"; readonly status: number }
  | { readonly kind: "meta"; readonly meta: ProjectMetadata }
  | { readonly kind: "meta-not-found"; readonly status: number };

interface CacheRecord {
  readonly v: 1;
  readonly key: string;
  readonly fetchedAt: number;
  readonly freshUntil: number;
  readonly validators: Validators;
  readonly value: StoredValue;
}

export interface IndexClientStats {
  networkRequests: number;
  notModified: number;
  cacheHits: number;
  diskHits: number;
  wireBytes: number;
}

const recordVersion = 1;

/** The longest `Retry-After` honoured before a failed lookup is tried again. */
const maxRetryAfterMs = 3_600_000;

/** A failed lookup: when, why, and how long the index asked us to wait (0 when it did not say). */
interface Failure {
  readonly at: number;
  readonly message: string;
  readonly retryAfterMs: number;
}

/**
 * Turns (index URL, project name) into release data. It reads Simple API pages in JSON or HTML as the
 * index answers, keeps them in a memory LRU and the injected disk store, revalidates with ETag and
 * Last-Modified, deduplicates concurrent requests for one URL, and remembers failures briefly so that
 * a dead index is not hammered. It never turns a failure into "not found".
 */
export class IndexClient {
  private readonly memory: LruCache<CacheRecord>;
  private readonly inFlight = new Map<string, Promise<CacheRecord | null>>();
  private readonly failures = new Map<string, Failure>();
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  readonly stats: IndexClientStats = { networkRequests: 0, notModified: 0, cacheHits: 0, diskHits: 0, wireBytes: 0 };
  offline: boolean;
  /** Answers fetched before this time count as stale, whatever their lifetime (see `revalidateAll`). */
  private staleBefore = 0;

  constructor(private readonly options: IndexClientOptions) {
    this.memory = new LruCache(options.memoryBytes ?? 64 * 1024 * 1024);
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
    this.offline = options.offline ?? false;
  }

  /** The memory-cached answer for a project, without I/O; undefined when nothing is known yet. */
  peekProject(indexUrl: string, name: string): ProjectLookup | undefined {
    const key = projectKey(indexUrl, name);
    const record = this.memory.peek(key);
    const failure = this.failures.get(key) ?? null;
    if (!record) {
      if (!failure) return undefined;
      return this.lookup(indexUrl, null, failure.message);
    }
    return this.lookup(indexUrl, record, failure?.message ?? null);
  }

  /**
   * Moves a project's record from the store's memory (a loaded pack) into the memory cache without
   * I/O, so that an analysis running now can use it. Returns true when a record was adopted.
   */
  adoptStored(indexUrl: string, name: string): boolean {
    const key = projectKey(indexUrl, name);
    if (this.memory.peek(key) || this.inFlight.has(key)) return false;
    const text = this.options.store?.readLoaded?.(key);
    if (text === undefined) return false;
    const record = parseRecord(text, key);
    if (!record) return false;
    this.stats.diskHits++;
    this.remember(record);
    return true;
  }

  /** True when a fresh answer (or a recent failure) is known, so a fetch would make no request. */
  isSettled(indexUrl: string, name: string): boolean {
    const key = projectKey(indexUrl, name);
    const record = this.memory.peek(key);
    if (record && this.isFresh(record)) return true;
    return this.recentFailure(key) !== null;
  }

  /**
   * Gets a project's page from one index: memory, then disk, then the network when the cached answer
   * is missing or stale. A failed request returns the stale answer when there is one.
   */
  async getProject(indexUrl: string, name: string, signal?: AbortSignal): Promise<ProjectLookup> {
    const key = projectKey(indexUrl, name);
    const url = projectPageUrl(indexUrl, name);
    const record = await this.resolve(key, url, simpleAccept, signal, (response) => this.readProject(response, name));
    const failure = this.failures.get(key)?.message ?? null;
    return this.lookup(indexUrl, record, failure);
  }

  /**
   * Gets JSON API metadata (`/pypi/<name>/json`, or `/pypi/<name>/<version>/json` when a version is
   * given) from an index that offers it. Per-version documents are immutable and kept until evicted.
   */
  async getMetadata(indexUrl: string, name: string, version: string | null, signal?: AbortSignal) {
    const url = jsonApiUrl(indexUrl, name, version);
    if (url === null) return { kind: "unsupported" } as MetadataAnswer;
    const key = `json ${splitCredentials(url).url}`;
    const record = await this.resolve(key, url, "application/json", signal, (response) =>
      this.readMetadata(response, version !== null),
    );
    return metadataAnswer(record, this.failures.get(key)?.message ?? null);
  }

  /** The memory-cached JSON API answer, without I/O. */
  peekMetadata(indexUrl: string, name: string, version: string | null): MetadataAnswer | undefined {
    const url = jsonApiUrl(indexUrl, name, version);
    if (url === null) return { kind: "unsupported" };
    const key = `json ${splitCredentials(url).url}`;
    const record = this.memory.peek(key);
    const failure = this.failures.get(key)?.message ?? null;
    if (!record && !failure) return undefined;
    return metadataAnswer(record ?? null, failure);
  }

  /**
   * Makes every cached project page stale, so the next lookup revalidates it with a conditional
   * request (a 304 costs a few hundred bytes). Per-version metadata never changes and stays fresh.
   * The server calls this periodically so that a new upstream release shows up in open documents.
   */
  revalidateAll(): void {
    this.staleBefore = this.now();
  }

  private isFresh(record: CacheRecord): boolean {
    if (record.freshUntil === Number.MAX_SAFE_INTEGER) return true;
    return record.freshUntil > this.now() && record.fetchedAt >= this.staleBefore;
  }

  /**
   * When a project's failed lookup may be tried again (ms since the epoch), or null when it has no
   * failure still in its back-off. The server schedules its retry for then.
   */
  retryAt(indexUrl: string, name: string): number | null {
    const failure = this.recentFailure(projectKey(indexUrl, name));
    return failure === null ? null : failure.at + this.backoffOf(failure);
  }

  /** Forgets failures so that the next lookup tries the network again (used when settings change). */
  forgetFailures(): void {
    this.failures.clear();
  }

  /** Drops everything cached in memory and on disk. */
  async clear(): Promise<void> {
    this.memory.clear();
    this.failures.clear();
    await this.options.store?.clear();
  }

  private lookup(indexUrl: string, record: CacheRecord | null, lastError: string | null): ProjectLookup {
    const index = redactUrl(indexUrl);
    if (!record || (record.value.kind !== "found" && record.value.kind !== "not-found")) {
      return {
        index,
        answer: { kind: "error", message: lastError ?? "no answer yet" },
        fetchedAt: null,
        stale: true,
        lastError,
      };
    }
    const answer: IndexAnswer =
      record.value.kind === "found"
        ? { kind: "found", page: record.value.page }
        : { kind: "not-found", status: record.value.status };
    return { index, answer, fetchedAt: record.fetchedAt, stale: !this.isFresh(record), lastError };
  }

  private recentFailure(key: string): Failure | null {
    const failure = this.failures.get(key);
    if (!failure) return null;
    if (this.now() - failure.at < this.backoffOf(failure)) return failure;
    return null;
  }

  private backoffOf(failure: Failure): number {
    return Math.max(this.options.failureBackoffMs ?? 30_000, Math.min(failure.retryAfterMs, maxRetryAfterMs));
  }

  private async resolve(
    key: string,
    url: string,
    accept: string,
    signal: AbortSignal | undefined,
    read: (response: HttpResponse) => { value: StoredValue; weight: number } | { error: string },
  ): Promise<CacheRecord | null> {
    let record = this.memory.get(key) ?? null;
    if (record && this.isFresh(record)) {
      this.stats.cacheHits++;
      return record;
    }
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const task = this.refresh(key, url, accept, record, signal, read).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, task);
    record = await task;
    return record;
  }

  private async refresh(
    key: string,
    url: string,
    accept: string,
    memoryRecord: CacheRecord | null,
    signal: AbortSignal | undefined,
    read: (response: HttpResponse) => { value: StoredValue; weight: number } | { error: string },
  ): Promise<CacheRecord | null> {
    const record = memoryRecord ?? (await this.readStore(key));
    if (record && !memoryRecord) {
      this.stats.diskHits++;
      this.remember(record);
      if (this.isFresh(record)) return record;
    }
    if (this.offline) {
      if (!record) this.failures.set(key, { at: this.now(), message: "offline: not in the cache", retryAfterMs: 0 });
      return record;
    }
    if (this.recentFailure(key)) return record;

    let response: HttpResponse;
    try {
      this.stats.networkRequests++;
      response = await this.options.fetch({
        url,
        headers: { accept, ...conditionalHeaders(record?.validators ?? null) },
        ...(signal ? { signal } : {}),
      });
      this.stats.wireBytes += response.wireBytes;
    } catch (error) {
      const message = error instanceof HttpError ? error.message : String(error);
      if (!(error instanceof HttpError && error.kind === "aborted")) {
        this.failures.set(key, { at: this.now(), message, retryAfterMs: 0 });
        this.log(`${redactUrl(url)}: ${message}`);
      }
      return record;
    }

    const fetchedAt = this.now();
    const ttl = this.options.ttlMs ?? 600_000;
    if (response.status === 304 && record) {
      this.stats.notModified++;
      this.failures.delete(key);
      const immutable = record.freshUntil === Number.MAX_SAFE_INTEGER;
      const refreshed: CacheRecord = {
        ...record,
        fetchedAt,
        freshUntil: immutable ? record.freshUntil : fetchedAt + freshnessMs(response.headers["cache-control"], ttl),
      };
      this.remember(refreshed);
      await this.writeStore(refreshed);
      return refreshed;
    }
    const result = read(response);
    if ("error" in result) {
      const message = `${redactUrl(url)}: ${result.error}`;
      // A rate-limited or overloaded index that names a time to come back is not asked before it.
      const retryAfterMs =
        response.status === 429 || response.status === 503
          ? (parseRetryAfter(response.headers["retry-after"], fetchedAt) ?? 0)
          : 0;
      this.failures.set(key, { at: fetchedAt, message: result.error, retryAfterMs });
      this.log(message);
      return record;
    }
    this.failures.delete(key);
    const immutable = result.value.kind === "meta" && /\/pypi\/[^/]+\/[^/]+\/json$/.test(key);
    const fresh: CacheRecord = {
      v: recordVersion,
      key,
      fetchedAt,
      freshUntil: immutable ? Number.MAX_SAFE_INTEGER : fetchedAt + freshnessMs(response.headers["cache-control"], ttl),
      validators: { etag: response.headers["etag"] ?? null, lastModified: response.headers["last-modified"] ?? null },
      value: result.value,
    };
    this.memory.set(key, fresh, result.weight);
    await this.writeStore(fresh);
    return fresh;
  }

  private readProject(
    response: HttpResponse,
    name: string,
  ): { value: StoredValue; weight: number } | { error: string } {
    if (response.status === 404 || response.status === 410) {
      return { value: { kind: "not-found", status: response.status }, weight: 200 };
    }
    if (response.status !== 200) return { error: describeStatus(response) };
    const type = mediaType(response.headers["content-type"]);
    const result =
      type === "application/vnd.pypi.simple.v1+json"
        ? readSimpleJson(response.body, response.url, name)
        : type === "text/html" || type === "application/vnd.pypi.simple.v1+html" || type === ""
          ? readSimpleHtml(response.body, response.url, name)
          : null;
    if (result === null) return { error: `unexpected content type "${type.slice(0, 80)}"` };
    if (!result.ok) return { error: result.error };
    for (const warning of result.page.warnings) this.log(`${redactUrl(response.url)}: ${warning}`);
    return { value: { kind: "found", page: result.page }, weight: 400 + result.page.files.length * 400 };
  }

  private readMetadata(response: HttpResponse, _perVersion: boolean) {
    if (response.status === 404 || response.status === 410) {
      return { value: { kind: "meta-not-found", status: response.status } as StoredValue, weight: 200 };
    }
    if (response.status !== 200) return { error: describeStatus(response) };
    const result = readJsonApi(response.body);
    if (!result.ok) return { error: result.error };
    return { value: { kind: "meta", meta: result.meta } as StoredValue, weight: 2000 + response.body.length / 4 };
  }

  private remember(record: CacheRecord): void {
    const value = record.value;
    const weight = value.kind === "found" ? 400 + value.page.files.length * 400 : 2000;
    this.memory.set(record.key, record, weight);
  }

  private async readStore(key: string): Promise<CacheRecord | null> {
    const store = this.options.store;
    if (!store) return null;
    let text: string | null;
    try {
      text = await store.read(key);
    } catch (error) {
      this.log(`cache read failed: ${(error as Error).message}`);
      return null;
    }
    if (text === null) return null;
    const record = parseRecord(text, key);
    if (!record) this.log(`cache entry for ${redactUrl(key.slice(key.indexOf(" ") + 1))} is malformed; refetching`);
    return record;
  }

  private async writeStore(record: CacheRecord): Promise<void> {
    const store = this.options.store;
    if (!store) return;
    try {
      await store.write(record.key, JSON.stringify(record));
    } catch (error) {
      this.log(`cache write failed: ${(error as Error).message}`);
    }
  }
}

const projectKeys = new Map<string, string>();

/**
 * The cache key of a project page: its URL without credentials. Memoised, because every analysis asks
 * for every package of the file (thousands of lookups per keystroke in large files).
 */
function projectKey(indexUrl: string, name: string): string {
  const memo = `${indexUrl}\u0000${name}`;
  let key = projectKeys.get(memo);
  if (key === undefined) {
    key = `simple ${splitCredentials(projectPageUrl(indexUrl, name)).url}`;
    if (projectKeys.size >= 50_000) projectKeys.clear();
    projectKeys.set(memo, key);
  }
  return key;
}

/**
 * The JSON API URL for an index that follows PyPI's layout: an index whose path ends in `/simple`
 * serves `/pypi/<name>/json` beside it (PyPI, Artifactory remote repositories, many proxies).
 */
export function jsonApiUrl(indexUrl: string, name: string, version: string | null): string | null {
  const trimmed = indexUrl.replace(/\/+$/, "");
  if (!/\/simple$/i.test(trimmed)) return null;
  const base = trimmed.replace(/\/simple$/i, "");
  const path =
    version === null
      ? `${encodeURIComponent(name)}/json`
      : `${encodeURIComponent(name)}/${encodeURIComponent(version)}/json`;
  return `${base}/pypi/${path}`;
}

function describeStatus(response: HttpResponse): string {
  if (response.status === 401 || response.status === 403) {
    return `HTTP ${response.status}: the index refused the request (check credentials)`;
  }
  if (response.status === 429) return "HTTP 429: rate limited by the index";
  if (response.status >= 300 && response.status < 400) return `HTTP ${response.status}: redirect without a location`;
  return `HTTP ${response.status}`;
}

function metadataAnswer(record: CacheRecord | null, lastError: string | null): MetadataAnswer {
  if (!record) return { kind: "error", message: lastError ?? "no answer yet" };
  if (record.value.kind === "meta") return { kind: "found", meta: record.value.meta };
  if (record.value.kind === "meta-not-found") return { kind: "not-found", status: record.value.status };
  return { kind: "error", message: "unexpected cache entry" };
}

/** Validates a stored record's shape; anything unexpected is treated as a miss. */
function parseRecord(text: string, key: string): CacheRecord | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== "object" || data === null) return null;
  const record = data as Partial<CacheRecord>;
  if (record.v !== recordVersion || record.key !== key) return null;
  if (typeof record.fetchedAt !== "number" || typeof record.freshUntil !== "number") return null;
  if (typeof record.validators !== "object" || record.validators === null) return null;
  const value = record.value as Partial<StoredValue> | undefined;
  if (!value || typeof value !== "object") return null;
  if (value.kind === "found") {
    const page = (value as { page?: Partial<ProjectPage> }).page;
    if (!page || !Array.isArray(page.files) || typeof page.name !== "string") return null;
  } else if (value.kind === "not-found" || value.kind === "meta-not-found") {
    if (typeof (value as { status?: unknown }).status !== "number") return null;
  } else if (value.kind === "meta") {
    if (typeof (value as { meta?: unknown }).meta !== "object") return null;
  } else {
    return null;
  }
  return record as CacheRecord;
}

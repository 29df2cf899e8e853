import * as os from "node:os";
import { fetchFile } from "./fileIndex";
import { IndexClient } from "../core/index/indexClient";
import { netrcCredentials, type NetrcFile } from "../core/index/netrc";
import { pinsightVersion } from "../version";
import { DiskCache } from "./diskCache";
import { createHttpClient, type HttpClient } from "./http";
import { loadNetrc } from "./pipConfigFiles";

export interface IndexRuntimeOptions {
  /** The disk cache directory, or null for memory only. */
  readonly cacheDirectory: string | null;
  readonly cacheMaxBytes?: number;
  readonly ttlMs?: number;
  readonly offline?: boolean;
  readonly concurrencyPerHost?: number;
  readonly timeoutMs?: number;
  readonly proxy?: { readonly url: string; readonly strictSSL: boolean } | null;
  readonly extraCaFiles?: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The home directory for `~/.netrc` (tests pass a temporary one). */
  readonly home?: string;
  readonly log: (message: string) => void;
  readonly failureBackoffMs?: number;
}

/** The HTTP client, disk cache and index client, built together for the server or the CLI. */
export interface IndexRuntime {
  readonly client: IndexClient;
  readonly http: HttpClient;
  readonly disk: DiskCache | null;
  close(): Promise<void>;
}

/**
 * The User-Agent PyPI asks for: the tool's name, version and where to find it. The address is the
 * repository placeholder of package.json until the project has a public home.
 */
export const userAgent = `Pinsight/${pinsightVersion} (+https://example.invalid/pinsight)`;

/**
 * Builds the index stack. Credentials come from the index URL itself (handled by the HTTP layer) or
 * from `~/.netrc` for the request's host, as pip does; they are never part of cache keys.
 */
export function createIndexRuntime(options: IndexRuntimeOptions): IndexRuntime {
  let netrc: Promise<NetrcFile | null> | null = null;
  const credentials = async (url: URL) => {
    netrc ??= loadNetrc(options.env, options.home ?? os.homedir()).then(
      (loaded) => {
        for (const warning of loaded.warnings) options.log(warning);
        return loaded.netrc;
      },
      () => null,
    );
    const file = await netrc;
    return file ? netrcCredentials(file, url.hostname.toLowerCase()) : null;
  };
  // The fault tests need a timeout below the setting's 1-second minimum, and shorter pauses between
  // retries, to stay fast; nothing else sets these variables.
  const testSetting = (name: string): number | undefined => {
    const value = Number(options.env[name]);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const timeoutMs = testSetting("PINSIGHT_HTTP_TIMEOUT_MS") ?? options.timeoutMs;
  const retryBaseDelayMs = testSetting("PINSIGHT_HTTP_RETRY_DELAY_MS");
  const http = createHttpClient({
    userAgent,
    env: options.env,
    credentials,
    log: options.log,
    ...(options.concurrencyPerHost !== undefined ? { concurrencyPerHost: options.concurrencyPerHost } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(retryBaseDelayMs !== undefined ? { retryBaseDelayMs } : {}),
    ...(options.proxy !== undefined ? { proxy: options.proxy } : {}),
    ...(options.extraCaFiles !== undefined ? { extraCaFiles: options.extraCaFiles } : {}),
  });
  const disk =
    options.cacheDirectory === null
      ? null
      : new DiskCache({
          directory: options.cacheDirectory,
          log: options.log,
          // The pack is rewritten three seconds after cache activity pauses (see `CachePack`).
          pack: { delayMs: 3000 },
          ...(options.cacheMaxBytes !== undefined ? { maxBytes: options.cacheMaxBytes } : {}),
        });
  // Reading the pack starts now, while the editor is still opening files.
  void disk?.preload();
  const client = new IndexClient({
    // Local indexes (`file:///…/simple`, as pip accepts them) are read from disk.
    fetch: (request) => (request.url.startsWith("file:") ? fetchFile(request) : http.fetch(request)),
    store: disk,
    log: options.log,
    offline: options.offline ?? false,
    ...(options.ttlMs !== undefined ? { ttlMs: options.ttlMs } : {}),
    ...(options.failureBackoffMs !== undefined ? { failureBackoffMs: options.failureBackoffMs } : {}),
  });
  return { client, http, disk, close: () => http.close() };
}

import { readFileSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Transform } from "node:stream";
import type { Dispatcher } from "undici";

type Undici = typeof import("undici");
let undiciModule: Undici | undefined;

/**
 * undici is loaded on the first index request rather than at start-up: a server that never contacts
 * an index (offline, `--no-index`, an untrusted workspace without user indexes) does not pay for it.
 */
function undici(): Undici {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  undiciModule ??= require("undici") as Undici;
  return undiciModule;
}
import { parseRetryAfter } from "../core/index/cachePolicy";
import { HttpError, type HttpFetch, type HttpRequest, type HttpResponse } from "../core/index/httpTypes";
import { redactUrl, splitCredentials } from "../core/index/indexUrls";
import { matchesNoProxy } from "./noProxy";

/** Credentials to send to a URL, found by the caller (URL userinfo is handled here). */
export type CredentialLookup = (
  url: URL,
) => { username: string; password: string } | null | Promise<{ username: string; password: string } | null>;

export interface HttpOptions {
  readonly userAgent: string;
  /** Concurrent requests per host (default 8). */
  readonly concurrencyPerHost?: number;
  /** Connect, headers and body-inactivity timeout in milliseconds (default 10 s). */
  readonly timeoutMs?: number;
  /** The largest decoded body accepted (default 64 MiB). */
  readonly maxBodyBytes?: number;
  /**
   * The most body bytes buffered at once over all requests in flight (default twice `maxBodyBytes`),
   * so that memory does not grow with concurrency when several indexes send huge responses.
   */
  readonly maxBufferedBytes?: number;
  readonly maxRedirects?: number;
  /** Attempts after the first for 5xx, 429 and connection failures (default 2). */
  readonly retries?: number;
  /** The longest `Retry-After` honoured; a longer one fails the request instead of waiting (default 10 s). */
  readonly maxRetryAfterMs?: number;
  readonly retryBaseDelayMs?: number;
  /** An explicit proxy (VS Code's `http.proxy`); otherwise HTTPS_PROXY/HTTP_PROXY from `env`. */
  readonly proxy?: { readonly url: string; readonly strictSSL: boolean } | null;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** PEM files whose certificates are trusted in addition to Node's roots (pip.conf `cert`). */
  readonly extraCaFiles?: readonly string[];
  readonly credentials?: CredentialLookup;
  readonly log?: (message: string) => void;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface HttpStats {
  requests: number;
  wireBytes: number;
  retries: number;
}

export interface HttpClient {
  readonly fetch: HttpFetch;
  readonly stats: HttpStats;
  close(): Promise<void>;
}

const retryableStatus = new Set([429, 500, 502, 503, 504]);

/** Errors of attempts that hit the whole-response deadline (see `attempt`); they are not retried. */
const pastDeadline = new WeakSet<HttpError>();

/**
 * Builds the undici-based HTTP function used for every index request. It owns the keep-alive agents,
 * bounds concurrency per host, retries politely, follows at most a few redirects (dropping credentials
 * when the host changes), decompresses gzip/br/deflate with a size cap, and never lets a slow or endless
 * response hang a caller: every attempt has connect, headers, inactivity and total deadlines.
 */
export function createHttpClient(options: HttpOptions): HttpClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = Math.max(1, options.concurrencyPerHost ?? 8);
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const budget: BodyBudget = { used: 0, limit: options.maxBufferedBytes ?? 2 * maxBodyBytes };
  const maxRedirects = options.maxRedirects ?? 5;
  const retries = Math.max(0, options.retries ?? 2);
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 300;
  const env = options.env ?? {};
  const log = options.log ?? (() => undefined);
  const sleep = options.sleep ?? abortableSleep;
  const stats: HttpStats = { requests: 0, wireBytes: 0, retries: 0 };

  const ca = loadCa(options.extraCaFiles ?? [], log);
  const connect = { timeout: timeoutMs, ...(ca ? { ca } : {}) };
  const agentOptions = {
    connections: concurrency,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 30_000,
    connect,
  };
  const { Agent, ProxyAgent, request } = undici();
  const direct = new Agent(agentOptions);
  const proxies = new Map<string, InstanceType<Undici["ProxyAgent"]>>();
  const semaphores = new Map<string, Semaphore>();

  function dispatcherFor(url: URL): Dispatcher {
    const proxy = proxyFor(url, options.proxy ?? null, env);
    if (!proxy) return direct;
    const key = `${proxy.url}|${proxy.strictSSL}`;
    let agent = proxies.get(key);
    if (!agent) {
      agent = new ProxyAgent({
        ...agentOptions,
        uri: proxy.url,
        requestTls: { ...(ca ? { ca } : {}), rejectUnauthorized: proxy.strictSSL },
        proxyTls: { ...(ca ? { ca } : {}), rejectUnauthorized: proxy.strictSSL },
      });
      proxies.set(key, agent);
    }
    return agent;
  }

  function semaphoreFor(host: string): Semaphore {
    let semaphore = semaphores.get(host);
    if (!semaphore) {
      semaphore = new Semaphore(concurrency);
      semaphores.set(host, semaphore);
    }
    return semaphore;
  }

  async function attempt(url: URL, headers: Record<string, string>, signal: AbortSignal | undefined) {
    const semaphore = semaphoreFor(url.host);
    await semaphore.acquire(signal);
    const deadline = new AbortController();
    // The inactivity timeout alone would let a server trickle one byte every few seconds forever.
    const timer = setTimeout(() => deadline.abort(), timeoutMs * 6);
    const combined = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    try {
      stats.requests++;
      const response = await request(url, {
        method: "GET",
        headers,
        dispatcher: dispatcherFor(url),
        signal: combined,
      });
      if (response.statusCode >= 300 && response.statusCode < 400 && response.statusCode !== 304) {
        response.body.resume();
        response.body.on("error", () => undefined);
        return { status: response.statusCode, headers: flattenHeaders(response.headers), body: "", wireBytes: 0 };
      }
      const declared = Number(response.headers["content-length"]);
      if (Number.isFinite(declared) && declared > maxBodyBytes) {
        // Refused before a byte is read: there is no point buffering 64 MiB to learn what the header said.
        response.body.destroy();
        throw new HttpError("too-large", `response larger than ${Math.round(maxBodyBytes / 1048576)} MiB`);
      }
      const read = await readBody(response.body, response.headers["content-encoding"], maxBodyBytes, combined, budget);
      stats.wireBytes += read.wireBytes;
      return { status: response.statusCode, headers: flattenHeaders(response.headers), ...read };
    } catch (error) {
      if (signal?.aborted) throw new HttpError("aborted", "request cancelled");
      if (deadline.signal.aborted) {
        const error = new HttpError("timeout", `no complete response within ${timeoutMs * 6} ms`);
        pastDeadline.add(error);
        throw error;
      }
      throw toHttpError(error, timeoutMs);
    } finally {
      clearTimeout(timer);
      semaphore.release();
    }
  }

  async function fetchOnce(req: HttpRequest): Promise<HttpResponse> {
    const start = splitCredentials(req.url);
    let current: URL;
    try {
      current = new URL(start.url);
    } catch {
      throw new HttpError("protocol", `invalid URL ${redactUrl(req.url)}`);
    }
    if (current.protocol !== "http:" && current.protocol !== "https:") {
      throw new HttpError("protocol", `unsupported URL scheme ${current.protocol}`);
    }
    // Credentials apply to the host they were given for; a redirect elsewhere must not carry them.
    const credentialHost = current.host;
    let auth: { username: string; password: string } | null =
      start.username !== null
        ? { username: start.username, password: start.password ?? "" }
        : ((await options.credentials?.(current)) ?? null);

    for (let redirects = 0; ; redirects++) {
      const headers: Record<string, string> = { "user-agent": options.userAgent, "accept-encoding": "gzip, br" };
      for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = value;
      if (auth && current.host === credentialHost) {
        headers["authorization"] = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
      }
      const response = await withRetries(current, headers, req.signal);
      const location = response.headers["location"];
      if (response.status >= 300 && response.status < 400 && response.status !== 304 && location !== undefined) {
        if (redirects >= maxRedirects) {
          throw new HttpError("too-many-redirects", `more than ${maxRedirects} redirects from ${redactUrl(req.url)}`);
        }
        let next: URL;
        try {
          next = new URL(location, current);
        } catch {
          throw new HttpError("protocol", `invalid redirect location from ${current.host}`);
        }
        if (next.protocol !== "http:" && next.protocol !== "https:") {
          throw new HttpError("protocol", `redirect to unsupported scheme ${next.protocol}`);
        }
        if (next.host !== credentialHost) auth = null;
        next.username = "";
        next.password = "";
        current = next;
        continue;
      }
      return { ...response, url: current.toString() };
    }
  }

  async function withRetries(url: URL, headers: Record<string, string>, signal: AbortSignal | undefined) {
    for (let attemptNo = 0; ; attemptNo++) {
      let failure: HttpError | null = null;
      let result: Awaited<ReturnType<typeof attempt>> | null = null;
      try {
        result = await attempt(url, headers, signal);
      } catch (error) {
        failure = error instanceof HttpError ? error : toHttpError(error, timeoutMs);
        if (failure.kind === "aborted" || failure.kind === "too-large" || failure.kind === "protocol") throw failure;
        // A server that trickled bytes past the whole-response deadline will do it again: another
        // attempt would only hold a connection slot for that long once more.
        if (pastDeadline.has(failure)) throw failure;
        // A name that does not resolve will not resolve a second later either.
        if (failure.message.startsWith("ENOTFOUND")) throw failure;
      }
      if (result && !retryableStatus.has(result.status)) return result;
      if (attemptNo >= retries) {
        if (result) return result;
        throw failure ?? new HttpError("network", "request failed");
      }
      let delay = retryBaseDelayMs * 3 ** attemptNo;
      if (result) {
        const retryAfter = parseRetryAfter(result.headers["retry-after"], Date.now());
        if (retryAfter !== null) {
          if (retryAfter > maxRetryAfterMs) return result;
          delay = Math.max(delay, retryAfter);
        }
      }
      stats.retries++;
      log(
        `retrying ${redactUrl(url.toString())} in ${delay} ms after ${result ? `HTTP ${result.status}` : failure?.message}`,
      );
      await sleep(delay, signal).catch(() => {
        throw new HttpError("aborted", "request cancelled");
      });
    }
  }

  return {
    fetch: fetchOnce,
    stats,
    async close() {
      await Promise.allSettled([direct.close(), ...[...proxies.values()].map((agent) => agent.close())]);
    },
  };
}

/**
 * The proxy for a request: none for NO_PROXY matches and loopback, else VS Code's `http.proxy` when
 * set, else `HTTPS_PROXY`/`HTTP_PROXY` (upper or lower case) from the environment.
 */
export function proxyFor(
  url: URL,
  explicit: { url: string; strictSSL: boolean } | null,
  env: Readonly<Record<string, string | undefined>>,
): { url: string; strictSSL: boolean } | null {
  const noProxy = env["NO_PROXY"] ?? env["no_proxy"] ?? "";
  if (matchesNoProxy(url, noProxy)) return null;
  if (explicit && explicit.url.trim() !== "") return explicit;
  const fromEnv =
    url.protocol === "https:"
      ? (env["HTTPS_PROXY"] ?? env["https_proxy"] ?? env["HTTP_PROXY"] ?? env["http_proxy"])
      : (env["HTTP_PROXY"] ?? env["http_proxy"]);
  if (fromEnv === undefined || fromEnv.trim() === "") return null;
  return { url: fromEnv.trim(), strictSSL: true };
}

function loadCa(files: readonly string[], log: (message: string) => void): string[] | null {
  const extra: string[] = [];
  for (const file of files) {
    try {
      extra.push(readFileSync(file, "utf8"));
    } catch (error) {
      log(`cannot read CA certificates from ${file}: ${(error as Error).message}`);
    }
  }
  // Passing `ca` replaces Node's roots (which already include NODE_EXTRA_CA_CERTS), so add them back.
  return extra.length > 0 ? [...rootCertificates, ...extra] : null;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    result[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return result;
}

/** Body bytes buffered by all requests in flight, and the most that may be. */
interface BodyBudget {
  used: number;
  readonly limit: number;
}

async function readBody(
  body: Dispatcher.ResponseData["body"],
  encodingHeader: string | string[] | undefined,
  maxBytes: number,
  signal: AbortSignal,
  budget: BodyBudget,
): Promise<{ body: string; wireBytes: number }> {
  let held = 0;
  try {
    return await readBodyWithin(body, encodingHeader, maxBytes, signal, (bytes) => {
      held += bytes;
      budget.used += bytes;
      return budget.used <= budget.limit;
    });
  } finally {
    budget.used -= held;
  }
}

/** Reads a body; `take` accounts for each decoded chunk and says whether the shared budget allows it. */
async function readBodyWithin(
  body: Dispatcher.ResponseData["body"],
  encodingHeader: string | string[] | undefined,
  maxBytes: number,
  signal: AbortSignal,
  take: (bytes: number) => boolean,
): Promise<{ body: string; wireBytes: number }> {
  const encoding = (Array.isArray(encodingHeader) ? encodingHeader.join(",") : (encodingHeader ?? ""))
    .trim()
    .toLowerCase();
  let decoder: Transform | null = null;
  if (encoding === "gzip" || encoding === "x-gzip") decoder = createGunzip();
  else if (encoding === "br") decoder = createBrotliDecompress();
  else if (encoding === "deflate") decoder = createInflate();
  else if (encoding !== "" && encoding !== "identity") {
    body.destroy();
    throw new HttpError("protocol", `unsupported content encoding "${encoding.slice(0, 40)}"`);
  }

  let wireBytes = 0;
  let decodedBytes = 0;
  const chunks: Buffer[] = [];
  const tooLarge = () => new HttpError("too-large", `response larger than ${Math.round(maxBytes / 1048576)} MiB`);
  const overBudget = () => new HttpError("too-large", "too many large responses at once");

  if (!decoder) {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      wireBytes += buffer.length;
      decodedBytes += buffer.length;
      if (decodedBytes > maxBytes) {
        body.destroy();
        throw tooLarge();
      }
      if (!take(buffer.length)) {
        body.destroy();
        throw overBudget();
      }
      chunks.push(buffer);
    }
    return { body: Buffer.concat(chunks).toString("utf8"), wireBytes };
  }

  const activeDecoder = decoder;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      body.destroy();
      activeDecoder.destroy();
      reject(error);
    };
    signal.addEventListener("abort", () => fail(new HttpError("aborted", "request cancelled")), { once: true });
    body.on("data", (chunk: Buffer) => {
      wireBytes += chunk.length;
    });
    body.on("error", (error: Error) => fail(error));
    activeDecoder.on("data", (chunk: Buffer) => {
      decodedBytes += chunk.length;
      if (decodedBytes > maxBytes) fail(tooLarge());
      else if (!take(chunk.length)) fail(overBudget());
      else chunks.push(chunk);
    });
    activeDecoder.on("error", (error: Error) =>
      fail(new HttpError("protocol", `cannot decompress ${encoding} body: ${error.message}`)),
    );
    activeDecoder.on("end", () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    body.pipe(activeDecoder);
  });
  return { body: Buffer.concat(chunks).toString("utf8"), wireBytes };
}

function toHttpError(error: unknown, timeoutMs: number): HttpError {
  if (error instanceof HttpError) return error;
  const code = (error as { code?: string } | null)?.code ?? "";
  const message = error instanceof Error ? error.message : String(error);
  if (code === "UND_ERR_CONNECT_TIMEOUT") return new HttpError("timeout", `connection timed out after ${timeoutMs} ms`);
  if (code === "UND_ERR_HEADERS_TIMEOUT") return new HttpError("timeout", `no response headers within ${timeoutMs} ms`);
  if (code === "UND_ERR_BODY_TIMEOUT") return new HttpError("timeout", `response stalled for ${timeoutMs} ms`);
  if (code === "UND_ERR_ABORTED" || (error as Error | null)?.name === "AbortError") {
    return new HttpError("aborted", "request cancelled");
  }
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const detail = code || cause?.code || "";
  return new HttpError("network", detail ? `${detail}: ${message}` : message);
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Error("aborted"));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A counting semaphore whose waiters can be cancelled. */
class Semaphore {
  private active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new HttpError("aborted", "request cancelled"));
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = () => {
        signal?.removeEventListener("abort", onAbort);
        this.active++;
        resolve();
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new HttpError("aborted", "request cancelled"));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(): void {
    this.active--;
    const next = this.waiters.shift();
    if (next) next();
  }
}

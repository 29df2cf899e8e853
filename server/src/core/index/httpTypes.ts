/**
 * The HTTP interface the index client is handed. The core never performs I/O itself: the server and the
 * CLI pass an implementation built on undici (`server/src/node/http.ts`), and tests pass fakes or the
 * real implementation pointed at the loopback fixture index.
 */

export interface HttpRequest {
  /** The URL to fetch. It may contain credentials; the implementation moves them into a header. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

export interface HttpResponse {
  readonly status: number;
  /** The final URL after redirects, with any credentials removed. */
  readonly url: string;
  /** Response headers with lower-case names; repeated headers are joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** The decoded (decompressed, UTF-8) body. Empty for 304. */
  readonly body: string;
  /** Bytes received on the wire (before decompression), for the benchmark's economy figures. */
  readonly wireBytes: number;
}

/**
 * Why a request failed without an HTTP answer. Every kind is a failure to learn anything about the
 * package and must never be reported as "the package does not exist".
 */
export type HttpErrorKind =
  "timeout" | "network" | "too-large" | "too-many-redirects" | "aborted" | "protocol" | "offline" | "blocked";

export class HttpError extends Error {
  constructor(
    readonly kind: HttpErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export type HttpFetch = (request: HttpRequest) => Promise<HttpResponse>;

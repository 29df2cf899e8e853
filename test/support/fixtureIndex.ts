/**
 * The fixture package index for tests and the benchmark: an HTTP server on 127.0.0.1 that answers like
 * PyPI (Simple API in JSON and HTML with content negotiation, the JSON API, files, 301 for
 * non-normalised names, ETag/Last-Modified revalidation, gzip/br), fed with recorded real responses
 * from `test/fixtures/pypi` (see its SOURCES.tsv) plus synthetic projects, and with switchable faults.
 *
 * Recorded projects (served verbatim where a recording exists for the negotiated format):
 *
 * | project                 | Simple JSON                                 | Simple HTML                        | JSON API                         |
 * | ----------------------- | ------------------------------------------- | ---------------------------------- | -------------------------------- |
 * | black, numpy, pytest,   | micropip/pypi_response/<name>_simple.json   | micropip/…/<name>_simple.html      | micropip/…/<name>_json.json      |
 * | pytz, snowballstemmer,  |                                             |                                    |                                  |
 * | xo-gd                   |                                             |                                    |                                  |
 * | zipp                    | pdm/json/zipp.json                          | rendered from the JSON             | —                                |
 * | yanked, argset          | pypi-simple/<name>.json                     | rendered from the JSON             | —                                |
 * | attrs, cleo, … (poetry) | poetry/pypi.org/json/<name>.json            | rendered from the JSON             | poetry/…/<name>/<version>.json   |
 * | django-scarface         | rendered from the per-version JSON API docs | rendered                           | pypi-data-warlockee (per version) |
 * | celery, django, ipython,| —                                           | pip-upgrader/<name>.html (2017)    | pip-upgrader/<Name>.json         |
 * | django-rest-auth        |                                             |                                    |                                  |
 *
 * Recorded file URLs point at files.pythonhosted.org; rendered pages point at `<url>/files/…`.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import * as path from "node:path";
import { brotliCompressSync, constants as zlibConstants, gzipSync } from "node:zlib";

// From sources this file sits in test/support; bundled into dist/bench.js it sits in dist/.
const fixtures =
  [path.resolve(__dirname, "../fixtures/pypi"), path.resolve(__dirname, "../test/fixtures/pypi")].find((dir) =>
    fs.existsSync(dir),
  ) ?? path.resolve("test/fixtures/pypi");

/** One file of a synthetic or rendered project. */
export interface FixtureFile {
  readonly filename: string;
  readonly requiresPython?: string | null;
  /** `true` or a reason string for a yanked file. */
  readonly yanked?: boolean | string;
  readonly uploadTime?: string | null;
  readonly size?: number;
  readonly sha256?: string;
  readonly coreMetadata?: boolean;
}

export interface FixtureProject {
  readonly files: readonly FixtureFile[];
  /** Verbatim recorded Simple JSON / HTML bodies, when recorded. */
  readonly simpleJson?: string;
  readonly simpleHtml?: string;
  /** JSON API documents: the project document and per-version documents. */
  readonly jsonApi?: string;
  readonly versionJson?: Readonly<Record<string, string>>;
}

/** A fault or variation; the empty object means "behave like PyPI". */
export interface Behaviour {
  /** Ignore Accept and always answer HTML (like Artifactory or Nexus); the JSON API answers 404. */
  readonly htmlOnly?: boolean;
  /** Milliseconds added before every response. */
  readonly latencyMs?: number;
  /** Answer every request with this status (404, 410, 500, 503 …). */
  readonly status?: number;
  /** Answer 429 with this Retry-After value (seconds as a number, or an HTTP date string). */
  readonly status429?: { readonly retryAfter: number | string };
  /** Destroy the connection after the headers. */
  readonly reset?: boolean;
  /** Send half the body, then close the connection although Content-Length promised more. */
  readonly truncate?: boolean;
  /** Answer 200 with a Simple JSON content type and a body that is not JSON. */
  readonly invalidJson?: boolean;
  /** Send the headers and a trickle of bytes, never finishing. */
  readonly neverFinish?: boolean;
  /** Milliseconds between the trickled bytes of `neverFinish` (default 1000). */
  readonly trickleMs?: number;
  /** Stream a body of this many bytes (valid JSON prefix, never buffered in memory). */
  readonly hugeBytes?: number;
  /** Send the `hugeBytes` body chunked, without Content-Length, so its size shows only while reading. */
  readonly hugeChunked?: boolean;
  /** Redirect every request to itself with a growing counter, forever. */
  readonly redirectLoop?: boolean;
  /** Redirect every request to this absolute URL prefix (the path is kept). */
  readonly redirectTo?: string;
  /** Require HTTP Basic credentials. */
  readonly basicAuth?: { readonly user: string; readonly password: string };
  /** Send no ETag or Last-Modified. */
  readonly noEtag?: boolean;
  /** Fail this many requests with 503 before answering normally. */
  readonly failTimes?: number;
}

export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly accept: string;
  /** Whether an Authorization header was sent (its value is never logged). */
  readonly authorization: boolean;
  readonly userAgent: string;
  readonly status: number;
  readonly bytes: number;
  readonly at: number;
}

export interface FixtureIndexOptions {
  readonly behaviour?: Behaviour;
  readonly latencyMs?: number;
  readonly port?: number;
}

export interface FixtureIndex {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `http://127.0.0.1:<port>/simple/` */
  readonly simpleUrl: string;
  readonly requests: RequestLogEntry[];
  /** Requests received so far, counted on arrival (a delayed or endless answer is logged only when sent). */
  received(): number;
  setBehaviour(behaviour: Behaviour | ((requestPath: string) => Behaviour | undefined)): void;
  addProject(name: string, project: FixtureProject): void;
  resetLog(): void;
  /** Stops accepting connections (connection refused) until `reappear`, keeping the port. */
  disappear(): Promise<void>;
  reappear(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the fixture index on 127.0.0.1 (an ephemeral port unless one is given). */
export async function startFixtureIndex(options: FixtureIndexOptions = {}): Promise<FixtureIndex> {
  const projects = loadRecordedProjects();
  const requests: RequestLogEntry[] = [];
  let behaviourFor: (requestPath: string) => Behaviour = () => ({
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
    ...options.behaviour,
  });
  const failCounts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let base = "";

  let received = 0;
  const server = http.createServer((req, res) => {
    received++;
    const requestPath = (req.url ?? "/").split("?")[0] ?? "/";
    const behaviour = behaviourFor(requestPath);
    const log = (status: number, bytes: number) =>
      requests.push({
        method: req.method ?? "GET",
        path: requestPath,
        accept: String(req.headers["accept"] ?? ""),
        authorization: req.headers["authorization"] !== undefined,
        userAgent: String(req.headers["user-agent"] ?? ""),
        status,
        bytes,
        at: Date.now(),
      });
    const respond = () => handle(req, res, requestPath, behaviour, log);
    const delay = behaviour.latencyMs ?? 0;
    if (delay > 0) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond();
      }, delay);
      timers.add(timer);
    } else {
      respond();
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    requestPath: string,
    behaviour: Behaviour,
    log: (status: number, bytes: number) => void,
  ): void {
    const send = (status: number, headers: Record<string, string>, body: string | Buffer = "") => {
      const buffer = typeof body === "string" ? Buffer.from(body) : body;
      res.writeHead(status, { ...headers, "content-length": String(buffer.length) });
      res.end(buffer);
      log(status, buffer.length);
    };
    if (behaviour.basicAuth) {
      const expected = `Basic ${Buffer.from(`${behaviour.basicAuth.user}:${behaviour.basicAuth.password}`).toString("base64")}`;
      if (req.headers["authorization"] !== expected) {
        send(401, { "www-authenticate": 'Basic realm="fixture"', "content-type": "text/plain" }, "unauthorised");
        return;
      }
    }
    if (behaviour.failTimes !== undefined) {
      const count = failCounts.get(requestPath) ?? 0;
      if (count < behaviour.failTimes) {
        failCounts.set(requestPath, count + 1);
        send(503, { "content-type": "text/plain" }, "try again");
        return;
      }
    }
    if (behaviour.status !== undefined) {
      send(behaviour.status, { "content-type": "text/plain" }, `status ${behaviour.status}`);
      return;
    }
    if (behaviour.status429) {
      send(429, { "retry-after": String(behaviour.status429.retryAfter), "content-type": "text/plain" }, "slow down");
      return;
    }
    if (behaviour.redirectLoop) {
      // The counter rides in the query, so a chain cut short when the fault ends lands on the page
      // it started from, as a real loop between two URLs of one resource would.
      const hop = Number(/[?&]hop=(\d+)/.exec(req.url ?? "")?.[1] ?? "0") + 1;
      send(302, { location: `${requestPath}?hop=${hop}` });
      return;
    }
    if (behaviour.redirectTo) {
      send(302, { location: `${behaviour.redirectTo.replace(/\/$/, "")}${requestPath}` });
      return;
    }
    if (behaviour.reset) {
      res.writeHead(200, { "content-type": "application/vnd.pypi.simple.v1+json", "content-length": "1000" });
      res.write("{");
      log(200, 1);
      setImmediate(() => req.socket.destroy());
      return;
    }
    if (behaviour.neverFinish) {
      res.writeHead(200, { "content-type": "application/vnd.pypi.simple.v1+json" });
      res.write('{"files": [');
      log(200, 11);
      const timer = setInterval(() => {
        if (!res.writableEnded && !res.destroyed) res.write(" ");
      }, behaviour.trickleMs ?? 1000);
      timers.add(timer);
      res.on("close", () => {
        clearInterval(timer);
        timers.delete(timer);
      });
      return;
    }
    if (behaviour.hugeBytes !== undefined) {
      streamHuge(res, behaviour.hugeBytes, log, behaviour.hugeChunked === true);
      return;
    }
    if (behaviour.invalidJson) {
      send(
        200,
        { "content-type": "application/vnd.pypi.simple.v1+json" },
        '{"meta": {"api-version": "1.1"}, "files": [',
      );
      return;
    }

    const answer = route(requestPath, String(req.headers["accept"] ?? ""), behaviour);
    if (answer.kind === "redirect") {
      send(301, { location: answer.location });
      return;
    }
    if (answer.kind === "missing") {
      send(404, { "content-type": "text/plain" }, "404 Not Found");
      return;
    }
    const etag = `"${createHash("sha256").update(answer.body).digest("hex").slice(0, 16)}"`;
    const lastModified = "Mon, 01 Jan 2024 00:00:00 GMT";
    const headers: Record<string, string> = {
      "content-type": answer.contentType,
      "cache-control": "max-age=600, public",
      vary: "Accept, Accept-Encoding",
      ...(behaviour.noEtag ? {} : { etag, "last-modified": lastModified }),
    };
    // RFC 9110 §13.2.2: If-None-Match, when present, decides alone; If-Modified-Since is ignored.
    const ifNoneMatch = req.headers["if-none-match"];
    const notModified =
      ifNoneMatch !== undefined ? ifNoneMatch === etag : req.headers["if-modified-since"] === lastModified;
    if (!behaviour.noEtag && notModified) {
      res.writeHead(304, { etag, "cache-control": headers["cache-control"] ?? "" });
      res.end();
      log(304, 0);
      return;
    }
    const encodings = String(req.headers["accept-encoding"] ?? "");
    const encoding = /\bbr\b/.test(encodings) ? "br" : /\bgzip\b/.test(encodings) ? "gzip" : null;
    const body = encoded(answer.body, encoding);
    if (encoding !== null) headers["content-encoding"] = encoding;
    if (behaviour.truncate) {
      res.writeHead(200, { ...headers, "content-length": String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      log(200, Math.floor(body.length / 2));
      setImmediate(() => req.socket.destroy());
      return;
    }
    send(200, headers, body);
  }

  type Answer =
    { kind: "ok"; contentType: string; body: string } | { kind: "redirect"; location: string } | { kind: "missing" };

  function route(requestPath: string, accept: string, behaviour: Behaviour): Answer {
    let match = /^\/simple\/([^/]+)\/?$/.exec(requestPath);
    if (match) {
      const raw = decodeURIComponent(match[1] ?? "");
      const name = normalize(raw);
      if (raw !== name || !requestPath.endsWith("/")) return { kind: "redirect", location: `/simple/${name}/` };
      const project = projects.get(name);
      if (!project) return { kind: "missing" };
      // Projects recorded only as HTML are served as HTML whatever was asked, like an HTML-only index.
      const htmlOnlyRecording =
        project.simpleJson === undefined && project.files.length === 0 && project.simpleHtml !== undefined;
      const json = !behaviour.htmlOnly && !htmlOnlyRecording && prefersJson(accept);
      if (json) {
        return {
          kind: "ok",
          contentType: "application/vnd.pypi.simple.v1+json",
          body: project.simpleJson ?? renderJson(name, project.files, base),
        };
      }
      return {
        kind: "ok",
        contentType:
          /application\/vnd\.pypi\.simple\.v1\+html/.test(accept) && !behaviour.htmlOnly
            ? "application/vnd.pypi.simple.v1+html"
            : "text/html",
        body: project.simpleHtml ?? renderHtml(name, project.files, base),
      };
    }
    match = /^\/pypi\/([^/]+)\/(?:([^/]+)\/)?json\/?$/.exec(requestPath);
    if (match) {
      if (behaviour.htmlOnly) return { kind: "missing" };
      const raw = decodeURIComponent(match[1] ?? "");
      const name = normalize(raw);
      if (raw !== name)
        return { kind: "redirect", location: requestPath.replace(`/pypi/${match[1]}/`, `/pypi/${name}/`) };
      const project = projects.get(name);
      const version = match[2] === undefined ? null : decodeURIComponent(match[2]);
      const body = version === null ? project?.jsonApi : project?.versionJson?.[version];
      return body === undefined ? { kind: "missing" } : { kind: "ok", contentType: "application/json", body };
    }
    if (requestPath.startsWith("/files/"))
      return { kind: "ok", contentType: "application/octet-stream", body: "placeholder" };
    if (requestPath === "/simple/" || requestPath === "/simple") {
      const names = [...projects.keys()].sort();
      return {
        kind: "ok",
        contentType: "text/html",
        body: `<html><body>${names.map((n) => `<a href="/simple/${n}/">${n}</a>`).join("\n")}</body></html>`,
      };
    }
    return { kind: "missing" };
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    simpleUrl: `${base}/simple/`,
    requests,
    received: () => received,
    setBehaviour(behaviour) {
      failCounts.clear();
      behaviourFor =
        typeof behaviour === "function"
          ? (requestPath) => ({ ...options.behaviour, ...behaviour(requestPath) })
          : () => ({ ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}), ...behaviour });
    },
    addProject(name, project) {
      projects.set(normalize(name), project);
    },
    resetLog() {
      requests.length = 0;
    },
    async disappear() {
      await closeServer();
    },
    async reappear() {
      await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    },
    async close() {
      await closeServer();
    },
  };

  async function closeServer(): Promise<void> {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (!server.listening) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A project with one sdist and one wheel per version, for tests and the benchmark. */
export function syntheticProject(
  name: string,
  versions: readonly string[] = ["1.0.0", "1.1.0", "2.0.0"],
): FixtureProject {
  const stem = name.replace(/[-.]+/g, "_");
  return {
    files: versions.flatMap((version) => [
      {
        filename: `${stem}-${version}.tar.gz`,
        requiresPython: ">=3.8",
        uploadTime: "2024-05-01T12:00:00Z",
        size: 1000,
      },
      {
        filename: `${stem}-${version}-py3-none-any.whl`,
        requiresPython: ">=3.8",
        uploadTime: "2024-05-01T12:00:00Z",
        size: 900,
      },
    ]),
  };
}

const encodedBodies = new Map<string, Buffer>();

/** Compressed bodies are cached per process: the benchmark must measure the client, not zlib here. */
function encoded(body: string, encoding: "br" | "gzip" | null): Buffer {
  if (encoding === null) return Buffer.from(body);
  const key = `${encoding}\u0000${body}`;
  let result = encodedBodies.get(key);
  if (!result) {
    result =
      encoding === "br"
        ? brotliCompressSync(body, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } })
        : gzipSync(body);
    if (encodedBodies.size > 500) encodedBodies.clear();
    encodedBodies.set(key, result);
  }
  return result;
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function prefersJson(accept: string): boolean {
  let json = 0;
  let html = 0;
  for (const part of accept.split(",")) {
    const [type = "", ...params] = part.trim().split(";");
    const q = Number(
      params
        .map((p) => p.trim())
        .find((p) => p.startsWith("q="))
        ?.slice(2) ?? "1",
    );
    const quality = Number.isFinite(q) ? q : 0;
    const media = type.trim().toLowerCase();
    if (media === "application/vnd.pypi.simple.v1+json" || media === "application/vnd.pypi.simple.latest+json")
      json = Math.max(json, quality);
    if (media === "application/vnd.pypi.simple.v1+html" || media === "text/html" || media === "*/*")
      html = Math.max(html, quality);
  }
  return json > 0 && json >= html;
}

function fileUrl(base: string, file: FixtureFile): string {
  return `${base}/files/${encodeURIComponent(file.filename)}`;
}

function renderJson(name: string, files: readonly FixtureFile[], base: string): string {
  return JSON.stringify({
    meta: { "api-version": "1.1" },
    name,
    versions: [],
    files: files.map((file) => ({
      filename: file.filename,
      url: fileUrl(base, file),
      hashes: file.sha256 ? { sha256: file.sha256 } : {},
      "requires-python": file.requiresPython ?? null,
      yanked: file.yanked ?? false,
      size: file.size ?? 1,
      "upload-time": file.uploadTime ?? null,
      "core-metadata": file.coreMetadata ?? false,
    })),
  });
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function renderHtml(name: string, files: readonly FixtureFile[], base: string): string {
  const links = files.map((file) => {
    const attributes = [`href="${escapeHtml(fileUrl(base, file))}${file.sha256 ? `#sha256=${file.sha256}` : ""}"`];
    if (file.requiresPython) attributes.push(`data-requires-python="${escapeHtml(file.requiresPython)}"`);
    if (file.yanked === true) attributes.push("data-yanked");
    else if (typeof file.yanked === "string") attributes.push(`data-yanked="${escapeHtml(file.yanked)}"`);
    if (file.coreMetadata) attributes.push('data-core-metadata="true"');
    return `    <a ${attributes.join(" ")}>${escapeHtml(file.filename)}</a><br/>`;
  });
  return `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Links for ${escapeHtml(name)}</title>\n  </head>\n  <body>\n    <h1>Links for ${escapeHtml(name)}</h1>\n${links.join("\n")}\n  </body>\n</html>\n`;
}

function streamHuge(
  res: http.ServerResponse,
  bytes: number,
  log: (status: number, bytes: number) => void,
  chunked: boolean,
): void {
  res.writeHead(200, {
    "content-type": "application/vnd.pypi.simple.v1+json",
    ...(chunked ? {} : { "content-length": String(bytes) }),
  });
  const prefix = Buffer.from('{"meta": {"api-version": "1.1"}, "files": [], "padding": "');
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  const pump = () => {
    while (sent < bytes) {
      const piece = sent === 0 ? prefix : chunk.subarray(0, Math.min(chunk.length, bytes - sent));
      sent += piece.length;
      if (!res.write(piece)) {
        res.once("drain", pump);
        return;
      }
    }
    res.end();
    log(200, sent);
  };
  res.on("close", () => log(200, sent));
  pump();
}

let recordedCache: Map<string, FixtureProject> | null = null;

/** Loads the recorded projects once per process; each fixture index gets its own copy of the map. */
function loadRecordedProjects(): Map<string, FixtureProject> {
  if (recordedCache) return new Map(recordedCache);
  const projects = new Map<string, FixtureProject>();
  const read = (file: string) => fs.readFileSync(path.join(fixtures, file), "utf8");
  const filesOfSimpleJson = (text: string): FixtureFile[] => {
    const data = JSON.parse(text) as {
      files: {
        filename: string;
        "requires-python"?: string | null;
        yanked?: boolean | string;
        "upload-time"?: string;
        size?: number;
        hashes?: { sha256?: string };
      }[];
    };
    return data.files.map((f) => ({
      filename: f.filename,
      requiresPython: f["requires-python"] ?? null,
      yanked: f.yanked ?? false,
      uploadTime: f["upload-time"] ?? null,
      ...(f.size !== undefined ? { size: f.size } : {}),
      ...(f.hashes?.sha256 ? { sha256: f.hashes.sha256 } : {}),
    }));
  };

  for (const name of ["black", "numpy", "pytest", "pytz", "snowballstemmer", "xo-gd"]) {
    const simpleJson = read(`micropip/pypi_response/${name}_simple.json`);
    projects.set(name, {
      files: filesOfSimpleJson(simpleJson),
      simpleJson,
      simpleHtml: read(`micropip/pypi_response/${name}_simple.html`),
      jsonApi: read(`micropip/pypi_response/${name}_json.json`),
    });
  }
  for (const [name, file] of [
    ["zipp", "pdm/json/zipp.json"],
    ["yanked", "pypi-simple/yanked.json"],
    ["argset", "pypi-simple/argset-700.json"],
  ] as const) {
    const simpleJson = read(file);
    projects.set(name, { files: filesOfSimpleJson(simpleJson), simpleJson });
  }
  const poetryDir = path.join(fixtures, "poetry/pypi.org/json");
  for (const entry of fs.readdirSync(poetryDir)) {
    if (!entry.endsWith(".json")) continue;
    const name = normalize(entry.slice(0, -5));
    if (projects.has(name)) continue;
    try {
      const simpleJson = read(`poetry/pypi.org/json/${entry}`);
      const versionJson: Record<string, string> = {};
      const versionDir = path.join(poetryDir, entry.slice(0, -5));
      if (fs.existsSync(versionDir)) {
        for (const v of fs.readdirSync(versionDir))
          if (v.endsWith(".json"))
            versionJson[v.slice(0, -5)] = read(`poetry/pypi.org/json/${entry.slice(0, -5)}/${v}`);
      }
      projects.set(name, { files: filesOfSimpleJson(simpleJson), simpleJson, versionJson });
    } catch {
      // A recording that is not a Simple JSON page is not served.
    }
  }
  // django-scarface: per-version JSON API documents; the simple page is rendered from their files.
  const history = JSON.parse(read("pypi-data-warlockee/release_data/d/j/django-scarface.json")) as Record<
    string,
    {
      urls?: {
        filename: string;
        requires_python?: string | null;
        yanked?: boolean;
        yanked_reason?: string | null;
        upload_time_iso_8601?: string;
        size?: number;
        digests?: { sha256?: string };
      }[];
    }
  >;
  const scarfaceFiles: FixtureFile[] = [];
  const versionJson: Record<string, string> = {};
  for (const [version, doc] of Object.entries(history)) {
    versionJson[version] = JSON.stringify(doc);
    for (const url of doc.urls ?? []) {
      scarfaceFiles.push({
        filename: url.filename,
        requiresPython: url.requires_python ?? null,
        yanked: url.yanked ? (url.yanked_reason ?? true) : false,
        uploadTime: url.upload_time_iso_8601 ?? null,
        ...(url.size !== undefined ? { size: url.size } : {}),
        ...(url.digests?.sha256 ? { sha256: url.digests.sha256 } : {}),
      });
    }
  }
  projects.set("django-scarface", { files: scarfaceFiles, versionJson });
  // Legacy (2017) HTML-only recordings with their JSON API documents.
  for (const [name, html, json] of [
    ["celery", "celery.html", "celery.json"],
    ["django", "django.html", "Django.json"],
    ["ipython", "ipython.html", "ipython.json"],
    ["django-rest-auth", "django-rest-auth.html", "django-rest-auth.json"],
  ] as const) {
    projects.set(name, { files: [], simpleHtml: read(`pip-upgrader/${html}`), jsonApi: read(`pip-upgrader/${json}`) });
  }
  recordedCache = projects;
  return new Map(projects);
}

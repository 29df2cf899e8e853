import assert from "node:assert/strict";
import { IndexClient, jsonApiUrl, type CacheStore } from "../../../server/src/core/index/indexClient";
import { HttpError, type HttpRequest, type HttpResponse } from "../../../server/src/core/index/httpTypes";

const simpleJson = (files: string[]) =>
  JSON.stringify({
    meta: { "api-version": "1.1" },
    name: "demo",
    versions: [],
    files: files.map((filename) => ({
      filename,
      url: `https://files.example/${filename}`,
      hashes: { sha256: "ab".repeat(32) },
      "requires-python": ">=3.8",
      size: 10,
      "upload-time": "2024-01-02T03:04:05.000000Z",
    })),
  });

interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/** A scripted fetch: answers in order, records requests. */
function scripted(replies: (Reply | Error)[]) {
  const requests: HttpRequest[] = [];
  const fetch = async (request: HttpRequest): Promise<HttpResponse> => {
    requests.push(request);
    const reply = replies.shift();
    if (reply === undefined) throw new Error(`unexpected request ${request.url}`);
    if (reply instanceof Error) throw reply;
    await new Promise((resolve) => setTimeout(resolve, 1));
    return {
      status: reply.status,
      url: request.url.replace(/\/\/[^@/]*@/, "//"),
      headers: { "content-type": "application/vnd.pypi.simple.v1+json", ...reply.headers },
      body: reply.body ?? "",
      wireBytes: (reply.body ?? "").length,
    };
  };
  return { fetch, requests };
}

class MemoryStore implements CacheStore {
  readonly data = new Map<string, string>();
  async read(key: string) {
    return this.data.get(key) ?? null;
  }
  async write(key: string, payload: string) {
    this.data.set(key, payload);
  }
  async clear() {
    this.data.clear();
  }
}

const index = "https://user:s3cret@private.example/simple/";

describe("index client", () => {
  it("deduplicates concurrent lookups and serves fresh answers from memory", async () => {
    const { fetch, requests } = scripted([
      { status: 200, body: simpleJson(["demo-1.0.tar.gz"]), headers: { "cache-control": "max-age=600" } },
    ]);
    const client = new IndexClient({ fetch });
    const [a, b] = await Promise.all([client.getProject(index, "demo"), client.getProject(index, "demo")]);
    assert.equal(requests.length, 1);
    assert.equal(a.answer.kind, "found");
    assert.deepEqual(b.answer, a.answer);
    await client.getProject(index, "demo");
    assert.equal(requests.length, 1, "fresh: no second request");
    assert.equal(requests[0]?.url, "https://user:s3cret@private.example/simple/demo/");
    assert.match(requests[0]?.headers["accept"] ?? "", /^application\/vnd\.pypi\.simple\.v1\+json, /);
    assert.equal(a.index, "https://user:****@private.example/simple/");
  });

  it("revalidates a stale answer with its ETag and keeps it on 304", async () => {
    let now = 1_000_000;
    const { fetch, requests } = scripted([
      { status: 200, body: simpleJson(["demo-1.0.tar.gz"]), headers: { etag: '"v1"', "cache-control": "max-age=60" } },
      { status: 304, headers: { "cache-control": "max-age=60" } },
    ]);
    const client = new IndexClient({ fetch, now: () => now });
    await client.getProject(index, "demo");
    now += 61_000;
    assert.equal(client.peekProject(index, "demo")?.stale, true, "stale data is still served from memory");
    const again = await client.getProject(index, "demo");
    assert.equal(requests.length, 2);
    assert.equal(requests[1]?.headers["if-none-match"], '"v1"');
    assert.equal(again.answer.kind, "found");
    assert.equal(again.stale, false);
    assert.equal(client.stats.notModified, 1);
  });

  it("treats 404 and 410 as not found, and every failure as an error", async () => {
    const { fetch } = scripted([
      { status: 404 },
      { status: 410 },
      { status: 500 },
      { status: 401 },
      new HttpError("network", "ECONNREFUSED"),
      { status: 200, body: "{not json", headers: {} },
      { status: 200, body: "<html>", headers: { "content-type": "application/zip" } },
    ]);
    const client = new IndexClient({ fetch });
    const kinds: string[] = [];
    for (const name of ["a", "b", "c", "d", "e", "f", "g"]) {
      const lookup = await client.getProject(index, name);
      kinds.push(lookup.answer.kind);
    }
    assert.deepEqual(kinds, ["not-found", "not-found", "error", "error", "error", "error", "error"]);
    const unauthorised = client.peekProject(index, "d");
    assert.match(unauthorised?.lastError ?? "", /401.*credentials/);
    assert.match(client.peekProject(index, "g")?.lastError ?? "", /content type "application\/zip"/);
  });

  it("serves the stale answer when revalidation fails, and backs off before retrying", async () => {
    let now = 0;
    const { fetch, requests } = scripted([
      { status: 200, body: simpleJson(["demo-1.0.tar.gz"]), headers: { "cache-control": "max-age=1" } },
      { status: 503 },
      { status: 200, body: simpleJson(["demo-1.0.tar.gz", "demo-2.0.tar.gz"]), headers: {} },
    ]);
    const client = new IndexClient({ fetch, now: () => now, failureBackoffMs: 30_000 });
    await client.getProject(index, "demo");
    now = 5_000;
    const failed = await client.getProject(index, "demo");
    assert.equal(failed.answer.kind, "found", "the cached page still answers");
    assert.equal(failed.lastError, "HTTP 503");
    assert.equal(client.isSettled(index, "demo"), true, "within the back-off nothing is requested");
    await client.getProject(index, "demo");
    assert.equal(requests.length, 2);
    now = 40_000;
    const recovered = await client.getProject(index, "demo");
    assert.equal(requests.length, 3);
    assert.equal(recovered.lastError, null);
    assert.equal(recovered.answer.kind === "found" && recovered.answer.page.files.length, 2);
  });

  it("answers from the disk store, drops malformed records, and keeps credentials out of keys", async () => {
    const store = new MemoryStore();
    const first = scripted([
      { status: 200, body: simpleJson(["demo-1.0.tar.gz"]), headers: { "cache-control": "max-age=600" } },
    ]);
    await new IndexClient({ fetch: first.fetch, store }).getProject(index, "demo");
    assert.equal(store.data.size, 1);
    const [key] = [...store.data.keys()];
    assert.equal(key, "simple https://private.example/simple/demo/");
    assert.ok(![...store.data.values()].some((v) => v.includes("s3cret")), "no credentials in stored records");

    const second = scripted([]);
    const warm = new IndexClient({ fetch: second.fetch, store });
    assert.equal((await warm.getProject(index, "demo")).answer.kind, "found");
    assert.equal(second.requests.length, 0, "a warm disk cache makes no request");

    store.data.set(
      key ?? "",
      JSON.stringify({ v: 1, key, fetchedAt: 0, freshUntil: 9e15, validators: {}, value: { kind: "found" } }),
    );
    const third = scripted([{ status: 200, body: simpleJson(["demo-3.0.tar.gz"]) }]);
    const logs: string[] = [];
    const repaired = new IndexClient({ fetch: third.fetch, store, log: (m) => logs.push(m) });
    const lookup = await repaired.getProject(index, "demo");
    assert.equal(third.requests.length, 1, "a malformed record is refetched, never read as empty");
    assert.equal(lookup.answer.kind === "found" && lookup.answer.page.files[0]?.filename, "demo-3.0.tar.gz");
    assert.ok(logs.some((m) => /malformed/.test(m) && !m.includes("s3cret")));
  });

  it("answers from cache only when offline, and a miss is an error, not 'not found'", async () => {
    const store = new MemoryStore();
    const online = scripted([
      { status: 200, body: simpleJson(["demo-1.0.tar.gz"]), headers: { "cache-control": "max-age=0" } },
    ]);
    await new IndexClient({ fetch: online.fetch, store }).getProject(index, "demo");
    const offline = scripted([]);
    const client = new IndexClient({ fetch: offline.fetch, store, offline: true });
    assert.equal((await client.getProject(index, "demo")).answer.kind, "found");
    const miss = await client.getProject(index, "other");
    assert.equal(miss.answer.kind, "error");
    assert.match(miss.lastError ?? "", /offline/);
    assert.equal(offline.requests.length, 0);
  });

  it("reads HTML pages when the index ignores Accept", async () => {
    const html =
      '<html><body><a href="../../files/demo-1.0.tar.gz#sha256=' +
      "cd".repeat(32) +
      '" data-requires-python="&gt;=3.7">demo-1.0.tar.gz</a></body></html>';
    const { fetch } = scripted([{ status: 200, body: html, headers: { "content-type": "text/html; charset=utf-8" } }]);
    const lookup = await new IndexClient({ fetch }).getProject("https://nexus.example/repository/pypi/simple", "demo");
    assert.equal(lookup.answer.kind, "found");
    if (lookup.answer.kind !== "found") return;
    assert.equal(lookup.answer.page.format, "simple-html");
    assert.equal(lookup.answer.page.files[0]?.requiresPython, ">=3.7");
  });

  it("derives the JSON API URL for PyPI-style indexes only", () => {
    assert.equal(jsonApiUrl("https://pypi.org/simple/", "django", null), "https://pypi.org/pypi/django/json");
    assert.equal(jsonApiUrl("https://pypi.org/simple", "django", "4.2"), "https://pypi.org/pypi/django/4.2/json");
    assert.equal(
      jsonApiUrl("https://host/artifactory/api/pypi/repo/simple", "x", null),
      "https://host/artifactory/api/pypi/repo/pypi/x/json",
    );
    assert.equal(jsonApiUrl("https://host/root/pypi/+simple/", "x", null), null);
  });
});

import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { HttpError } from "../../../server/src/core/index/httpTypes";
import { simpleAccept } from "../../../server/src/core/index/cachePolicy";
import { IndexClient } from "../../../server/src/core/index/indexClient";
import type { HttpOptions } from "../../../server/src/node/http";
import { startFixtureIndex, syntheticProject, type FixtureIndex } from "../../support/fixtureIndex";
import { httpHarness } from "../../support/httpHarness";

const recorded = (file: string) => fs.readFileSync(path.resolve(__dirname, "../../fixtures/pypi", file), "utf8");
const json = { accept: simpleAccept };

describe("HTTP client against the fixture index", function () {
  this.timeout(15_000);
  const harness = httpHarness();
  const client = harness.client;

  it("negotiates JSON, decompresses br/gzip and serves recorded bytes verbatim", async () => {
    const http = client();
    const response = await http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: json });
    assert.equal(response.status, 200);
    assert.equal(response.headers["content-type"], "application/vnd.pypi.simple.v1+json");
    assert.equal(response.body, recorded("micropip/pypi_response/black_simple.json"));
    assert.ok(response.wireBytes < response.body.length / 3, "compressed on the wire");
    assert.equal(harness.index.requests[0]?.userAgent, "Pinsight/test");
    const html = await http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: { accept: "text/html" } });
    assert.equal(html.headers["content-type"], "text/html");
    assert.equal(html.body, recorded("micropip/pypi_response/black_simple.html"));
  });

  it("answers HTML only when the index ignores Accept, and 404 for the JSON API", async () => {
    harness.index.setBehaviour({ htmlOnly: true });
    const http = client();
    assert.equal(
      (await http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: json })).headers["content-type"],
      "text/html",
    );
    assert.equal((await http.fetch({ url: `${harness.index.url}/pypi/black/json`, headers: {} })).status, 404);
  });

  it("follows the 301 to the normalised name", async () => {
    const response = await client().fetch({ url: `${harness.index.simpleUrl}Black/`, headers: json });
    assert.equal(response.status, 200);
    assert.equal(response.url, `${harness.index.simpleUrl}black/`);
    assert.deepEqual(
      harness.index.requests.map((r) => [r.path, r.status]),
      [
        ["/simple/Black/", 301],
        ["/simple/black/", 200],
      ],
    );
  });

  it("revalidates with ETag (304) and works without one", async () => {
    const http = client();
    const first = await http.fetch({ url: `${harness.index.simpleUrl}pytz/`, headers: json });
    const etag = first.headers["etag"] ?? "";
    assert.ok(etag);
    const again = await http.fetch({
      url: `${harness.index.simpleUrl}pytz/`,
      headers: { ...json, "if-none-match": etag },
    });
    assert.equal(again.status, 304);
    assert.equal(again.body, "");
    harness.index.setBehaviour({ noEtag: true });
    assert.equal(
      (await http.fetch({ url: `${harness.index.simpleUrl}pytz/`, headers: json })).headers["etag"],
      undefined,
    );
  });

  it("returns 404 and 410 as answers", async () => {
    const http = client();
    assert.equal((await http.fetch({ url: `${harness.index.simpleUrl}no-such-project/`, headers: json })).status, 404);
    harness.index.setBehaviour({ status: 410 });
    assert.equal((await http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: json })).status, 410);
    assert.equal(harness.index.requests.length, 2, "no retries for 4xx answers");
  });

  it("retries 5xx with back-off, a bounded number of times", async () => {
    harness.index.setBehaviour({ status: 500 });
    const http = client({ retries: 2 });
    assert.equal((await http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: json })).status, 500);
    assert.equal(harness.index.requests.length, 3);
    harness.index.setBehaviour({ failTimes: 2 });
    harness.index.resetLog();
    assert.equal((await http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: json })).status, 200);
    assert.deepEqual(
      harness.index.requests.map((r) => r.status),
      [503, 503, 200],
    );
    assert.equal(http.stats.retries, 4);
  });

  it("honours Retry-After on 429, and gives up at once when it is longer than the cap", async () => {
    harness.index.setBehaviour({ status429: { retryAfter: 1 } });
    const http = client({ retries: 1, maxRetryAfterMs: 2000 });
    const start = Date.now();
    assert.equal((await http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: json })).status, 429);
    assert.ok(Date.now() - start >= 950, "waited for Retry-After");
    assert.equal(harness.index.requests.length, 2);
    harness.index.resetLog();
    harness.index.setBehaviour({ status429: { retryAfter: new Date(Date.now() + 3_600_000).toUTCString() } });
    const quick = Date.now();
    assert.equal((await http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: json })).status, 429);
    assert.ok(Date.now() - quick < 500);
    assert.equal(harness.index.requests.length, 1);
  });

  const failures: [string, Parameters<FixtureIndex["setBehaviour"]>[0], Partial<HttpOptions>, HttpError["kind"]][] = [
    ["a reset connection", { reset: true }, {}, "network"],
    ["a truncated body", { truncate: true }, {}, "network"],
    ["a body that never finishes", { neverFinish: true }, { timeoutMs: 300 }, "timeout"],
    ["a huge body", { hugeBytes: 200 * 1024 * 1024 }, { maxBodyBytes: 2 * 1024 * 1024 }, "too-large"],
    ["a redirect loop", { redirectLoop: true }, {}, "too-many-redirects"],
  ];
  for (const [label, behaviour, options, kind] of failures) {
    it(`fails cleanly on ${label}`, async () => {
      harness.index.setBehaviour(behaviour);
      const start = Date.now();
      await assert.rejects(
        client({ retries: 1, ...options }).fetch({ url: `${harness.index.simpleUrl}black/`, headers: json }),
        (error: unknown) => error instanceof HttpError && error.kind === kind,
      );
      assert.ok(Date.now() - start < 5000, `took ${Date.now() - start} ms`);
      if (kind === "too-many-redirects")
        assert.equal(harness.index.requests.length, 6, "the first request and 5 redirects");
    });
  }

  it("sends credentials to the index host only, never across a redirect to another host", async () => {
    const other = await startFixtureIndex();
    try {
      harness.index.setBehaviour({ basicAuth: { user: "alice", password: "p@ss" } });
      const http = client();
      assert.equal((await http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: json })).status, 401);
      const authed = harness.index.simpleUrl.replace("http://", "http://alice:p%40ss@");
      const ok = await http.fetch({ url: `${authed}black/`, headers: json });
      assert.equal(ok.status, 200);
      assert.ok(!ok.url.includes("alice"), "the final URL carries no credentials");
      harness.index.setBehaviour({ redirectTo: other.url });
      const moved = await http.fetch({ url: `${authed}black/`, headers: json });
      assert.equal(moved.status, 200);
      assert.equal(harness.index.requests.at(-1)?.authorization, true);
      assert.equal(other.requests[0]?.authorization, false, "credentials were not forwarded to another host");
    } finally {
      await other.close();
    }
  });

  it("uses netrc-style credentials from the lookup for the matching host", async () => {
    harness.index.setBehaviour({ basicAuth: { user: "bob", password: "pw" } });
    const http = client({
      credentials: (url) => (url.hostname === "127.0.0.1" ? { username: "bob", password: "pw" } : null),
    });
    assert.equal((await http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: json })).status, 200);
  });

  it("reports a vanished index as a network error and works again when it returns", async () => {
    const http = client({ retries: 0 });
    await harness.index.disappear();
    await assert.rejects(
      http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: json }),
      (e: unknown) => e instanceof HttpError && e.kind === "network",
    );
    await harness.index.reappear();
    assert.equal((await http.fetch({ url: `${harness.index.simpleUrl}black/`, headers: json })).status, 200);
  });

  it("bounds concurrency per host and honours latency", async () => {
    harness.index.setBehaviour({ latencyMs: 100 });
    for (let i = 0; i < 12; i++) harness.index.addProject(`p${i}`, syntheticProject(`p${i}`));
    const http = client({ concurrencyPerHost: 4 });
    const start = Date.now();
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => http.fetch({ url: `${harness.index.simpleUrl}p${i}/`, headers: json })),
    );
    const elapsed = Date.now() - start;
    assert.ok(elapsed >= 290, `12 requests at 4 at a time with 100 ms each take ≥ 300 ms (${elapsed})`);
    assert.ok(elapsed < 1500, `but not much more (${elapsed})`);
  });

  it("cancels a request through its AbortSignal", async () => {
    harness.index.setBehaviour({ latencyMs: 2000 });
    const controller = new AbortController();
    const pending = client().fetch({
      url: `${harness.index.simpleUrl}black/`,
      headers: json,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const start = Date.now();
    await assert.rejects(pending, (e: unknown) => e instanceof HttpError && e.kind === "aborted");
    assert.ok(Date.now() - start < 1000);
  });

  it("reads invalid JSON and truncated pages as errors, never as 'no releases'", async () => {
    harness.index.setBehaviour({ invalidJson: true });
    const indexClient = new IndexClient({ fetch: client({ retries: 0 }).fetch });
    const lookup = await indexClient.getProject(harness.index.simpleUrl, "black");
    assert.equal(lookup.answer.kind, "error");
    assert.match(lookup.lastError ?? "", /invalid JSON/);
  });

  it("serves JSON API documents, per version too", async () => {
    const http = client();
    const project = await http.fetch({ url: `${harness.index.url}/pypi/black/json`, headers: {} });
    assert.equal(project.status, 200);
    assert.equal(JSON.parse(project.body).info.name, "black");
    const version = await http.fetch({ url: `${harness.index.url}/pypi/django-scarface/3.2/json`, headers: {} });
    assert.equal(JSON.parse(version.body).info.version, "3.2");
    assert.equal(
      (await http.fetch({ url: `${harness.index.url}/pypi/django-scarface/9.9/json`, headers: {} })).status,
      404,
    );
  });
});

import assert from "node:assert/strict";
import {
  conditionalHeaders,
  freshnessMs,
  mediaType,
  parseRetryAfter,
} from "../../../server/src/core/index/cachePolicy";
import { LruCache } from "../../../server/src/core/index/lruCache";
import { matchesNoProxy } from "../../../server/src/node/noProxy";
import { proxyFor } from "../../../server/src/node/http";

describe("cache policy", () => {
  it("takes max-age from Cache-Control, else the TTL setting", () => {
    assert.equal(freshnessMs("max-age=600, public", 60_000), 600_000);
    assert.equal(freshnessMs("public, MAX-AGE=900", 60_000), 900_000);
    assert.equal(freshnessMs(undefined, 60_000), 60_000);
    assert.equal(freshnessMs("public", 60_000), 60_000);
    assert.equal(freshnessMs("no-cache", 60_000), 0);
    assert.equal(freshnessMs("max-age=0, must-revalidate", 60_000), 0);
    assert.equal(freshnessMs("max-age=99999999", 60_000), 86_400_000, "capped at a day");
    assert.equal(freshnessMs("max-age=abc", 60_000), 60_000);
  });

  it("revalidates with the stored validators", () => {
    assert.deepEqual(conditionalHeaders(null), {});
    assert.deepEqual(conditionalHeaders({ etag: '"a"', lastModified: null }), {
      "if-none-match": '"a"',
      "cache-control": "max-age=0",
    });
    assert.deepEqual(conditionalHeaders({ etag: null, lastModified: "Mon, 01 Jan 2024 00:00:00 GMT" }), {
      "if-modified-since": "Mon, 01 Jan 2024 00:00:00 GMT",
      "cache-control": "max-age=0",
    });
  });

  it("dispatches on the media type, case-insensitively and without parameters", () => {
    assert.equal(
      mediaType("Application/VND.pypi.simple.v1+JSON; charset=utf-8"),
      "application/vnd.pypi.simple.v1+json",
    );
    assert.equal(mediaType(undefined), "");
  });

  it("parses Retry-After in seconds and as an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("7", now), 7000);
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now), 5000);
    assert.equal(parseRetryAfter("soon", now), null);
    assert.equal(parseRetryAfter(undefined, now), null);
  });
});

describe("LRU cache", () => {
  it("evicts the least recently used entries beyond its weight", () => {
    const lru = new LruCache<string>(10);
    lru.set("a", "A", 4);
    lru.set("b", "B", 4);
    assert.equal(lru.get("a"), "A");
    lru.set("c", "C", 4);
    assert.equal(lru.peek("b"), undefined);
    assert.equal(lru.peek("a"), "A");
    assert.equal(lru.weight, 8);
    lru.set("huge", "H", 50);
    assert.equal(lru.peek("huge"), "H", "the newest entry stays even when it alone exceeds the budget");
    assert.equal(lru.size, 1);
  });
});

describe("NO_PROXY", () => {
  const url = (u: string) => new URL(u);
  it("matches hosts, subdomains, ports and wildcards like curl and pip", () => {
    assert.ok(matchesNoProxy(url("https://pypi.org/simple/"), "pypi.org"));
    assert.ok(matchesNoProxy(url("https://files.pypi.org/x"), ".pypi.org"));
    assert.ok(matchesNoProxy(url("https://files.pypi.org/x"), "pypi.org"));
    assert.ok(!matchesNoProxy(url("https://notpypi.org/x"), "pypi.org"));
    assert.ok(matchesNoProxy(url("https://a.example"), "*"));
    assert.ok(matchesNoProxy(url("https://a.example:8443/"), "a.example:8443"));
    assert.ok(!matchesNoProxy(url("https://a.example/"), "a.example:8443"));
    assert.ok(matchesNoProxy(url("http://127.0.0.1:3000/"), ""), "loopback is never proxied");
    assert.ok(matchesNoProxy(url("https://b.example/"), "a.example, b.example"));
    assert.ok(!matchesNoProxy(url("https://c.example/"), ""));
  });
});

describe("proxy choice", () => {
  const url = (u: string) => new URL(u);
  it("prefers VS Code's http.proxy, then HTTPS_PROXY/HTTP_PROXY, and honours NO_PROXY", () => {
    const explicit = { url: "http://proxy.corp:3128", strictSSL: false };
    assert.deepEqual(proxyFor(url("https://pypi.org/simple/"), explicit, { HTTPS_PROXY: "http://env:1" }), explicit);
    assert.deepEqual(proxyFor(url("https://pypi.org/simple/"), null, { HTTPS_PROXY: "http://env:1" }), {
      url: "http://env:1",
      strictSSL: true,
    });
    assert.deepEqual(
      proxyFor(url("https://pypi.org/simple/"), null, { https_proxy: "http://lower:2" })?.url,
      "http://lower:2",
    );
    assert.equal(
      proxyFor(url("http://pypi.org/simple/"), null, { HTTPS_PROXY: "http://env:1" }),
      null,
      "http URLs use HTTP_PROXY",
    );
    assert.equal(proxyFor(url("https://pypi.org/simple/"), explicit, { NO_PROXY: ".pypi.org" }), null);
    assert.equal(proxyFor(url("http://127.0.0.1:8080/simple/"), explicit, {}), null, "loopback is reached directly");
    assert.equal(proxyFor(url("https://pypi.org/"), { url: " ", strictSSL: true }, {}), null);
  });
});

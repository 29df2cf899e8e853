import assert from "node:assert/strict";
import { IndexClient } from "../../../server/src/core/index/indexClient";
import type { HttpRequest, HttpResponse } from "../../../server/src/core/index/httpTypes";

const index = "https://pypi.example/simple/";

/** A fetch that answers every request with `status` and `headers`, counting requests. */
function answering(status: number, headers: Record<string, string> = {}) {
  const requests: HttpRequest[] = [];
  const fetch = async (request: HttpRequest): Promise<HttpResponse> => {
    requests.push(request);
    return { status, url: request.url, headers: { "content-type": "text/plain", ...headers }, body: "", wireBytes: 0 };
  };
  return { fetch, requests };
}

/**
 * How long a failed lookup waits before the network is tried again: the client's back-off, or longer
 * when the index said when to come back (`Retry-After` on 429 and 503), up to an hour; and when that is
 * (`retryAt`), which the server's retry timer is set by.
 */
describe("index client failure back-off", () => {
  it("waits the back-off after a failure without Retry-After", async () => {
    let now = 1_000_000;
    const { fetch, requests } = answering(503);
    const client = new IndexClient({ fetch, now: () => now, failureBackoffMs: 30_000 });
    await client.getProject(index, "demo");
    assert.equal(client.retryAt(index, "demo"), 1_000_000 + 30_000);
    now += 29_000;
    assert.equal(client.isSettled(index, "demo"), true);
    await client.getProject(index, "demo");
    assert.equal(requests.length, 1);
    now += 2_000;
    assert.equal(client.retryAt(index, "demo"), null, "the back-off is over");
    assert.equal(client.isSettled(index, "demo"), false);
    await client.getProject(index, "demo");
    assert.equal(requests.length, 2);
  });

  for (const status of [429, 503]) {
    it(`honours Retry-After on ${status} beyond the back-off`, async () => {
      let now = 1_000_000;
      const { fetch, requests } = answering(status, { "retry-after": "120" });
      const client = new IndexClient({ fetch, now: () => now, failureBackoffMs: 30_000 });
      await client.getProject(index, "demo");
      assert.equal(client.retryAt(index, "demo"), 1_000_000 + 120_000);
      now += 60_000;
      await client.getProject(index, "demo");
      assert.equal(requests.length, 1, "asked to come back in two minutes, it does not ask after one");
      now += 61_000;
      await client.getProject(index, "demo");
      assert.equal(requests.length, 2);
    });
  }

  it("reads Retry-After as an HTTP date, never waits less than the back-off, and at most an hour", async () => {
    let now = Date.parse("2024-01-01T00:00:00Z");
    const cases: [string, number][] = [
      [new Date(now + 300_000).toUTCString(), 300_000],
      ["5", 30_000],
      ["86400", 3_600_000],
      ["soon", 30_000],
    ];
    for (const [value, wait] of cases) {
      const { fetch } = answering(429, { "retry-after": value });
      const client = new IndexClient({ fetch, now: () => now, failureBackoffMs: 30_000 });
      await client.getProject(index, "demo");
      assert.equal(client.retryAt(index, "demo"), now + wait, `Retry-After: ${value}`);
      now += 1000;
    }
  });

  it("ignores Retry-After on other statuses, and Refresh (forgetFailures) retries at once", async () => {
    const now = 1_000_000;
    const { fetch, requests } = answering(500, { "retry-after": "3600" });
    const client = new IndexClient({ fetch, now: () => now, failureBackoffMs: 30_000 });
    await client.getProject(index, "demo");
    assert.equal(client.retryAt(index, "demo"), now + 30_000);
    client.forgetFailures();
    assert.equal(client.retryAt(index, "demo"), null);
    await client.getProject(index, "demo");
    assert.equal(requests.length, 2);
  });
});

import assert from "node:assert/strict";
import { simpleAccept } from "../../../server/src/core/index/cachePolicy";
import { HttpError } from "../../../server/src/core/index/httpTypes";
import { httpHarness } from "../../support/httpHarness";

const json = { accept: simpleAccept };
const mib = 1024 * 1024;

/**
 * What one index can cost the HTTP client: memory that does not grow with concurrency when responses
 * are huge, and time that does not triple when a server trickles bytes past the response deadline.
 */
describe("HTTP client limits against the fixture index", function () {
  this.timeout(15_000);
  const harness = httpHarness();
  const client = harness.client;

  it("refuses a body whose Content-Length is over the limit before reading it", async () => {
    harness.index.setBehaviour({ hugeBytes: 100 * mib });
    const start = Date.now();
    await assert.rejects(
      client({ maxBodyBytes: 2 * mib }).fetch({ url: `${harness.index.simpleUrl}black/`, headers: json }),
      (error: unknown) => error instanceof HttpError && error.kind === "too-large" && /2 MiB/.test(error.message),
    );
    assert.ok(Date.now() - start < 2000, `took ${Date.now() - start} ms`);
    // The index stops sending when the client hangs up; far less than the body reached the wire.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(
      (harness.index.requests[0]?.bytes ?? 0) < 20 * mib,
      `${harness.index.requests[0]?.bytes} bytes were sent`,
    );
  });

  it("bounds the bytes buffered by all requests together, and gives them back", async () => {
    // Six chunked bodies of 3 MiB each, under the per-response limit of 4 MiB but 18 MiB together
    // against a shared budget of 6 MiB: some must fail, at least one completes. The latency makes the
    // six answers start together, so that their bodies arrive side by side.
    harness.index.setBehaviour({ hugeBytes: 3 * mib, hugeChunked: true, latencyMs: 50 });
    const http = client({ maxBodyBytes: 4 * mib, maxBufferedBytes: 6 * mib, retries: 0 });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => http.fetch({ url: `${harness.index.simpleUrl}pkg-${i}/`, headers: json })),
    );
    const failed = results.filter(
      (r) => r.status === "rejected" && r.reason instanceof HttpError && r.reason.kind === "too-large",
    );
    const completed = results.filter((r) => r.status === "fulfilled");
    assert.ok(failed.length > 0, "the budget was enforced");
    assert.ok(completed.length > 0, "a response that fits alone completes");
    assert.equal(failed.length + completed.length, 6);
    // Nothing stays charged to the budget: alone, each of them fits again.
    harness.index.setBehaviour({ hugeBytes: 3 * mib, hugeChunked: true });
    for (let i = 0; i < 3; i++) {
      const response = await http.fetch({ url: `${harness.index.simpleUrl}again-${i}/`, headers: json });
      assert.equal(response.body.length, 3 * mib);
    }
  });

  it("does not retry a response that trickled past the whole-response deadline", async () => {
    // A byte every 50 ms never trips the 200 ms inactivity timeout; the 1.2 s deadline (6 × timeout) ends it.
    harness.index.setBehaviour({ neverFinish: true, trickleMs: 50 });
    const received = harness.index.received();
    const start = Date.now();
    await assert.rejects(
      client({ timeoutMs: 200, retries: 2 }).fetch({ url: `${harness.index.simpleUrl}black/`, headers: json }),
      (error: unknown) =>
        error instanceof HttpError && error.kind === "timeout" && /within 1200 ms/.test(error.message),
    );
    const elapsed = Date.now() - start;
    assert.ok(elapsed < 3000, `one attempt, not three: ${elapsed} ms`);
    assert.equal(harness.index.received() - received, 1);
  });
});

import * as assert from "node:assert/strict";
import { createHttpClient, type HttpClient, type HttpOptions } from "../../server/src/node/http";
import { startFixtureIndex, type FixtureIndex } from "./fixtureIndex";

/**
 * Mocha hooks for HTTP client tests: a fixture index for the suite, reset to PyPI-like behaviour with
 * an empty log before each test, and clients (fast retries by default) closed after each test.
 */
export function httpHarness(): { readonly index: FixtureIndex; client(options?: Partial<HttpOptions>): HttpClient } {
  let index: FixtureIndex | undefined;
  let clients: HttpClient[] = [];
  before(async () => {
    index = await startFixtureIndex();
  });
  after(async () => index?.close());
  beforeEach(() => {
    index?.setBehaviour({});
    index?.resetLog();
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
  });
  return {
    get index(): FixtureIndex {
      assert.ok(index, "the fixture index starts in the suite's before hook");
      return index;
    },
    client(options = {}) {
      const created = createHttpClient({ userAgent: "Pinsight/test", retryBaseDelayMs: 20, ...options });
      clients.push(created);
      return created;
    },
  };
}

/**
 * State shared between the two suite bundles (the runner in dist/e2e/suite/index.js and the tests in
 * dist/e2e/suite/tests.js). Each bundle has its own copy of this module, so the state lives on the one
 * global object they share, under a registered symbol.
 */

export interface SharedState {
  /** Measurements the tests take (milliseconds unless the name says otherwise). */
  readonly metrics: Record<string, number>;
  /** Why a test skipped itself, by the test's full title. */
  readonly skipReasons: Record<string, string>;
}

const stateKey: unique symbol = Symbol.for("pinsight.e2e.state");
type Holder = typeof globalThis & { [stateKey]?: SharedState };

export function sharedState(): SharedState {
  const holder = globalThis as Holder;
  holder[stateKey] ??= { metrics: {}, skipReasons: {} };
  return holder[stateKey];
}

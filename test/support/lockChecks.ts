import * as assert from "node:assert/strict";
import type { ParsedLock } from "../../server/src/core/locks/lockModel";
import type { Span } from "../../server/src/core/span";

/** Every span a parsed lock holds, with a label for failure messages. */
export function allSpans(lock: ParsedLock): [string, Span][] {
  const spans: [string, Span][] = [];
  if (lock.lockVersion) spans.push(["lockVersion", lock.lockVersion.span]);
  if (lock.contentHash) spans.push(["contentHash", lock.contentHash.span]);
  if (lock.python) spans.push(["python", lock.python.raw.span]);
  for (const source of lock.sources) spans.push(["source", source.span]);
  for (const problem of lock.problems) spans.push([`problem ${problem.message}`, problem.span]);
  for (const e of lock.entries) {
    spans.push([`${e.name.value} entry`, e.span], [`${e.name.value} name`, e.name.span]);
    if (e.version) spans.push([`${e.name.value} version`, e.version.span]);
    for (const hash of e.hashes) spans.push([`${e.name.value} hash`, hash.span]);
    for (const dependency of e.dependencies) {
      if (dependency.span) spans.push([`${e.name.value} → ${dependency.name}`, dependency.span]);
    }
  }
  return spans;
}

/**
 * The fastest of a few parses: the server is long-lived, so a one-off JIT warm-up is not what a time
 * budget is for.
 */
export function bestTime(parse: (text: string) => ParsedLock, text: string): { lock: ParsedLock; ms: number } {
  let best = Number.POSITIVE_INFINITY;
  let lock = parse(text);
  for (let run = 0; run < 3; run++) {
    const start = performance.now();
    lock = parse(text);
    best = Math.min(best, performance.now() - start);
  }
  return { lock, ms: best };
}

/** Runs `run` once and asserts it took less than `limitMs`. */
export function timed<T>(limitMs: number, run: () => T): T {
  const start = performance.now();
  const result = run();
  const elapsed = performance.now() - start;
  assert.ok(elapsed < limitMs, `took ${elapsed.toFixed(0)} ms (limit ${limitMs} ms)`);
  return result;
}

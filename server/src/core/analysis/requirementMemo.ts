import type { Span } from "../span";
import type { Finding, PinFixData } from "./findings";
import type { IndexSnapshot } from "./indexFindings";

/**
 * Results of one requirement line's dependency analysis, kept between analyses of a document so that
 * an edit re-analyses only the lines it touched.
 *
 * A result is reused when the line's text, the per-line context (installed and locked versions,
 * constraints), the file-wide context (targets, hash mode, `--pre`) and the index data it read are
 * all unchanged. Index data is tracked per package: the snapshot's `revision(name)` changes whenever
 * anything it answers about that package may have changed, and every package a result read is
 * recorded with its revision at the time. A result computed while some answer was still pending (a
 * fetch in flight) is kept too — the answer's arrival moves that package's revision, which re-runs
 * it — but only for a few seconds, so an answer that arrived without a revision change (which should
 * not happen) cannot leave a line stale for long. Without this, a large file whose data is still
 * arriving would recompute its pending lines on every pass and never get past them.
 *
 * Results are stored with the offsets they were computed at; `rebase` moves them when lines above
 * were inserted or removed.
 */
/** Lines a slice computes whatever its budget: about a screenful, a few milliseconds of work. */
const minimumLinesPerSlice = 40;

/**
 * A time budget shared by the stages of one analysis: once it is spent, lines without a reusable
 * result are deferred to a later pass instead of computed, so a large file is analysed in slices that
 * each leave the event loop free within tens of milliseconds.
 */
export class AnalysisBudget {
  /** Lines left for a later pass. */
  deferred = 0;
  /** Lines computed within this budget. */
  computed = 0;
  private readonly deadline: number;

  constructor(milliseconds: number) {
    this.deadline = performance.now() + milliseconds;
  }

  /**
   * Whether the time is up; never before a screenful of lines was computed, so every slice makes
   * progress and a large file's first publication shows the findings of its first lines (the first
   * analysis spends most of its time parsing, and would otherwise publish one line's findings).
   */
  spent(): boolean {
    return this.computed >= minimumLinesPerSlice && performance.now() > this.deadline;
  }
}

export class RequirementMemo<T> {
  private entries = new Map<string, MemoEntry<T>>();
  private context = "";
  private pass = 0;

  /**
   * Starts an analysis pass. A different file-wide context drops everything; entries not used by the
   * previous pass are dropped, so the memo never holds more than the lines of the document.
   */
  begin(context: string): void {
    if (context !== this.context) {
      this.entries.clear();
      this.context = context;
    } else {
      for (const [key, entry] of this.entries) if (entry.pass !== this.pass) this.entries.delete(key);
    }
    this.pass++;
  }

  /**
   * The result for `key` if every recorded dependency is unchanged, else `compute`'s result, which is
   * kept when it read no pending answer. `compute` receives a snapshot that records what it reads.
   * With a budget that is spent, a line that would need computing returns null (deferred).
   */
  get(
    key: string,
    snapshot: IndexSnapshot,
    named: (name: string) => boolean,
    compute: (snapshot: IndexSnapshot, named: (name: string) => boolean) => T,
  ): { readonly value: T; readonly reused: boolean };
  get(
    key: string,
    snapshot: IndexSnapshot,
    named: (name: string) => boolean,
    compute: (snapshot: IndexSnapshot, named: (name: string) => boolean) => T,
    budget: AnalysisBudget | undefined,
  ): { readonly value: T; readonly reused: boolean } | null;
  get(
    key: string,
    snapshot: IndexSnapshot,
    named: (name: string) => boolean,
    compute: (snapshot: IndexSnapshot, named: (name: string) => boolean) => T,
    budget?: AnalysisBudget,
  ): { readonly value: T; readonly reused: boolean } | null {
    const revision = snapshot.revision;
    const entry = this.entries.get(key);
    if (
      entry !== undefined &&
      revision !== undefined &&
      (entry.pendingSince === null || performance.now() - entry.pendingSince < pendingReuseMs) &&
      entry.packages.every(([name, seen]) => revision.call(snapshot, name) === seen) &&
      entry.named.every(([name, was]) => named(name) === was)
    ) {
      entry.pass = this.pass;
      return { value: entry.value, reused: true };
    }
    if (budget?.spent()) {
      // Left for the next pass; an old entry stays (unused entries only go at the pass after next).
      if (entry !== undefined) entry.pass = this.pass;
      budget.deferred++;
      return null;
    }
    if (budget) budget.computed++;
    const recorder = new SnapshotRecorder(snapshot);
    const namedChecks = new Map<string, boolean>();
    const recordNamed = (name: string): boolean => {
      const answer = named(name);
      namedChecks.set(name, answer);
      return answer;
    };
    const value = compute(recorder.snapshot, recordNamed);
    if (revision !== undefined) {
      const packages: [string, string | undefined][] = [];
      let stable = true;
      for (const name of recorder.names) {
        const seen = revision.call(snapshot, name);
        if (seen === undefined) stable = false;
        packages.push([name, seen]);
      }
      if (stable) {
        const pendingSince = recorder.pending ? performance.now() : null;
        this.entries.set(key, { value, packages, named: [...namedChecks], pass: this.pass, pendingSince });
      } else this.entries.delete(key);
    }
    return { value, reused: false };
  }

  get size(): number {
    return this.entries.size;
  }
}

interface MemoEntry<T> {
  readonly value: T;
  readonly packages: readonly (readonly [string, string | undefined])[];
  readonly named: readonly (readonly [string, boolean])[];
  pass: number;
  /** When a result that read a pending answer was computed; null for a complete result. */
  readonly pendingSince: number | null;
}

/** How long a result computed with pending answers may be reused while its revisions stay put. */
const pendingReuseMs = 5000;

/** Wraps a snapshot, noting every package asked about and whether any answer was still pending. */
class SnapshotRecorder {
  readonly names = new Set<string>();
  pending = false;
  readonly snapshot: IndexSnapshot;

  constructor(inner: IndexSnapshot) {
    const note = (name: string): void => {
      this.names.add(name);
    };
    const pendingIfUndefined = <V>(value: V | undefined): V | undefined => {
      if (value === undefined) this.pending = true;
      return value;
    };
    this.snapshot = {
      indexes: inner.indexes,
      view: (name) => {
        note(name);
        return pendingIfUndefined(inner.view(name));
      },
      ...(inner.metadata ? { metadata: (name: string) => (note(name), inner.metadata?.(name)) } : {}),
      ...(inner.loadMetadata ? { loadMetadata: inner.loadMetadata.bind(inner) } : {}),
      ...(inner.releaseMetadata
        ? {
            releaseMetadata: (name: string, version: string) => {
              note(name);
              const answer = inner.releaseMetadata?.(name, version);
              if (answer === undefined) this.pending = true;
              return answer;
            },
          }
        : {}),
      ...(inner.settle ? { settle: inner.settle.bind(inner) } : {}),
      ...(inner.ensure
        ? {
            ensure: (name: string) => {
              note(name);
              this.pending = true;
              inner.ensure?.(name);
            },
          }
        : {}),
      ...(inner.loadReleaseMetadata ? { loadReleaseMetadata: inner.loadReleaseMetadata.bind(inner) } : {}),
      ...(inner.support
        ? {
            support: (name: string, releases: Parameters<NonNullable<IndexSnapshot["support"]>>[1], target: string) => {
              note(name);
              return pendingIfUndefined(inner.support?.(name, releases, target));
            },
          }
        : {}),
      ...(inner.revision ? { revision: inner.revision.bind(inner) } : {}),
    };
  }
}

/** A span moved by `delta` characters. */
function shifted(span: Span, delta: number): Span {
  return { start: span.start + delta, end: span.end + delta };
}

/** A fix's entry offset moved by `delta`. */
export function rebaseFix(fix: PinFixData, delta: number): PinFixData {
  return delta === 0 ? fix : { ...fix, entryStart: fix.entryStart + delta };
}

/** A finding (and its fix) moved by `delta` characters, for a line that moved since it was analysed. */
export function rebaseFinding(finding: Finding, delta: number): Finding {
  if (delta === 0) return finding;
  return {
    ...finding,
    span: shifted(finding.span, delta),
    ...(finding.fix ? { fix: rebaseFix(finding.fix, delta) } : {}),
  };
}

import type { IndexDescription, IndexSnapshot } from "./core/analysis/indexFindings";
import type { IndexClient, ProjectLookup } from "./core/index/indexClient";
import { mergePackage, type PackageView } from "./core/index/packageView";
import { pathToFileURL } from "node:url";
import { FindLinksReader, type FindLinksDirectory } from "./node/findLinks";
import { findSupport, supportStep, type TargetSupport } from "./core/analysis/pythonSupport";
import type { Release } from "./core/index/releaseModel";

/** One index to consult, with its real URL (credentials included) and what may be shown of it. */
export interface IndexTarget extends IndexDescription {
  readonly url: string;
}

/** The index state shown by the client's status item. */
export interface IndexStatus {
  readonly state: "idle" | "fetching" | "offline" | "error";
  readonly done: number;
  readonly total: number;
  readonly lastError: string | null;
  readonly indexes: readonly string[];
}

/**
 * Schedules index lookups for the server and turns the client's memory cache into synchronous
 * snapshots for the analysis. Lookups run in the background (the HTTP layer bounds concurrency per
 * host); when answers arrive, `onData` is called (coalesced) so the server can re-run analyses and ask
 * the client to refresh. Failed lookups are retried after the client's failure back-off, so an index
 * that comes back is picked up without a restart.
 */
/** How long one prefetch may spend adopting answers the disk cache holds in memory (ms). */
const adoptBudgetMs = 8;

/** Every service gets its own range of revisions, so a rebuilt service never repeats an old one. */
let lastEpoch = 0;

export class IndexService {
  /** Settled merged views by package, then by index set. */
  private readonly views = new Map<string, Map<string, PackageView>>();
  /** Per package, a counter bumped whenever anything known about it changes (see `revision`). */
  private readonly revisions = new Map<string, number>();
  /** Bumped when everything may have changed (reset, retry); part of every revision. */
  private epoch = ++lastEpoch;
  /**
   * Changes when everything may have changed (a reset, a retry after failures): lookups that were
   * started or settled before may need starting again.
   */
  get epochId(): number {
    return this.epoch;
  }
  private readonly queued = new Set<string>();
  private total = 0;
  private done = 0;
  private lastError: string | null = null;
  private knownIndexes: readonly string[] = [];
  private notifyTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private disposed = false;
  private readonly findLinks = new FindLinksReader();
  /** Support boundaries by index, package, target and release list; null when they could not be found. */
  private readonly supports = new Map<string, TargetSupport | null>();
  private readonly supportJobs = new Set<string>();
  private readonly metadataJobs = new Set<string>();
  /** Per-version metadata requests made for support boundaries (the benchmark counts them). */
  supportRequests = 0;

  constructor(
    readonly client: IndexClient,
    private readonly hooks: {
      readonly onData: () => void;
      readonly onStatus: (status: IndexStatus) => void;
      readonly log: (message: string) => void;
      /** How long to wait before retrying failed lookups (default 30 s, matching the client's back-off). */
      readonly retryDelayMs?: number;
    },
  ) {}

  /**
   * A synchronous snapshot over `indexes` and local find-links directories, answering from memory
   * (and, for find-links, from a briefly cached directory listing).
   */
  snapshot(indexes: readonly IndexTarget[], findLinks: readonly FindLinksDirectory[] = []): IndexSnapshot {
    const key = indexes.map((i) => i.display).join("\u0001") + findLinks.map((f) => `\u0002${f.directory}`).join("");
    const described = [
      ...indexes,
      ...findLinks.map((f) => ({
        display: pathToFileURL(f.directory).toString(),
        role: "extra" as const,
        source: `--find-links from ${f.source}`,
        isPrivate: false,
      })),
    ];
    const metadataIndex = (name: string): IndexTarget | undefined => {
      // The JSON API of the first index that lists the package (PyPI-style indexes only).
      const view = this.views.get(name)?.get(key);
      return indexes.find((index) => view?.foundOn.includes(index.display) ?? true);
    };
    return {
      indexes: described,
      metadata: (name) => {
        const index = metadataIndex(name);
        if (!index) return undefined;
        const answer = this.client.peekMetadata(index.url, name, null);
        return answer?.kind === "found" ? answer.meta : undefined;
      },
      loadMetadata: async (name, signal) => {
        const index = metadataIndex(name);
        if (!index || this.client.peekMetadata(index.url, name, null) !== undefined) return;
        await this.client.getMetadata(index.url, name, null, signal).catch(() => undefined);
        this.touch(name);
      },
      releaseMetadata: (name, version) => {
        const index = metadataIndex(name);
        if (!index) return null;
        const answer = this.client.peekMetadata(index.url, name, version);
        if (answer === undefined) {
          this.loadMetadataInBackground(index.url, name, version);
          return undefined;
        }
        if (answer.kind === "error")
          return this.metadataJobs.has(`${index.url}\u0000${name}\u0000${version}`) ? undefined : null;
        return answer.kind === "found" ? answer.meta : null;
      },
      settle: async (signal, name) => {
        // A hover waits for its own package only: behind a hanging index every other lookup stalls,
        // and a page already known (even stale, while it is revalidated) is answered from the cache.
        const waiting = () =>
          name === undefined
            ? this.busy()
            : this.busyWith(
                name,
                indexes.some((index) => this.client.peekProject(index.url, name) !== undefined),
              );
        while (waiting() && !signal.aborted) await new Promise((resolve) => setTimeout(resolve, 10));
      },
      ensure: (name) => {
        this.prefetch(indexes, [name]);
      },
      loadReleaseMetadata: async (name, version, signal) => {
        const index = metadataIndex(name);
        if (!index) return;
        await this.client.getMetadata(index.url, name, version, signal).catch(() => undefined);
        this.touch(name);
      },
      support: (name, releases, target) => {
        const index = metadataIndex(name);
        return this.supportFor(index?.url ?? null, name, releases, target);
      },
      revision: (name) => (findLinks.length > 0 ? undefined : `${this.epoch}:${this.revisions.get(name) ?? 0}`),
      view: (name) => {
        const cached = this.views.get(name)?.get(key);
        if (cached) return cached;
        const lookups: (ProjectLookup | undefined)[] = [
          ...indexes.map((index) => this.client.peekProject(index.url, name)),
          ...findLinks.map((location) => this.findLinks.lookup(location, name)),
        ];
        if (lookups.every((lookup) => lookup === undefined)) return undefined;
        const view = mergePackage(name, lookups);
        // Only settled views are memoised, and never those with find-links (directories change).
        if ((view.complete || view.state === "error") && findLinks.length === 0) {
          let byIndexes = this.views.get(name);
          if (byIndexes === undefined) this.views.set(name, (byIndexes = new Map()));
          byIndexes.set(key, view);
        }
        return view;
      },
    };
  }

  /**
   * Starts fetching every (index, package) pair that is not settled yet. Returns the number of
   * lookups started. Each package is fetched at most once at a time per index.
   */
  prefetch(indexes: readonly IndexTarget[], names: Iterable<string>): number {
    if (this.disposed) return 0;
    this.knownIndexes = indexes.map((i) => `${i.display} (${i.source})`);
    let started = 0;
    // Answers the disk cache already holds in memory are taken at once, for a few milliseconds, so
    // that the analysis asking for them can use them now; the rest arrive through lookups.
    const adoptUntil = performance.now() + adoptBudgetMs;
    for (const name of names) {
      for (const index of indexes) {
        const key = `${index.url}\u0000${name}`;
        if (this.queued.has(key)) continue;
        if (performance.now() < adoptUntil && this.client.adoptStored(index.url, name)) this.touch(name);
        if (this.client.isSettled(index.url, name)) {
          // A failure still in its back-off is retried when that ends: the timer an earlier failure
          // started may fire before then, and nothing else would ever retry this one.
          const retryAt = this.retryTimer === null ? this.client.retryAt(index.url, name) : null;
          if (retryAt !== null) this.scheduleRetry(retryAt - Date.now());
          continue;
        }
        this.queued.add(key);
        started++;
        this.total++;
        this.toStart.push({ url: index.url, name, key });
      }
    }
    this.startLookups();
    if (started > 0) this.publishStatus();
    return started;
  }

  /** Lookups queued by `prefetch` that have not been handed to the client yet. */
  private toStart: { readonly url: string; readonly name: string; readonly key: string }[] = [];
  private starting = false;

  /**
   * Hands queued lookups to the client a batch per event-loop turn: starting one costs a cache lookup
   * and a file read or request, and thousands at once (a large file) would block the loop.
   */
  private startLookups(): void {
    const batch = this.toStart.splice(0, 200);
    for (const { url, name, key } of batch) {
      void this.client
        .getProject(url, name)
        .then((lookup) => {
          if (lookup.lastError) this.lastError = `${lookup.index}: ${lookup.lastError}`;
          else if (this.lastError?.startsWith(`${lookup.index}: `)) this.lastError = null;
          if (lookup.lastError || lookup.answer.kind === "error") this.scheduleRetry();
        })
        .catch((error: unknown) => {
          this.hooks.log(`lookup of ${name} failed: ${String(error)}`);
        })
        .finally(() => {
          this.queued.delete(key);
          this.done++;
          this.touch(name);
          this.scheduleNotify();
        });
    }
    if (this.toStart.length > 0 && !this.starting && !this.disposed) {
      this.starting = true;
      setImmediate(() => {
        this.starting = false;
        this.startLookups();
      });
    }
  }

  /**
   * Where support for `target` stops in a package's history: answered from memory when known, else
   * computed in the background (per-version metadata fetched by bisection, cached forever by the
   * client) and announced through `onData`. Undefined while pending; null when it cannot be known.
   */
  supportFor(
    indexUrl: string | null,
    name: string,
    releases: readonly Release[],
    target: string,
  ): TargetSupport | null | undefined {
    const signature = releases.length === 0 ? "" : `${releases.length}:${releases[0]?.version ?? ""}`;
    const key = `${indexUrl ?? ""}\u0000${name}\u0000${target}\u0000${signature}`;
    if (this.supports.has(key)) return this.supports.get(key);
    const lookup = (version: string): readonly string[] | null | undefined => {
      if (indexUrl === null) return null;
      const answer = this.client.peekMetadata(indexUrl, name, version);
      if (answer === undefined || answer.kind === "error") return undefined;
      return answer.kind === "found" ? answer.meta.classifiers : null;
    };
    const step = supportStep(releases, target, lookup);
    if (step.kind === "done") {
      this.supports.set(key, step.support);
      return step.support;
    }
    if (indexUrl === null || this.disposed || this.supportJobs.has(key)) return undefined;
    this.supportJobs.add(key);
    void findSupport(releases, target, lookup, async (version) => {
      this.supportRequests++;
      await this.client.getMetadata(indexUrl, name, version);
    })
      .then((support) => {
        this.supports.set(key, support);
        if (support === null) this.scheduleRetry();
      })
      .catch((error: unknown) => this.hooks.log(`Python support of ${name} failed: ${String(error)}`))
      .finally(() => {
        this.supportJobs.delete(key);
        this.touch(name);
        this.scheduleNotify();
      });
    return undefined;
  }

  /** Waits until no lookup is in flight (for the CLI and tests). */
  async idle(): Promise<void> {
    while (this.busy()) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** Whether any lookup, metadata fetch or support search is in flight. */
  busy(): boolean {
    return this.queued.size > 0 || this.supportJobs.size > 0 || this.metadataJobs.size > 0;
  }

  /** Whether metadata or a support search of `name` is in flight, or its page while nothing is `known`. */
  private busyWith(name: string, known: boolean): boolean {
    const of = (key: string) => key.split("\u0000")[1] === name;
    for (const key of this.supportJobs) if (of(key)) return true;
    for (const key of this.metadataJobs) if (of(key)) return true;
    if (!known) for (const key of this.queued) if (of(key)) return true;
    return false;
  }

  /** Fetches one release's JSON API metadata in the background and announces it through `onData`. */
  private loadMetadataInBackground(indexUrl: string, name: string, version: string): void {
    const key = `${indexUrl}\u0000${name}\u0000${version}`;
    if (this.disposed || this.metadataJobs.has(key)) return;
    this.metadataJobs.add(key);
    void this.client
      .getMetadata(indexUrl, name, version)
      .catch(() => undefined)
      .finally(() => {
        this.metadataJobs.delete(key);
        this.touch(name);
        this.scheduleNotify();
      });
  }

  /** Forgets memoised views, e.g. after the cache was cleared or settings changed. */
  reset(): void {
    this.views.clear();
    this.epoch = ++lastEpoch;
    for (const [key, support] of this.supports) if (support === null) this.supports.delete(key);
    this.client.forgetFailures();
    this.lastError = null;
    this.publishStatus();
  }

  dispose(): void {
    this.disposed = true;
    // Lookups never handed to the client will not finish: they must not keep the service busy.
    for (const { key } of this.toStart) this.queued.delete(key);
    this.toStart = [];
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  status(): IndexStatus {
    const fetching = this.queued.size > 0;
    return {
      state: this.client.offline ? "offline" : fetching ? "fetching" : this.lastError ? "error" : "idle",
      done: this.done,
      total: this.total,
      lastError: this.lastError,
      indexes: this.knownIndexes,
    };
  }

  /** Records that something about a package changed: its memoised views go and its revision moves. */
  private touch(name: string): void {
    this.views.delete(name);
    this.revisions.set(name, (this.revisions.get(name) ?? 0) + 1);
  }

  private scheduleNotify(): void {
    if (this.disposed) return;
    // When nothing else is in flight (a warm cache answered everything), analyses run at once.
    const drained = !this.busy();
    if (this.notifyTimer) {
      if (!drained) return;
      clearTimeout(this.notifyTimer);
    }
    // Otherwise bursts of answers (a cold file asks for hundreds of packages) are coalesced into a few
    // refreshes.
    this.notifyTimer = setTimeout(
      () => {
        this.notifyTimer = null;
        if (this.queued.size === 0) {
          this.total = 0;
          this.done = 0;
        }
        this.lastNotified = Date.now();
        this.publishStatus();
        this.hooks.onData();
      },
      drained ? 0 : this.notifyDelayMs(),
    );
  }

  /**
   * How long answers are gathered before analyses re-run: 50 ms at first, then growing with the number
   * in flight (up to 500 ms), because every refresh re-analyses the open documents and a cold
   * file of thousands of packages would otherwise spend its time analysing instead of fetching.
   */
  private notifyDelayMs(): number {
    // The first answers after a quiet spell are shown quickly; later ones are gathered for longer.
    if (Date.now() - this.lastNotified > 1000) return 50;
    return Math.min(500, 50 + this.queued.size);
  }

  private lastNotified = 0;

  private scheduleRetry(delayMs = this.hooks.retryDelayMs ?? 30_000): void {
    if (this.retryTimer || this.disposed) return;
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = null;
        // Analyses re-run on refresh and prefetch whatever is not settled, which retries the failures.
        this.views.clear();
        this.epoch = ++lastEpoch;
        for (const [key, support] of this.supports) if (support === null) this.supports.delete(key);
        this.hooks.onData();
      },
      Math.max(0, delayMs) + 50,
    );
    this.retryTimer.unref?.();
  }

  private publishStatus(): void {
    this.hooks.onStatus(this.status());
  }
}

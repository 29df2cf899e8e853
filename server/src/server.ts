import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DocumentDiagnosticReportKind,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type CodeActionParams,
  type Diagnostic,
  type Connection,
  type HoverParams,
  type InitializeResult,
  type WorkDoneProgressServerReporter,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { diagnosticsFor } from "./handlers/diagnostics";
import { codeActionsFor, pinAllKind } from "./handlers/codeActions";
import { hoverFor, primeHover, requirementNameAt } from "./handlers/hover";
import { linksFor } from "./handlers/links";
import { inlayHintsFor } from "./handlers/inlayHints";
import { completionFor } from "./handlers/completion";
import { pinAllFromFindings } from "./handlers/codeActions";
import { sameDiagnostics, toTextEdit } from "./convert";
import { documentKind, ProjectState, uriToFile, type DocumentAnalysis } from "./projectState";
import { lockDefinition, lockDiagnostics, lockHover, primeLockHover } from "./handlers/locks";
import { defaultSettings, readSettings, type Settings } from "./settings";
import { pinsightVersion } from "./version";
import { fileURLToPath } from "node:url";
import * as os from "node:os";
import * as path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { IndexService, type IndexStatus } from "./indexService";
import { loadPipEnvironment, resolveIndexTargets, withoutPipConfiguration, type PipEnvironment } from "./indexTargets";
import { defaultCacheDirectory } from "./node/diskCache";
import { createIndexRuntime, type IndexRuntime } from "./node/indexRuntime";
import { TurnBudget } from "./turnBudget";

/** The server command behind the client's "Pin All Requirements" (argument: `{ uri }`). */
export const pinAllCommand = "pinsight.server.pinAll";

/** The environment an untrusted workspace's files are parsed with: nothing to expand. */
const noEnvironment: Readonly<Record<string, string | undefined>> = Object.freeze({});

/**
 * Wires the LSP connection to the project state and the handlers: capabilities, settings,
 * scheduling and error handling. No domain logic lives here.
 */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  let pullDiagnostics = false;
  let diagnosticRefresh = false;
  let inlayHintRefresh = false;
  let workDoneProgress = false;
  let configurationPull = false;
  let dynamicConfiguration = false;
  let versionedEdits = false;
  let workspaceFolderEvents = false;
  let folders: string[] = [];
  let globalSettings: Settings = defaultSettings;
  const settingsCache = new Map<string, Promise<Settings>>();
  // Editors without a notion of workspace trust opened the folder deliberately: treat it as trusted.
  let trusted = true;
  let cacheDirectory = defaultCacheDirectory(process.env, process.platform, os.homedir());
  let runtime: IndexRuntime | undefined;
  let runtimeKey = "";
  let service: IndexService | undefined;
  let pipEnvironment: PipEnvironment | undefined;
  // How long a failed lookup waits before it is retried (30 s); the server tests shorten it.
  const backoffSetting = Number(process.env["PINSIGHT_FAILURE_BACKOFF_MS"]);
  const failureBackoffMs = Number.isFinite(backoffSetting) && backoffSetting > 0 ? backoffSetting : undefined;
  let pipLoading: Promise<void> | undefined;

  /** pip's configuration, read in the background; analyses run without index data until it is known. */
  function pipEnvironmentNow(): PipEnvironment | undefined {
    if (pipEnvironment === undefined && pipLoading === undefined) {
      const loading = loadPipEnvironment(process.env, (message) => connection.console.info(message)).then((loaded) => {
        if (pipLoading !== loading) return;
        pipEnvironment = loaded;
        pipLoading = undefined;
        project.invalidate();
        refreshDiagnostics();
      });
      pipLoading = loading;
    }
    return pipEnvironment;
  }

  /** The index stack for the window-wide settings; rebuilt when they change (the cache survives on disk). */
  function indexServiceFor(settings: Settings): IndexService {
    const key = JSON.stringify([
      settings.index.concurrency,
      settings.index.timeoutMs,
      settings.cache,
      settings.offline,
      settings.http,
    ]);
    if (service && runtime && key === runtimeKey) return service;
    const previous = runtime;
    service?.dispose();
    runtimeKey = key;
    runtime = createIndexRuntime({
      cacheDirectory,
      cacheMaxBytes: settings.cache.maxBytes,
      ttlMs: settings.cache.ttlMs,
      offline: settings.offline,
      concurrencyPerHost: settings.index.concurrency,
      timeoutMs: settings.index.timeoutMs,
      proxy:
        settings.http.proxy.trim() !== ""
          ? { url: settings.http.proxy.trim(), strictSSL: settings.http.proxyStrictSSL }
          : null,
      extraCaFiles: pipEnvironment?.certFiles ?? [],
      env: process.env,
      log: (message) => connection.console.info(message),
      ...(failureBackoffMs !== undefined ? { failureBackoffMs } : {}),
    });
    service = new IndexService(runtime.client, {
      ...(failureBackoffMs !== undefined ? { retryDelayMs: failureBackoffMs } : {}),
      onData: () => {
        project.invalidate();
        refreshDiagnostics();
      },
      onStatus: (status) => {
        void connection.sendNotification("pinsight/indexStatus", status).catch(() => undefined);
        reportProgress(status);
      },
      log: (message) => connection.console.info(message),
    });
    void previous?.close();
    return service;
  }

  // Open documents by file path, so includes and nearby files find the editor's text without a scan.
  const openFiles = new Map<string, string>();
  const project = new ProjectState({
    documentText: (uri) => {
      const document = documents.get(uri);
      return document === undefined ? undefined : { text: document.getText(), version: document.version };
    },
    openFileText: (file) => {
      const uri = openFiles.get(file);
      return uri === undefined ? undefined : documents.get(uri)?.getText();
    },
    workspaceFolders: () => folders,
    // An untrusted workspace gets no `${VAR}` expansion: `${SECRET}==1` in its requirements file would
    // otherwise send the variable's value to the user's index as a project name.
    get environmentVariables() {
      return trusted ? process.env : noEnvironment;
    },
    onStale: () => refreshDiagnostics(),
    log: (message) => connection.console.info(message),
    // Index findings of a large file are computed in slices of this many milliseconds, so no analysis
    // holds the event loop much longer (hovers and edits are answered in between). A slice that
    // publishes also assembles and converts the whole analysis and may meet a garbage collection:
    // 12 ms keeps those under 50 ms on Home Assistant's file, where 20 ms reached 60. Slices that
    // only compute lines have nothing around them and take 24 ms, which a 10,000-line file needs
    // (at 12 ms its analysis took half as long again).
    analysisBudgetMs: 12,
    sliceBudgetMs: 24,
    index: {
      snapshotFor: (tree, file, settings) => {
        const pip = pipEnvironmentNow();
        if (pip === undefined) return undefined;
        // Manifests (pyproject.toml, Pipfile) belong to tools that do not read pip's configuration.
        const environment = documentKind(file) === "manifest" ? withoutPipConfiguration(pip) : pip;
        const targets = resolveIndexTargets(tree, file, settings, environment, { trusted, folders });
        logTargets(targets.notes);
        const indexService = indexServiceFor(settings);
        const names = new Set<string>();
        for (const requirement of tree.requirements) {
          if (requirement.entry.normalizedName !== undefined && requirement.entry.form === "pep508") {
            names.add(requirement.entry.normalizedName);
          }
        }
        // Unchanged names with unchanged data need no new lookups (a large file re-analysed as its data
        // arrives would otherwise check thousands of names each time).
        const ready = settledNames(file, names);
        const key = `${indexService.epochId}\u0000${targets.indexes.map((i) => i.url).join("\u0001")}`;
        const last = lastPrefetch.get(file);
        if (
          last === undefined ||
          last.key !== key ||
          last.names.size !== ready.length ||
          !ready.every((n) => last.names.has(n))
        ) {
          indexService.prefetch(targets.indexes, ready);
          lastPrefetch.set(file, { key, names: new Set(ready) });
        }
        return indexService.snapshot(targets.indexes, targets.findLinks);
      },
      snapshotForNames: (names, file, settings) => {
        const pip = pipEnvironmentNow();
        if (pip === undefined) return undefined;
        // Poetry, uv, PDM and pipenv locks: their tools do not read pip.conf or PIP_* variables.
        const targets = resolveIndexTargets(null, file, settings, withoutPipConfiguration(pip), { trusted, folders });
        logTargets(targets.notes);
        const indexService = indexServiceFor(settings);
        indexService.prefetch(targets.indexes, names);
        return indexService.snapshot(targets.indexes, targets.findLinks);
      },
    },
  });

  const lastPrefetch = new Map<string, { key: string; names: ReadonlySet<string> }>();

  // Names typed into an open file are looked up once they have stood still briefly, so typing
  // "django" does not ask the index about "d", "dj", "dja" … The first analysis of a file fetches all.
  const fetchedNames = new Map<string, Set<string>>();
  const newNames = new Map<string, number>();
  let typingTimer: NodeJS.Timeout | undefined;
  const typingDelayMs = 400;
  function settledNames(file: string, names: ReadonlySet<string>): string[] {
    const known = fetchedNames.get(file);
    const now = Date.now();
    const ready: string[] = [];
    for (const name of names) {
      if (known === undefined || known.has(name)) {
        ready.push(name);
        continue;
      }
      const first = newNames.get(name);
      if (first === undefined) newNames.set(name, now);
      else if (now - first >= typingDelayMs) {
        newNames.delete(name);
        ready.push(name);
      }
    }
    fetchedNames.set(file, new Set(ready));
    if (newNames.size > 0 && typingTimer === undefined) {
      typingTimer = setTimeout(() => {
        typingTimer = undefined;
        for (const [name, first] of newNames) if (Date.now() - first > 10_000) newNames.delete(name);
        project.invalidate();
        refreshDiagnostics();
      }, typingDelayMs + 50);
      typingTimer.unref?.();
    }
    return ready;
  }

  // A progress notification while many packages are fetched (a cold open of a large file); small
  // fetches finish before a notification would be worth showing.
  let progress: WorkDoneProgressServerReporter | undefined;
  let progressStarting = false;
  let fetching = false;
  function reportProgress(status: IndexStatus): void {
    fetching = status.state === "fetching";
    if (!workDoneProgress) return;
    if (status.state !== "fetching") {
      progress?.done();
      progress = undefined;
      return;
    }
    const message = `${status.done}/${status.total} packages`;
    const percentage = status.total > 0 ? Math.round((status.done / status.total) * 100) : 0;
    if (progress) {
      progress.report(percentage, message);
      return;
    }
    if (status.total - status.done < 20 || progressStarting) return;
    progressStarting = true;
    void connection.window
      .createWorkDoneProgress()
      .then((created) => {
        created.begin("Pinsight: fetching release data", percentage, message, false);
        // The fetch may have finished while the client was creating the progress.
        if (fetching) progress = created;
        else created.done();
      })
      .catch(() => undefined)
      .finally(() => {
        progressStarting = false;
      });
  }

  // Each distinct explanation of where index URLs come from is logged once, so users can see it.
  const loggedNotes = new Set<string>();
  function logTargets(notes: readonly string[]): void {
    for (const note of notes) {
      if (loggedNotes.has(note)) continue;
      loggedNotes.add(note);
      connection.console.info(note);
    }
  }

  function settingsFor(uri: string): Promise<Settings> {
    if (!configurationPull) return Promise.resolve(globalSettings);
    let settings = settingsCache.get(uri);
    if (settings === undefined) {
      settings = connection.workspace
        .getConfiguration({ scopeUri: uri, section: "pinsight" })
        .then(readSettings, () => defaultSettings);
      settingsCache.set(uri, settings);
    }
    return settings;
  }

  function refreshDiagnostics(): void {
    // Hints show what the index says too, and editors only ask for them on edits and scrolls.
    if (inlayHintRefresh) void connection.languages.inlayHint.refresh().catch(() => undefined);
    if (pullDiagnostics) {
      if (diagnosticRefresh) void connection.languages.diagnostics.refresh().catch(() => undefined);
    } else {
      for (const document of documents.all()) schedulePush(document.uri);
    }
  }

  // For the benchmark: how long the server works on each push (analysis and conversion), which the
  // round trip measured by a client adds transport and scheduling to.
  const pushTimes = process.env["PINSIGHT_BENCH_STATS"] === "1" ? new DurationLog() : null;

  /** Parses a large document in slices before its first analysis, yielding to other events between. */
  async function prepared(uri: string): Promise<void> {
    while (project.prepare(uri)) await new Promise((resolve) => setImmediate(resolve));
  }

  // A large file is analysed in slices (see `analysisBudgetMs`): the next slice runs after other
  // events had their turn, and diagnostics are published when the analysis is complete or, to show
  // progress, when the last publication is older than 250 ms — or than five times what the last
  // publication of that document cost, so a 10,000-line file (megabytes of diagnostics) spends most
  // of its time analysing rather than re-publishing.
  const lastPublished = new Map<string, number>();
  const publishCost = new Map<string, number>();
  const continuing = new Set<string>();
  const progressMs = (uri: string): number => Math.max(250, 5 * (publishCost.get(uri) ?? 0));
  // A document's first slice is published as soon as it is done: the first analysis of a large file
  // spends most of its budget on parsing, and this shows the first screenful of findings at once.
  const firstSlice = new Set<string>();
  // Slices and publications queued in the same turn run one after another only while the turn has
  // spent less than this on them (see `TurnBudget`).
  const turn = new TurnBudget(10);
  function continueAnalysis(uri: string): void {
    if (continuing.has(uri)) return;
    continuing.add(uri);
    setImmediate(() => {
      continuing.delete(uri);
      if (!turn.allows()) return continueAnalysis(uri);
      void guard("analysis slice", async () => {
        if (documents.get(uri) === undefined) return;
        // Lines are computed slice by slice; the whole analysis is assembled (and published) when they
        // are done, or now and then to show progress. Assembling computes a slice of its own, so a
        // slice that publishes does only that.
        const publish = firstSlice.delete(uri) || performance.now() - (lastPublished.get(uri) ?? 0) >= progressMs(uri);
        if (!publish && project.advance(uri)) {
          continueAnalysis(uri);
          return;
        }
        const settings = await settingsFor(uri);
        const started = performance.now();
        const analysis = project.analyze(uri, settings);
        if (analysis === undefined) return;
        if (!pullDiagnostics) await publishAnalysis(uri, analysis, started);
        else {
          lastPublished.set(uri, performance.now());
          if (diagnosticRefresh) void connection.languages.diagnostics.refresh().catch(() => undefined);
          if (analysis.partial) continueAnalysis(uri);
        }
      });
    });
  }

  // Push mode: what each document was last sent. New index data re-analyses every open document, but
  // only those whose diagnostics changed are sent again (the others would be a storm of repeats).
  const lastSent = new Map<string, { version: number; diagnostics: readonly Diagnostic[] }>();
  function unchangedSince(uri: string, version: number, diagnostics: readonly Diagnostic[]): boolean {
    const last = lastSent.get(uri);
    // An edit always publishes; only a re-analysis of the same version is compared.
    if (last !== undefined && last.version === version && sameDiagnostics(last.diagnostics, diagnostics)) return true;
    lastSent.set(uri, { version, diagnostics });
    return false;
  }

  // Push mode: one pending validation per document, coalescing bursts of edits.
  const pending = new Set<string>();
  function schedulePush(uri: string): void {
    if (pullDiagnostics || pending.has(uri)) return;
    pending.add(uri);
    setImmediate(() => {
      pending.delete(uri);
      if (!turn.allows()) return schedulePush(uri);
      void guard("publishDiagnostics", async () => {
        await prepared(uri);
        const settings = await settingsFor(uri);
        const started = performance.now();
        const lock = project.analyzeLock(uri, settings);
        if (lock !== undefined) {
          const diagnostics = lockDiagnostics(lock);
          pushTimes?.record(performance.now() - started);
          if (unchangedSince(uri, lock.version, diagnostics)) return;
          await connection.sendDiagnostics({ uri, version: lock.version, diagnostics });
          return;
        }
        const analysis = project.analyze(uri, settings);
        if (analysis === undefined) return;
        await publishAnalysis(uri, analysis, started);
      });
    });
  }

  /** Push mode: sends an analysis's diagnostics unless unchanged, and schedules its next slice. */
  async function publishAnalysis(uri: string, analysis: DocumentAnalysis, started: number): Promise<void> {
    const diagnostics = diagnosticsFor(analysis);
    pushTimes?.record(performance.now() - started);
    lastPublished.set(uri, performance.now());
    if (unchangedSince(uri, analysis.version, diagnostics)) {
      if (analysis.partial) continueAnalysis(uri);
      return;
    }
    // The message is queued before the next slice is: the connection writes on a later turn, and a
    // slice queued first would hold the publication back by its whole budget.
    const sent = connection.sendDiagnostics({ uri, version: analysis.version, diagnostics });
    if (analysis.partial) continueAnalysis(uri);
    await sent;
    publishCost.set(uri, performance.now() - started);
  }

  /** Runs a handler so that nothing escapes: errors are logged and answered with a fallback. */
  async function guard<T>(name: string, run: () => Promise<T> | T, token?: CancellationToken): Promise<T | undefined> {
    try {
      if (token?.isCancellationRequested) return undefined;
      return await run();
    } catch (error) {
      connection.console.error(
        `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      return undefined;
    }
  }

  connection.onInitialize((params): InitializeResult => {
    const capabilities = params.capabilities;
    pullDiagnostics = capabilities.textDocument?.diagnostic !== undefined;
    diagnosticRefresh = capabilities.workspace?.diagnostics?.refreshSupport === true;
    inlayHintRefresh = capabilities.workspace?.inlayHint?.refreshSupport === true;
    workDoneProgress = capabilities.window?.workDoneProgress === true;
    configurationPull = capabilities.workspace?.configuration === true;
    dynamicConfiguration = capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    versionedEdits = capabilities.workspace?.workspaceEdit?.documentChanges === true;
    workspaceFolderEvents = capabilities.workspace?.workspaceFolders === true;
    folders = (params.workspaceFolders ?? [])
      .map((f) => f.uri)
      .concat(params.workspaceFolders ? [] : params.rootUri ? [params.rootUri] : [])
      .filter((uri) => uri.startsWith("file:"))
      .map((uri) => fileURLToPath(uri));
    const options = params.initializationOptions as
      { settings?: unknown; workspaceTrusted?: unknown; globalStoragePath?: unknown } | undefined;
    if (options?.settings !== undefined) globalSettings = readSettings(options.settings);
    if (options?.workspaceTrusted === false) trusted = false;
    if (typeof options?.globalStoragePath === "string" && options.globalStoragePath !== "") {
      cacheDirectory = path.join(options.globalStoragePath, "index-cache");
    }
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, pinAllKind] },
        documentLinkProvider: { resolveProvider: false },
        definitionProvider: true,
        inlayHintProvider: true,
        completionProvider: { triggerCharacters: ["=", "<", ">", "~"] },
        executeCommandProvider: { commands: [pinAllCommand] },
        ...(pullDiagnostics
          ? { diagnosticProvider: { identifier: "pinsight", interFileDependencies: true, workspaceDiagnostics: false } }
          : {}),
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: "pinsight", version: pinsightVersion },
    };
  });

  // Staying current: open documents' project pages are revalidated periodically (conditional
  // requests), so a new upstream release that breaks an unpinned line appears without any edit.
  let lastRevalidation = Date.now();
  let revalidateTimer: NodeJS.Timeout | undefined;
  async function revalidateTick(): Promise<void> {
    const open = documents.all();
    const settings = open.length > 0 ? await settingsFor(open[0]?.uri ?? "") : globalSettings;
    const period = settings.revalidateMs;
    scheduleRevalidation(period);
    if (period <= 0 || open.length === 0 || runtime === undefined || settings.offline) return;
    if (Date.now() - lastRevalidation < period) return;
    lastRevalidation = Date.now();
    connection.console.info(`Revalidating package data of ${open.length} open document(s).`);
    runtime.client.revalidateAll();
    service?.reset();
    project.invalidate();
    refreshDiagnostics();
  }
  function scheduleRevalidation(period: number): void {
    if (revalidateTimer) clearTimeout(revalidateTimer);
    const tick = period > 0 ? Math.min(60_000, Math.max(250, period / 4)) : 60_000;
    revalidateTimer = setTimeout(() => void guard("revalidate", revalidateTick), tick);
    revalidateTimer.unref?.();
  }

  connection.onInitialized(() => {
    // The first tick reads the real (per-resource) settings soon after start-up.
    scheduleRevalidation(4000);
    // Work the first document would otherwise wait for: pip's configuration is read and the index
    // stack (HTTP agents, disk cache) is built while the editor is still opening files.
    setImmediate(() => {
      const loading = pipEnvironmentNow() === undefined ? pipLoading : undefined;
      void loading?.then(() => void guard("warm-up", () => indexServiceFor(globalSettings)));
    });
    // Only clients that support dynamic registration get it (Neovim 0.7 and eglot warn otherwise);
    // the others send didChangeConfiguration anyway.
    if (configurationPull && dynamicConfiguration) {
      void connection.client.register(DidChangeConfigurationNotification.type, undefined);
    }
    // The library throws when this is touched for a client without workspace-folder support.
    if (workspaceFolderEvents) {
      connection.workspace.onDidChangeWorkspaceFolders((event) => {
        const removed = new Set(event.removed.map((f) => uriToFile(f.uri)));
        folders = folders.filter((f) => !removed.has(f)).concat(event.added.map((f) => uriToFile(f.uri)));
        project.invalidate();
        refreshDiagnostics();
      });
    }
    connection.console.info(
      `Pinsight ${pinsightVersion} started (${pullDiagnostics ? "pull" : "push"} diagnostics, Node ${process.version}).`,
    );
  });

  connection.onDidChangeConfiguration((change) => {
    settingsCache.clear();
    pipEnvironment = undefined;
    pipLoading = undefined;
    loggedNotes.clear();
    service?.reset();
    if (!configurationPull) {
      const settings = (change.settings as { pinsight?: unknown } | undefined)?.pinsight;
      globalSettings = readSettings(settings);
    }
    project.invalidate();
    refreshDiagnostics();
  });

  connection.onDidChangeWatchedFiles(() => {
    project.invalidate();
    refreshDiagnostics();
  });

  documents.onDidOpen((event) => {
    firstSlice.add(event.document.uri);
    openFiles.set(uriToFile(event.document.uri), event.document.uri);
    schedulePush(event.document.uri);
  });
  documents.onDidChangeContent((event) => {
    // Only the documents that read this one (includes, nearby locks and manifests) are re-analysed.
    const affected = project.changed(event.document.uri);
    if (pullDiagnostics) {
      if (affected.length > 0 && diagnosticRefresh)
        void connection.languages.diagnostics.refresh().catch(() => undefined);
      return;
    }
    schedulePush(event.document.uri);
    for (const uri of affected) schedulePush(uri);
  });
  documents.onDidClose((event) => {
    const uri = event.document.uri;
    if (openFiles.get(uriToFile(uri)) === uri) openFiles.delete(uriToFile(uri));
    settingsCache.delete(uri);
    lastSent.delete(uri);
    lastPrefetch.delete(uriToFile(uri));
    publishCost.delete(uri);
    lastPublished.delete(uri);
    firstSlice.delete(uri);
    project.forget(uri);
    const affected = project.changed(uri);
    if (!pullDiagnostics) {
      void connection.sendDiagnostics({ uri, diagnostics: [] });
      for (const other of affected) schedulePush(other);
    }
  });

  connection.languages.diagnostics.on(async (params, token) => {
    const items =
      (await guard(
        "diagnostics",
        async () => {
          await prepared(params.textDocument.uri);
          const settings = await settingsFor(params.textDocument.uri);
          const lock = project.analyzeLock(params.textDocument.uri, settings);
          if (lock !== undefined) return lockDiagnostics(lock);
          const started = performance.now();
          const analysis = project.analyze(params.textDocument.uri, settings);
          const diagnostics = analysis === undefined ? [] : diagnosticsFor(analysis);
          lastPublished.set(params.textDocument.uri, performance.now());
          publishCost.set(params.textDocument.uri, performance.now() - started);
          if (analysis?.partial) continueAnalysis(params.textDocument.uri);
          return diagnostics;
        },
        token,
      )) ?? [];
    if (token.isCancellationRequested) throw new ResponseError(-32800, "cancelled");
    return { kind: DocumentDiagnosticReportKind.Full, items };
  });

  /** Answers a document request from the document's analysis, inside the error/cancellation guard. */
  function onAnalysis<P extends { textDocument: { uri: string } }, R>(
    name: string,
    fallback: R,
    handle: (analysis: DocumentAnalysis, params: P) => R,
  ): (params: P, token: CancellationToken) => Promise<R> {
    return async (params, token) =>
      (await guard(
        name,
        async () => {
          const analysis = project.analyze(params.textDocument.uri, await settingsFor(params.textDocument.uri));
          return analysis === undefined ? fallback : handle(analysis, params);
        },
        token,
      )) ?? fallback;
  }

  connection.onHover(async (params: HoverParams, token) => {
    if (documentKind(params.textDocument.uri) === "lock") {
      const settings = await settingsFor(params.textDocument.uri);
      const lock = await guard("hover", () => project.analyzeLock(params.textDocument.uri, settings));
      if (lock === undefined) return null;
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      const timer = setTimeout(() => controller.abort(), 1000);
      await guard("lock hover data", async () => {
        primeLockHover(lock, params.position);
        await lock.index?.settle?.(controller.signal);
      });
      clearTimeout(timer);
      subscription.dispose();
      return (await guard("hover", () => lockHover(lock, params.position), token)) ?? null;
    }
    // Summary and project links come from the JSON API; the first hover of a package waits for them
    // briefly (cancelled with the request), later hovers answer from the cache.
    const analysis = await guard("hover", async () =>
      project.analyze(params.textDocument.uri, await settingsFor(params.textDocument.uri)),
    );
    const name = analysis ? requirementNameAt(analysis, params.position) : undefined;
    if (analysis?.index?.loadMetadata && name !== undefined) {
      const controller = new AbortController();
      const subscription = token.onCancellationRequested(() => controller.abort());
      const timer = setTimeout(() => controller.abort(), 1000);
      await guard("hover metadata", () => analysis.index?.loadMetadata?.(name, controller.signal));
      await guard("hover support", async () => {
        primeHover(analysis, params.position);
        await analysis.index?.settle?.(controller.signal, name);
      });
      clearTimeout(timer);
      subscription.dispose();
    }
    return (
      (await guard("hover", () => (analysis ? hoverFor(analysis, params.position, project) : null), token)) ?? null
    );
  });
  connection.onCodeAction(
    onAnalysis("codeAction", [], (analysis, params: CodeActionParams) =>
      codeActionsFor(analysis, params, versionedEdits),
    ),
  );
  connection.onDocumentLinks(onAnalysis("documentLinks", [], (analysis) => linksFor(analysis)));
  connection.onDefinition(async (params, token) => {
    const settings = await settingsFor(params.textDocument.uri);
    return (
      (await guard(
        "definition",
        () => {
          const lock = project.analyzeLock(params.textDocument.uri, settings);
          return lock ? lockDefinition(lock, params.position) : null;
        },
        token,
      )) ?? null
    );
  });
  connection.languages.inlayHint.on(async (params, token) => {
    const settings = await settingsFor(params.textDocument.uri);
    if (!settings.inlayHints) return [];
    return (
      (await guard(
        "inlayHint",
        () => {
          const analysis = project.analyze(params.textDocument.uri, settings);
          return analysis ? inlayHintsFor(analysis, params) : [];
        },
        token,
      )) ?? []
    );
  });
  connection.onCompletion(onAnalysis("completion", null, (analysis, params) => completionFor(analysis, params)));

  // "Pin all requirements" for a file: the preferred pin of every unpinned or ranged line, applied
  // by the client as one workspace edit (so it is one undo step).
  connection.onExecuteCommand(async (params) => {
    if (params.command !== pinAllCommand) return null;
    const uri = (params.arguments?.[0] as { uri?: unknown } | string | undefined) ?? undefined;
    const target = typeof uri === "string" ? uri : typeof uri?.uri === "string" ? uri.uri : undefined;
    if (target === undefined) return { applied: false, edits: 0 };
    const analysis = project.analyze(target, await settingsFor(target));
    if (analysis === undefined) return { applied: false, edits: 0 };
    const edits = pinAllFromFindings(analysis);
    if (edits.length === 0) return { applied: true, edits: 0 };
    const result = await connection.workspace.applyEdit({
      label: "Pin all requirements",
      edit: { changes: { [analysis.uri]: edits.map((edit) => toTextEdit(analysis.lines, edit)) } },
    });
    return { applied: result.applied, edits: edits.length };
  });

  connection.onNotification("pinsight/workspaceTrust", (params: { trusted?: unknown } | undefined) => {
    trusted = params?.trusted !== false;
    connection.console.info(
      trusted ? "Workspace trust granted: workspace index settings now apply." : "Workspace is untrusted.",
    );
    pipEnvironment = undefined;
    pipLoading = undefined;
    loggedNotes.clear();
    service?.reset();
    project.invalidate();
    refreshDiagnostics();
  });

  // The target Pythons of a document and where they came from, for the client's status item.
  connection.onRequest("pinsight/targetPython", async (params: { uri?: unknown } | undefined) => {
    if (typeof params?.uri !== "string") return null;
    const settings = await settingsFor(params.uri);
    return project.targetsFor(uriToFile(params.uri), settings);
  });

  // "Refresh Index Data": revalidate every cached project page now instead of at the next period.
  connection.onRequest("pinsight/refresh", () => {
    runtime?.client.revalidateAll();
    service?.reset();
    lastRevalidation = Date.now();
    project.invalidate();
    refreshDiagnostics();
    return null;
  });

  connection.onRequest("pinsight/clearCache", async () => {
    await runtime?.client.clear();
    service?.reset();
    project.invalidate();
    refreshDiagnostics();
    connection.console.info("Package index cache cleared.");
    return null;
  });

  // For the LSP benchmark (scripts/benchLsp.ts): event-loop delay can only be measured inside the
  // server, so a histogram runs from start-up when PINSIGHT_BENCH_STATS=1. It is opt-in because the
  // sampling timer wakes the process every 10 ms, which a normal session should not pay for.
  const loopDelay = process.env["PINSIGHT_BENCH_STATS"] === "1" ? monitorEventLoopDelay({ resolution: 10 }) : null;
  loopDelay?.enable();
  connection.onRequest("pinsight/stats", (params: { reset?: unknown } | undefined) => {
    const stats = {
      rssMb: process.memoryUsage.rss() / (1024 * 1024),
      eventLoop: loopDelay ? { maxMs: loopDelay.max / 1e6, p99Ms: loopDelay.percentile(99) / 1e6 } : null,
      push: pushTimes?.summary() ?? null,
    };
    if (params?.reset === true) {
      loopDelay?.reset();
      pushTimes?.reset();
    }
    return stats;
  });

  connection.onShutdown(async () => {
    if (revalidateTimer) clearTimeout(revalidateTimer);
    service?.dispose();
    // The next start reads the recently used cache entries from the pack in one go; an editor that
    // quits soon after opening a file would otherwise leave no pack behind (it is written after a
    // pause in cache activity). Shutdown waits for it at most two seconds.
    const packed = runtime?.disk?.flushPack() ?? Promise.resolve();
    await Promise.race([packed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    await runtime?.close();
  });

  documents.listen(connection);
  connection.listen();
}

/** The durations of recent operations, for `pinsight/stats`. */
class DurationLog {
  private samples: number[] = [];

  record(ms: number): void {
    this.samples.push(ms);
    if (this.samples.length > 5000) this.samples.splice(0, this.samples.length - 5000);
  }

  reset(): void {
    this.samples = [];
  }

  summary(): { count: number; p50Ms: number; p95Ms: number; maxMs: number } {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return { count: sorted.length, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: sorted[sorted.length - 1] ?? 0 };
  }
}

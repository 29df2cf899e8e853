import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  DocumentDiagnosticReportKind,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type CodeActionParams,
  type Connection,
  type HoverParams,
  type InitializeResult,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { diagnosticsFor } from "./handlers/diagnostics";
import { codeActionsFor, pinAllKind } from "./handlers/codeActions";
import { hoverFor } from "./handlers/hover";
import { linksFor } from "./handlers/links";
import { ProjectState, uriToFile, type DocumentAnalysis } from "./projectState";
import { defaultSettings, readSettings, type Settings } from "./settings";
import { pinsightVersion } from "./version";
import { fileURLToPath } from "node:url";

/**
 * Wires the LSP connection to the project state and the handlers: capabilities, settings,
 * scheduling and error handling. No domain logic lives here.
 */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  let pullDiagnostics = false;
  let diagnosticRefresh = false;
  let configurationPull = false;
  let versionedEdits = false;
  let workspaceFolderEvents = false;
  let folders: string[] = [];
  let globalSettings: Settings = defaultSettings;
  const settingsCache = new Map<string, Promise<Settings>>();

  const project = new ProjectState({
    documentText: (uri) => {
      const document = documents.get(uri);
      return document === undefined ? undefined : { text: document.getText(), version: document.version };
    },
    openFileText: (file) =>
      documents
        .all()
        .find((d) => uriToFile(d.uri) === file)
        ?.getText(),
    workspaceFolders: () => folders,
    environmentVariables: process.env,
    onStale: () => refreshDiagnostics(),
    log: (message) => connection.console.info(message),
  });

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
    if (pullDiagnostics) {
      if (diagnosticRefresh) void connection.languages.diagnostics.refresh().catch(() => undefined);
    } else {
      for (const document of documents.all()) schedulePush(document.uri);
    }
  }

  // Push mode: one pending validation per document, coalescing bursts of edits.
  const pending = new Set<string>();
  function schedulePush(uri: string): void {
    if (pullDiagnostics || pending.has(uri)) return;
    pending.add(uri);
    setImmediate(() => {
      pending.delete(uri);
      void guard("publishDiagnostics", async () => {
        const settings = await settingsFor(uri);
        const analysis = project.analyze(uri, settings);
        if (analysis === undefined) return;
        await connection.sendDiagnostics({ uri, version: analysis.version, diagnostics: diagnosticsFor(analysis) });
      });
    });
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
    configurationPull = capabilities.workspace?.configuration === true;
    versionedEdits = capabilities.workspace?.workspaceEdit?.documentChanges === true;
    workspaceFolderEvents = capabilities.workspace?.workspaceFolders === true;
    folders = (params.workspaceFolders ?? [])
      .map((f) => f.uri)
      .concat(params.workspaceFolders ? [] : params.rootUri ? [params.rootUri] : [])
      .filter((uri) => uri.startsWith("file:"))
      .map((uri) => fileURLToPath(uri));
    const options = params.initializationOptions as { settings?: unknown } | undefined;
    if (options?.settings !== undefined) globalSettings = readSettings(options.settings);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, pinAllKind] },
        documentLinkProvider: { resolveProvider: false },
        ...(pullDiagnostics
          ? { diagnosticProvider: { identifier: "pinsight", interFileDependencies: true, workspaceDiagnostics: false } }
          : {}),
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: "pinsight", version: pinsightVersion },
    };
  });

  connection.onInitialized(() => {
    if (configurationPull) void connection.client.register(DidChangeConfigurationNotification.type, undefined);
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

  documents.onDidOpen((event) => schedulePush(event.document.uri));
  documents.onDidChangeContent((event) => {
    // Another open document may include this one, so every analysis may now be stale.
    project.invalidate();
    if (pullDiagnostics) return;
    for (const document of documents.all()) schedulePush(document.uri);
    schedulePush(event.document.uri);
  });
  documents.onDidClose((event) => {
    settingsCache.delete(event.document.uri);
    project.forget(event.document.uri);
    project.invalidate();
    if (!pullDiagnostics) void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  });

  connection.languages.diagnostics.on(async (params, token) => {
    const items =
      (await guard(
        "diagnostics",
        async () => {
          const settings = await settingsFor(params.textDocument.uri);
          const analysis = project.analyze(params.textDocument.uri, settings);
          return analysis === undefined ? [] : diagnosticsFor(analysis);
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

  connection.onHover(
    onAnalysis("hover", null, (analysis, params: HoverParams) => hoverFor(analysis, params.position, project)),
  );
  connection.onCodeAction(
    onAnalysis("codeAction", [], (analysis, params: CodeActionParams) =>
      codeActionsFor(analysis, params, versionedEdits),
    ),
  );
  connection.onDocumentLinks(onAnalysis("documentLinks", [], (analysis) => linksFor(analysis)));

  connection.onNotification("pinsight/workspaceTrust", () => {
    // Nothing is contacted yet; later issues decide which index URLs an untrusted workspace may use.
    connection.console.info("Workspace trust granted.");
  });

  documents.listen(connection);
  connection.listen();
}

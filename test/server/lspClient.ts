import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type Diagnostic,
  type TextEdit,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";
import { tempDir } from "../support/tempDirs";

/** A real LSP client over stdio talking to the built `dist/server.js`, for server tests. */
export interface TestClient {
  readonly connection: ProtocolConnection;
  readonly process: ChildProcess;
  readonly diagnostics: Map<string, PublishDiagnosticsParams>;
  readonly logs: string[];
  /** Resolves when `predicate` holds for the pushed diagnostics of `uri`, polling on each push. */
  waitForDiagnostics(
    uri: string,
    predicate: (p: PublishDiagnosticsParams) => boolean,
    timeoutMs?: number,
  ): Promise<PublishDiagnosticsParams>;
  stop(): Promise<void>;
}

// From sources this file sits in test/server; bundled into dist/bench.js it sits beside the server.
export const serverPath =
  [path.resolve(__dirname, "../../dist/server.js"), path.resolve(__dirname, "server.js")].find((file) =>
    fs.existsSync(file),
  ) ?? path.resolve(__dirname, "../../dist/server.js");

/**
 * The environment of a server under test: a fresh home and cache, no user pip configuration, and no
 * package index unless the test names one (`PIP_INDEX_URL` pointing at the loopback fixture index).
 * No test may reach the internet.
 */
export function isolatedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = tempDir("pinsight-server-home-");
  const env: NodeJS.ProcessEnv = {};
  for (const key of ["PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP"]) if (process.env[key]) env[key] = process.env[key];
  return {
    ...env,
    HOME: home,
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CONFIG_DIRS: path.join(home, "xdg"),
    PIP_CONFIG_FILE: os.devNull,
    ...(extra["PIP_INDEX_URL"] === undefined ? { PIP_NO_INDEX: "1" } : {}),
    ...extra,
  };
}

/**
 * The client's side of the handshake: answers the requests a server may send (configuration,
 * registrations, refreshes, progress), starts listening, and sends `initialize` (with `extra` fields
 * such as `trace`) and `initialized`.
 */
export async function initializeServer(
  connection: ProtocolConnection,
  rootPath: string,
  capabilities: ClientCapabilities,
  initializationOptions: unknown,
  settings: unknown,
  extra: Record<string, unknown> = {},
): Promise<void> {
  connection.onRequest("workspace/configuration", (params: { items: unknown[] }) => params.items.map(() => settings));
  connection.onRequest("client/registerCapability", () => null);
  connection.onRequest("workspace/diagnostic/refresh", () => null);
  connection.onRequest("workspace/inlayHint/refresh", () => null);
  connection.onRequest("window/workDoneProgress/create", () => null);
  connection.listen();
  const rootUri = `file://${rootPath}`;
  await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: path.basename(rootPath) }],
    capabilities,
    initializationOptions,
    ...extra,
  });
  await connection.sendNotification("initialized", {});
}

export async function startClient(
  rootPath: string,
  capabilities: ClientCapabilities,
  initializationOptions?: unknown,
  env: NodeJS.ProcessEnv = isolatedEnv(),
  settings: unknown = {},
): Promise<TestClient> {
  const child = spawn(process.execPath, [serverPath, "--stdio"], { stdio: ["pipe", "pipe", "pipe"], env });
  const connection = createProtocolConnection(
    new StreamMessageReader(child.stdout!),
    new StreamMessageWriter(child.stdin!),
  );
  const diagnostics = new Map<string, PublishDiagnosticsParams>();
  const logs: string[] = [];
  const waiters: (() => void)[] = [];
  connection.onNotification("textDocument/publishDiagnostics", (params: PublishDiagnosticsParams) => {
    diagnostics.set(params.uri, params);
    for (const wake of waiters.splice(0)) wake();
  });
  connection.onNotification("window/logMessage", (params: { message: string }) => {
    logs.push(params.message);
  });
  await initializeServer(connection, rootPath, capabilities, initializationOptions, settings);

  return {
    connection,
    process: child,
    diagnostics,
    logs,
    waitForDiagnostics(uri, predicate, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`timed out waiting for diagnostics of ${uri}: ${JSON.stringify(diagnostics.get(uri))}`)),
          timeoutMs,
        );
        const check = (): void => {
          const current = diagnostics.get(uri);
          if (current !== undefined && predicate(current)) {
            clearTimeout(timer);
            resolve(current);
          } else {
            waiters.push(check);
          }
        };
        check();
      });
    },
    async stop() {
      try {
        await connection.sendRequest("shutdown");
        await connection.sendNotification("exit");
      } catch {
        // The process may already be gone.
      }
      connection.dispose();
      child.kill();
    },
  };
}

/** A push-diagnostics client with versioned workspace edits and configuration requests (Neovim-like). */
export const pushCapabilities: ClientCapabilities = {
  workspace: { workspaceEdit: { documentChanges: true }, configuration: true },
  textDocument: { publishDiagnostics: { relatedInformation: false } },
};

/** The diagnostics with one code. */
export const byCode = (diagnostics: readonly Diagnostic[], code: string): Diagnostic[] =>
  diagnostics.filter((d) => d.code === code);

/** Applies LSP text edits (which never overlap) to a text, the last first so offsets stay valid. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const offset = (line: number, character: number): number => {
    let at = 0;
    for (let i = 0; i < line; i++) at = text.indexOf("\n", at) + 1;
    return at + character;
  };
  const spans = edits
    .map((e) => ({
      start: offset(e.range.start.line, e.range.start.character),
      end: offset(e.range.end.line, e.range.end.character),
      text: e.newText,
    }))
    .sort((a, b) => b.start - a.start);
  let result = text;
  for (const s of spans) result = result.slice(0, s.start) + s.text + result.slice(s.end);
  return result;
}

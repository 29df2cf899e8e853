import { spawn, type ChildProcess } from "node:child_process";
import * as path from "node:path";
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from "vscode-languageserver-protocol/node";

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

export const serverPath = path.resolve(__dirname, "../../dist/server.js");

export async function startClient(
  rootPath: string,
  capabilities: ClientCapabilities,
  initializationOptions?: unknown,
): Promise<TestClient> {
  const child = spawn(process.execPath, [serverPath, "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
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
  connection.onRequest("workspace/configuration", (params: { items: unknown[] }) => params.items.map(() => ({})));
  connection.onRequest("client/registerCapability", () => null);
  connection.onRequest("workspace/diagnostic/refresh", () => null);
  connection.listen();
  const rootUri = `file://${rootPath}`;
  await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: path.basename(rootPath) }],
    capabilities,
    initializationOptions,
  });
  await connection.sendNotification("initialized", {});

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

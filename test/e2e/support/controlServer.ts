import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { FixtureIndex } from "../../support/fixtureIndex";
import type { IndexName, LoggedRequest } from "../protocol";

/**
 * A loopback HTTP server through which the tests inside the extension host read the request logs of the
 * fixture indexes, which live in the launcher's process: `GET /requests/<index name>` answers the log
 * as JSON. The restricted-workspace test uses it to prove that an index was never contacted.
 */
export interface ControlServer {
  readonly url: string;
  close(): Promise<void>;
}

export async function startControlServer(indexes: Readonly<Record<IndexName, FixtureIndex>>): Promise<ControlServer> {
  const server = http.createServer((req, res) => {
    const match = /^\/requests\/([a-z]+)$/.exec(req.url ?? "");
    const index = match?.[1] !== undefined ? (indexes as Readonly<Record<string, FixtureIndex>>)[match[1]] : undefined;
    if (req.method !== "GET" || index === undefined) {
      res.writeHead(404).end();
      return;
    }
    const log: LoggedRequest[] = index.requests.map((r) => ({
      method: r.method,
      path: r.path,
      status: r.status,
      at: r.at,
    }));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(log));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import * as path from "node:path";
import type { Hover, MarkupContent } from "vscode-languageserver-protocol/node";
import { startFixtureIndex, type FixtureIndex } from "../support/fixtureIndex";
import { tempDir } from "../support/tempDirs";
import { isolatedEnv, startClient, type TestClient, pushCapabilities } from "./lspClient";

/**
 * Workspace trust through the real server: a workspace names a canary index in every place a
 * workspace can name one (requirements options, `${VAR}` in URLs and in a requirement, pyproject.toml
 * `[tool.uv]` and Poetry sources, Pipfile sources, a uv.lock registry, workspace-scoped settings, and a
 * pip.conf inside the workspace). Opened untrusted, with every feature exercised, the canary must
 * record no request and no connection at all, and no `${VAR}` may be expanded. Granting trust must then
 * reach the canary through each route the product reads, which proves the test can fail.
 */

/** A loopback HTTP server that records every connection and request and answers 404. */
interface Recorder {
  readonly url: string;
  readonly host: string;
  /** "METHOD path" of every request, and "CONNECT host:port" of every proxy tunnel asked for. */
  readonly paths: string[];
  /** TCP connections accepted, whether or not a request followed. */
  connections(): number;
  close(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  const sockets = new Set<Socket>();
  const paths: string[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    paths.push(`${req.method ?? "GET"} ${req.url ?? ""}`);
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("canary");
  });
  // A proxy tunnel request (CONNECT host:443) is refused: nothing may leave the machine.
  server.on("connect", (req: http.IncomingMessage, socket: Socket) => {
    paths.push(`CONNECT ${req.url ?? ""}`);
    socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
  });
  server.on("connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `http://${host}`,
    host,
    paths,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const leakedName = "leaked-canary-pkg";
/** The same, from a closed included file (parsed from disk and kept in the server's parse cache). */
const leakedIncluded = "leaked-included-pkg";

/** Every route by which the workspace names the canary, with the path prefix it uses there. */
const routes = {
  "requirements --index-url": "req-index",
  "requirements --extra-index-url": "req-extra",
  "requirements ${VAR} URL": "req-var",
  "requirements --find-links": "req-links",
  "pyproject [tool.uv] index-url": "uv-index",
  "pyproject [tool.uv] extra-index-url": "uv-extra",
  "pyproject [[tool.uv.index]]": "uv-index-table",
  "pyproject [[tool.poetry.source]]": "poetry-source",
  "Pipfile [[source]] (first)": "pipfile-source",
  "Pipfile [[source]] (second)": "pipfile-extra",
  "uv.lock registry": "uvlock",
  "setting pinsight.index.url (workspace)": "settings-url",
  "setting pinsight.index.extraUrls (workspace)": "settings-extra",
  "setting ${VAR} URL (workspace)": "settings-var",
  "pip.conf inside the workspace": "pipconf",
} as const;

/**
 * Routes the product never contacts, trusted or not: it takes no index from Poetry's sources or from
 * a lock's recorded registry, and it reads only local `--find-links` directories. The control cannot
 * expect requests there; the untrusted phase still proves none happen.
 */
const uncontactedRoutes = new Set<string>(["poetry-source", "uvlock", "req-links"]);

function workspaceFiles(canary: Recorder): Record<string, string> {
  const at = (prefix: string) => `${canary.url}/${prefix}/simple`;
  return {
    "requirements.txt": [
      `--index-url ${at("req-index")}`,
      `--extra-index-url ${at("req-extra")}`,
      "--extra-index-url http://${CANARY_HOST}/req-var/simple",
      `--find-links ${canary.url}/req-links/`,
      "black==21.11b0",
      "${CANARY_PKG}==1.0",
      "-r included.txt",
      "",
    ].join("\n"),
    "included.txt": "${CANARY_INCLUDED}==1.0\n",
    // No options of its own: its indexes come from settings and pip.conf.
    "requirements-plain.txt": "pytz\n",
    "pyproject.toml": [
      "[project]",
      'name = "canary"',
      'version = "0"',
      'dependencies = ["black==21.11b0"]',
      "",
      "[tool.uv]",
      `index-url = "${at("uv-index")}"`,
      `extra-index-url = ["${at("uv-extra")}"]`,
      "",
      "[[tool.uv.index]]",
      `url = "${at("uv-index-table")}"`,
      "",
      "[[tool.poetry.source]]",
      'name = "canary"',
      `url = "${at("poetry-source")}"`,
      "",
    ].join("\n"),
    Pipfile: [
      "[[source]]",
      `url = "${at("pipfile-source")}"`,
      "verify_ssl = true",
      'name = "canary"',
      "",
      "[[source]]",
      `url = "${at("pipfile-extra")}"`,
      "verify_ssl = true",
      'name = "extra"',
      "",
      "[packages]",
      'black = "==21.11b0"',
      "",
    ].join("\n"),
    "uv.lock": [
      "version = 1",
      'requires-python = ">=3.8"',
      "",
      "[[package]]",
      'name = "black"',
      'version = "21.11b0"',
      `source = { registry = "${at("uvlock")}" }`,
      "",
    ].join("\n"),
  };
}

/** Workspace-scoped settings naming the canary, as the VS Code client sends them (with their scope). */
function workspaceSettings(canary: Recorder): unknown {
  return {
    index: {
      url: `${canary.url}/settings-url/simple`,
      extraUrls: [`${canary.url}/settings-extra/simple`, "http://${CANARY_HOST}/settings-var/simple"],
    },
    scopes: { indexUrl: "workspace", extraUrls: "workspace" },
  };
}

const variants = [
  { name: "PIP_CONFIG_FILE names a pip.conf inside the workspace", pipConf: "pip.conf", envKey: "PIP_CONFIG_FILE" },
  {
    name: "the active virtual environment inside the workspace has a pip.conf",
    pipConf: ".venv/pip.conf",
    envKey: "VIRTUAL_ENV",
  },
] as const;

describe("workspace trust: a canary index named by an untrusted workspace (fixture index)", function () {
  this.timeout(30_000);
  let index: FixtureIndex;
  let canary: Recorder;
  let sink: Recorder;
  const table = new Map<string, { untrusted: number; trusted: number }>();
  before(async () => {
    index = await startFixtureIndex();
  });
  after(async () => {
    await index.close();
    const lines = [...table].map(
      ([route, r]) => `      ${route.padEnd(48)} ${String(r.untrusted).padStart(9)} ${String(r.trusted).padStart(7)}`,
    );
    console.log(`\n      ${"canary route".padEnd(48)} untrusted trusted\n${lines.join("\n")}\n`);
  });
  beforeEach(async () => {
    canary = await startRecorder();
    sink = await startRecorder();
    index.resetLog();
  });
  afterEach(async () => {
    await canary.close();
    await sink.close();
  });

  for (const variant of variants) {
    it(`contacts nothing and expands nothing while untrusted; trust reaches the canary (${variant.name})`, async () => {
      const dir = tempDir("pinsight-trust-ws-");
      const files = workspaceFiles(canary);
      files[variant.pipConf] = `[global]\nextra-index-url = ${canary.url}/pipconf/simple\n`;
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
      }
      const env = isolatedEnv({
        PIP_INDEX_URL: index.simpleUrl,
        CANARY_HOST: canary.host,
        CANARY_PKG: leakedName,
        CANARY_INCLUDED: leakedIncluded,
        // Anything not on loopback (the default index, for files whose tools ignore PIP_INDEX_URL) goes
        // to a recording proxy that refuses it, so the test never reaches the internet.
        HTTP_PROXY: sink.url,
        HTTPS_PROXY: sink.url,
      });
      if (variant.envKey === "PIP_CONFIG_FILE") env["PIP_CONFIG_FILE"] = path.join(dir, "pip.conf");
      else {
        delete env["PIP_CONFIG_FILE"];
        env["VIRTUAL_ENV"] = path.join(dir, ".venv");
      }
      const client = await startClient(
        dir,
        pushCapabilities,
        { workspaceTrusted: false },
        env,
        workspaceSettings(canary),
      );
      try {
        const uris = await openAll(
          client,
          dir,
          Object.keys(files).filter((f) => !f.endsWith("pip.conf") && f !== "included.txt"),
        );
        const uri = (name: string): string => uris.get(name) ?? "";
        await client.waitForDiagnostics(uri("requirements.txt"), (p) => p.diagnostics.some((d) => d.code === "yanked"));
        await waitFor("the user's index to answer pytz", () => index.requests.some((r) => r.path === "/simple/pytz/"));
        for (const u of uris.values()) await client.waitForDiagnostics(u, () => true);
        await exerciseEverything(client, uris, files);
        await settleQuietly(client);

        const output = JSON.stringify([
          [...client.diagnostics.values()],
          client.logs,
          await hoversOf(client, uris, files),
        ]);
        assert.equal(canary.paths.length, 0, `the canary received requests: ${canary.paths.join(", ")}`);
        assert.equal(canary.connections(), 0, "the canary received no connection");
        for (const where of [index.requests.map((r) => r.path), sink.paths, [output]]) {
          const leaked = where.filter((p) => p.includes(leakedName) || p.includes(leakedIncluded));
          assert.deepEqual(leaked, [], "a ${VAR} was expanded in a requirement");
        }
        for (const prefix of ["req-var", "settings-var"]) {
          assert.ok(!output.includes(`${canary.host}/${prefix}`), `\${CANARY_HOST} was expanded in ${prefix}`);
        }
        // The server says why each workspace index was left out.
        for (const [route, prefix] of Object.entries(routes)) {
          if (uncontactedRoutes.has(prefix)) continue;
          const said = client.logs.some((l) => l.includes(`/${prefix}/`) && /not trusted/.test(l));
          assert.ok(said, `no log says the ${route} index was ignored as untrusted:\n${client.logs.join("\n")}`);
        }
        const untrusted = new Map(
          Object.values(routes).map((p) => [p, canary.paths.filter((c) => c.includes(`/${p}/`)).length]),
        );

        // Control: trust makes the same workspace reach the canary through every route the product reads.
        await client.connection.sendNotification("pinsight/workspaceTrust", { trusted: true });
        const expected = Object.values(routes).filter((p) => !uncontactedRoutes.has(p));
        await waitFor(`the canary to be asked through ${expected.join(", ")}`, () =>
          expected.every((p) => canary.paths.some((c) => c.includes(`/${p}/`))),
        );
        // pip expands ${VAR} in a trusted workspace, also in an included file parsed before trust.
        await waitFor("the expanded ${VAR} lookups", () =>
          [leakedName, leakedIncluded].every((name) => canary.paths.some((c) => c.includes(`/${name}/`))),
        );
        await settleQuietly(client);
        for (const [route, prefix] of Object.entries(routes)) {
          const key = prefix === "pipconf" ? `${route} (${variant.envKey})` : route;
          const row = table.get(key) ?? { untrusted: 0, trusted: 0 };
          row.untrusted += untrusted.get(prefix) ?? 0;
          row.trusted += canary.paths.filter((c) => c.includes(`/${prefix}/`)).length;
          table.set(key, row);
        }

        // Revoking trust again (the notification allows it) stops the expansion at once, also in the
        // included file, and the workspace's indexes are left alone again.
        await client.connection.sendNotification("pinsight/workspaceTrust", { trusted: false });
        const asked = canary.paths.length;
        index.resetLog();
        sink.paths.length = 0;
        await client.connection.sendRequest("pinsight/refresh");
        await waitFor("the user's index to be asked again", () =>
          index.requests.some((r) => r.path === "/simple/black/"),
        );
        await settleQuietly(client);
        assert.equal(canary.paths.length, asked, `asked after revocation: ${canary.paths.slice(asked).join(", ")}`);
        const leakedAgain = [...index.requests.map((r) => r.path), ...sink.paths].filter(
          (p) => p.includes(leakedName) || p.includes(leakedIncluded),
        );
        assert.deepEqual(leakedAgain, [], "a ${VAR} was expanded after trust was revoked");
      } finally {
        await client.stop();
      }
    });
  }
});

async function openAll(client: TestClient, dir: string, names: readonly string[]): Promise<Map<string, string>> {
  const uris = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const uri = `file://${file}`;
    const languageId = name.endsWith(".txt") ? "pip-requirements" : "toml";
    await client.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId, version: 1, text: fs.readFileSync(file, "utf8") },
    });
    uris.set(name, uri);
  }
  return uris;
}

/** Every position worth asking about: each line of each file, at its first character and further in. */
function positions(text: string): { line: number; character: number }[] {
  return text
    .split("\n")
    .flatMap((line, i) => [0, 2, Math.max(0, line.length - 1)].map((character) => ({ line: i, character })));
}

/** Hovers, inlay hints, code actions, completion, links and definitions on every file. */
async function exerciseEverything(
  client: TestClient,
  uris: ReadonlyMap<string, string>,
  files: Readonly<Record<string, string>>,
): Promise<void> {
  const requests: Promise<unknown>[] = [];
  for (const [name, uri] of uris) {
    const text = files[name] ?? "";
    const textDocument = { uri };
    const lines = text.split("\n").length;
    const whole = { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } };
    const diagnostics = client.diagnostics.get(uri)?.diagnostics ?? [];
    requests.push(
      client.connection.sendRequest("textDocument/inlayHint", { textDocument, range: whole }),
      client.connection.sendRequest("textDocument/codeAction", {
        textDocument,
        range: whole,
        context: { diagnostics },
      }),
      client.connection.sendRequest("textDocument/documentLink", { textDocument }),
    );
    for (const position of positions(text)) {
      requests.push(
        client.connection.sendRequest("textDocument/hover", { textDocument, position }),
        client.connection.sendRequest("textDocument/completion", { textDocument, position }),
        client.connection.sendRequest("textDocument/definition", { textDocument, position }),
      );
    }
  }
  await Promise.all(requests);
}

async function hoversOf(
  client: TestClient,
  uris: ReadonlyMap<string, string>,
  files: Readonly<Record<string, string>>,
): Promise<string[]> {
  const result: string[] = [];
  for (const [name, uri] of uris) {
    for (const position of positions(files[name] ?? "")) {
      const hover = (await client.connection.sendRequest("textDocument/hover", {
        textDocument: { uri },
        position,
      })) as Hover | null;
      if (hover) result.push((hover.contents as MarkupContent).value);
    }
  }
  return result;
}

/** Lets background lookups started by the requests finish: no diagnostics change for a while. */
async function settleQuietly(client: TestClient, quietMs = 300): Promise<void> {
  let snapshot = JSON.stringify([...client.diagnostics.values()]);
  let since = Date.now();
  await waitFor("quiet diagnostics", () => {
    const now = JSON.stringify([...client.diagnostics.values()]);
    if (now !== snapshot) {
      snapshot = now;
      since = Date.now();
    }
    return Date.now() - since >= quietMs;
  });
}

// Bundles the client, the language server and the CLI with esbuild. The server and the CLI carry a
// shebang so that the `bin` entries work after `npm install -g`.
import { build } from "esbuild";
import { chmodSync, readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const watch = process.argv.includes("--watch");
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  sourcemap: true,
  minify: !watch,
  logLevel: "warning",
  define: { PINSIGHT_VERSION: JSON.stringify(pkg.version) },
};

await Promise.all([
  // The client is two files: a tiny entry that activates at once, and the language client library it
  // loads afterwards (most of the code), so activation does not wait for it to be read.
  build({
    ...common,
    entryPoints: ["client/src/extension.ts"],
    outfile: "dist/client.js",
    external: ["vscode", "./languageClient.js"],
  }),
  build({
    ...common,
    entryPoints: ["client/src/languageClient.ts"],
    outfile: "dist/languageClient.js",
    external: ["vscode"],
  }),
  build({
    ...common,
    entryPoints: ["server/src/main.ts"],
    outfile: "dist/server.js",
    banner: { js: "#!/usr/bin/env node" },
  }),
  build({
    ...common,
    entryPoints: ["server/src/cli.ts"],
    outfile: "dist/cli.js",
    banner: { js: "#!/usr/bin/env node" },
  }),
]);
for (const file of ["dist/server.js", "dist/cli.js"]) chmodSync(file, 0o755);

// The benchmark runs the same bundled code as the product, so its figures are the product's.
if (process.argv.includes("--bench")) {
  await build({ ...common, entryPoints: ["scripts/bench.ts"], outfile: "dist/bench.js", sourcemap: false });
}

// The end-to-end suite runs inside the extension host (see test/e2e/launch.ts and test/e2e/runTest.ts).
// The runner (with mocha) and the tests are separate bundles because mocha must define `suite`/`test`
// before the tests' top-level calls run; the test-host extension that code-server needs is a third.
// They are not minified so that failures point at readable lines. Mocha's parallel mode resolves worker
// files at run time; the suite never uses it, so esbuild's warning about those paths is silenced.
if (process.argv.includes("--e2e")) {
  const e2e = {
    ...common,
    minify: false,
    external: ["vscode"],
    logOverride: { "require-resolve-not-external": "silent" },
  };
  await Promise.all([
    build({ ...e2e, entryPoints: ["test/e2e/suite/index.ts"], outfile: "dist/e2e/suite/index.js" }),
    build({ ...e2e, entryPoints: ["test/e2e/suite/tests.ts"], outfile: "dist/e2e/suite/tests.js" }),
    build({ ...e2e, entryPoints: ["test/e2e/host/src/extension.ts"], outfile: "dist/e2e/host/extension.js" }),
  ]);
}

import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../../../server/src/cli";
import { tempDir } from "../../support/tempDirs";

const workspace = path.resolve(__dirname, "../../fixtures/workspaces/basic");

// These tests cover the offline analysis; `--no-index` through the environment keeps them off any
// index (the index-backed checks are tested against the fixture index in cliIndex.test.ts).
const isolatedEnv = { PIP_CONFIG_FILE: os.devNull, PIP_NO_INDEX: "1" };
const home = tempDir("pinsight-cli-home-");

async function run(args: string[], cwd = workspace): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    cwd,
    env: isolatedEnv,
    home,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

describe("pinsight check (CLI)", () => {
  it("prints the JSON contract with the effective set and diagnostics of every file in the tree", async () => {
    const { code, stdout } = await run(["check", "--format", "json", "requirements.txt"]);
    // requirements/base.txt includes a missing file: an error-severity finding, so exit 1.
    assert.equal(code, 1);
    const result = JSON.parse(stdout) as {
      files: {
        path: string;
        requirements: Record<string, unknown>[];
        diagnostics: Record<string, unknown>[];
      }[];
    };
    assert.equal(result.files.length, 1);
    const file = result.files[0]!;
    assert.equal(file.path, "requirements.txt");
    assert.deepEqual(file.requirements[0], {
      file: path.join("requirements", "base.txt"),
      line: 1,
      name: "requests",
      normalized: "requests",
      extras: [],
      specifier: "==2.30.0",
      marker: null,
      url: null,
      editable: false,
      constraint: false,
      hashes: [],
      // Without index data (PIP_NO_INDEX in these tests) nothing is resolved.
      resolved: {},
      latest: null,
      pythonSupport: [],
    });
    const django = file.requirements.find((r) => r["normalized"] === "django");
    assert.deepEqual(django, {
      file: "requirements.txt",
      line: 2,
      name: "Django",
      normalized: "django",
      extras: ["bcrypt"],
      specifier: ">=4.2",
      marker: 'python_version >= "3.8"',
      url: null,
      editable: false,
      constraint: false,
      hashes: [],
      resolved: {},
      latest: null,
      pythonSupport: [],
    });
    const missing = file.diagnostics.find((d) => d["code"] === "include-missing");
    assert.equal(missing?.["file"], path.join("requirements", "base.txt"));
    assert.equal(missing?.["severity"], "error");
    assert.equal(missing?.["line"], 2);
    const range = file.diagnostics.find((d) => d["code"] === "range");
    assert.deepEqual(range, {
      code: "range",
      severity: "warning",
      message: range?.["message"],
      file: "requirements.txt",
      line: 2,
      range: { start: { line: 1, character: 14 }, end: { line: 1, character: 19 } },
      package: "django",
    });
  });

  it("prints compiler-style text and exits 0 without error findings", async () => {
    const dir = tempDir("pinsight-cli-");
    fs.writeFileSync(path.join(dir, "requirements.txt"), "requests\nDjango==4.2.11\n");
    const { code, stdout } = await run(["check", "requirements.txt"], dir);
    assert.equal(code, 0);
    assert.match(stdout, /^requirements\.txt:1:1: warning \[unpinned\] requests is not pinned/m);
    assert.match(stdout, /1 file checked, 2 requirements: 0 errors, 1 warning\./);
  });

  it("exits 1 on an error finding", async () => {
    const dir = tempDir("pinsight-cli-");
    fs.writeFileSync(path.join(dir, "requirements.txt"), "requests=2.0\n");
    const { code, stdout } = await run(["check", "requirements.txt"], dir);
    assert.equal(code, 1);
    assert.match(stdout, /error \[syntax\]/);
  });

  it("exits 2 on usage errors and unreadable files", async () => {
    assert.equal((await run([])).code, 2);
    assert.equal((await run(["lint", "x"])).code, 2);
    assert.equal((await run(["check"])).code, 2);
    assert.equal((await run(["check", "--format", "xml", "requirements.txt"])).code, 2);
    assert.equal((await run(["check", "--bogus", "requirements.txt"])).code, 2);
    assert.equal((await run(["check", "--index-url"])).code, 2, "an option without its value");
    assert.equal((await run(["versions"])).code, 2);
    assert.equal((await run(["versions", "not a name"])).code, 2);
    assert.equal((await run(["versions", "x", "--python", "three"])).code, 2);
    const missing = await run(["check", "does-not-exist.txt"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read does-not-exist\.txt: no such file/);
    assert.equal((await run(["check", "requirements"])).code, 2, "a directory is not a requirements file");
  });

  it("runs as the bundled dist/cli.js", function () {
    const cli = path.resolve(__dirname, "../../../dist/cli.js");
    if (!fs.existsSync(cli)) this.skip();
    const result = spawnSync(process.execPath, [cli, "check", "--format", "json", "requirements.txt"], {
      cwd: workspace,
      encoding: "utf8",
      env: { ...process.env, ...isolatedEnv },
    });
    assert.equal(result.status, 1);
    assert.ok(JSON.parse(result.stdout));
    const version = spawnSync(process.execPath, [cli, "--version"], { encoding: "utf8" });
    assert.match(version.stdout, /^pinsight \d+\.\d+\.\d+/);
  });
});

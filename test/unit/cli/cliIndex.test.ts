import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../../../server/src/cli";
import { startFixtureIndex, type FixtureIndex } from "../../support/fixtureIndex";
import { tempDir } from "../../support/tempDirs";

describe("pinsight check and versions with a package index", function () {
  this.timeout(20_000);
  let index: FixtureIndex;
  before(async () => {
    index = await startFixtureIndex();
  });
  after(async () => index.close());
  beforeEach(() => {
    index.setBehaviour({});
    index.resetLog();
  });

  async function run(args: string[], cwd: string, env: Record<string, string> = {}) {
    let stdout = "";
    let stderr = "";
    const code = await runCli(args, {
      cwd,
      env: { PIP_CONFIG_FILE: os.devNull, ...env },
      home: cwd,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    return { code, stdout, stderr };
  }

  function project(text: string): string {
    const dir = tempDir("pinsight-cli-index-");
    fs.writeFileSync(path.join(dir, "requirements.txt"), text);
    return dir;
  }

  it("reports index-backed findings and exits 1 on unknown packages", async () => {
    const dir = project("black==21.11b0\npytz==1999.1\nno-such-thing-pinsight\n");
    const { code, stdout } = await run(["check", "--format", "json", "-i", index.simpleUrl, "requirements.txt"], dir);
    assert.equal(code, 1);
    const result = JSON.parse(stdout) as {
      files: { diagnostics: { code: string; line: number; message: string }[] }[];
    };
    const found = result.files[0]?.diagnostics.map((d) => [d.code, d.line]);
    assert.deepEqual(found, [
      ["yanked", 1],
      ["outdated", 1],
      ["unknown-version", 2],
      ["unpinned", 3],
      ["unknown-package", 3],
    ]);
    assert.ok(fs.existsSync(path.join(dir, ".cache", "pinsight", "index")), "responses are cached in the XDG cache");
  });

  it("answers from the cache with --offline, and never reports a miss as an unknown package", async () => {
    const dir = project("black==21.11b0\npytest\n");
    await run(["check", "-i", index.simpleUrl, "requirements.txt"], dir);
    index.resetLog();
    fs.writeFileSync(path.join(dir, "requirements.txt"), "black==21.11b0\nnumpy\n");
    const { stdout } = await run(["check", "--offline", "-i", index.simpleUrl, "requirements.txt"], dir);
    assert.equal(index.requests.length, 0);
    assert.match(stdout, /\[yanked\] black 21\.11b0/);
    assert.match(stdout, /\[index-unreachable\] .*offline/);
    assert.doesNotMatch(stdout, /unknown-package/);
  });

  it("takes indexes from PIP_INDEX_URL and a -i line, redacting credentials in its output", async () => {
    index.setBehaviour({ status: 500 });
    const credentialed = index.simpleUrl.replace("http://", "http://ci:t0ps3cret@");
    const dir = project(`-i ${credentialed}\nblack==21.11b0\n`);
    const { stdout, stderr } = await run(["check", "requirements.txt"], dir, {
      PIP_INDEX_URL: "http://127.0.0.1:9/simple/",
    });
    assert.match(stdout, /index-unreachable/);
    assert.ok(!`${stdout}${stderr}`.includes("t0ps3cret"));
    assert.ok(index.requests.length > 0, "the -i line replaced PIP_INDEX_URL");
  });

  it("prints the versions JSON contract", async () => {
    const dir = tempDir("pinsight-cli-versions-");
    const { code, stdout } = await run(
      ["versions", "Black", "--format", "json", "--python", "3.8,2.7", "-i", index.simpleUrl],
      dir,
    );
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as {
      name: string;
      indexes: string[];
      releases: {
        version: string;
        prerelease: boolean;
        yanked: boolean;
        yankedReason: string | null;
        requiresPython: string | null;
        uploadTime: string | null;
        files: string[];
        compatible: Record<string, boolean>;
      }[];
    };
    assert.equal(report.name, "black");
    assert.deepEqual(report.indexes, [index.simpleUrl]);
    assert.deepEqual(report.releases[0], {
      version: "23.7.0",
      prerelease: false,
      yanked: false,
      yankedReason: null,
      requiresPython: ">=3.8",
      uploadTime: report.releases[0]?.uploadTime,
      files: report.releases[0]?.files,
      compatible: { "2.7": false, "3.8": true },
    });
    assert.ok(report.releases[0]?.files.includes("sdist"));
    assert.ok(report.releases[0]?.files.includes("py3-none-any"));
    assert.match(report.releases[0]?.uploadTime ?? "", /^2023-07-11T/);
    const yanked = report.releases.find((r) => r.version === "21.11b0");
    assert.deepEqual(
      [yanked?.prerelease, yanked?.yanked, yanked?.yankedReason],
      [true, true, "Broken regex dependency. Use 21.11b1 instead."],
    );
    const text = await run(["versions", "black", "--python", "3.8", "-i", index.simpleUrl], dir);
    assert.match(text.stdout, /^21\.11b0 \(yanked\)\s+>=3\.6\.2\s+2021-11-17\s+yes/m);
    assert.match(text.stdout, /^ {4}yanked: Broken regex dependency\./m);
    const missing = await run(["versions", "no-such-thing-pinsight", "-i", index.simpleUrl], dir);
    assert.equal(missing.code, 1);
  });
});

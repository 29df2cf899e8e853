import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../../../server/src/cli";
import { startFixtureIndex, type FixtureIndex } from "../../support/fixtureIndex";
import { poetryLockText, pyprojectText } from "../../support/poetryProject";
import { tempDir } from "../../support/tempDirs";

interface Report {
  files: {
    path: string;
    format?: string;
    requirements: { name: string; specifier: string; locked?: boolean; requiredBy?: string[]; line: number }[];
    diagnostics: { code: string; line: number; message: string }[];
  }[];
}

describe("pinsight check on lock files and manifests", function () {
  this.timeout(30_000);
  let index: FixtureIndex;
  before(async () => {
    index = await startFixtureIndex();
  });
  after(async () => index.close());

  async function run(args: string[], cwd: string) {
    let stdout = "";
    let stderr = "";
    const code = await runCli([...args, "-i", index.simpleUrl, "--python", "3.12"], {
      cwd,
      env: { PIP_CONFIG_FILE: os.devNull },
      home: cwd,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    return { code, stdout, stderr };
  }

  it("checks poetry.lock and pyproject.toml together, with the lock entries in the JSON contract", async () => {
    const dir = tempDir("pinsight-cli-locks-");
    fs.writeFileSync(path.join(dir, "poetry.lock"), poetryLockText);
    fs.writeFileSync(path.join(dir, "pyproject.toml"), pyprojectText);
    const { code, stdout, stderr } = await run(["check", "--format", "json", "poetry.lock", "pyproject.toml"], dir);
    assert.equal(code, 1, stderr);
    const report = JSON.parse(stdout) as Report;
    const [lock, manifest] = report.files;
    assert.equal(lock?.format, "poetry.lock");
    assert.deepEqual(
      lock?.requirements.map((r) => [r.name, r.specifier, r.locked, r.requiredBy]),
      [
        ["black", "==21.11b0", true, []],
        ["pytest", "==7.4.0", true, ["black 21.11b0 requires pytest>=7"]],
      ],
    );
    for (const code of ["yanked", "hash-mismatch", "lock-drift"]) {
      assert.ok(
        lock?.diagnostics.some((d) => d.code === code),
        `${code} in ${JSON.stringify(lock?.diagnostics)}`,
      );
    }
    const codes = manifest?.diagnostics.map((d) => d.code) ?? [];
    for (const code of ["lock-drift", "lock-missing", "range", "unpinned"])
      assert.ok(codes.includes(code), `${code} in ${codes.join(", ")}`);
  });

  it("recognises a lock file with an unusual name by its content", async () => {
    const dir = tempDir("pinsight-cli-locks-");
    fs.writeFileSync(path.join(dir, "locked-deps.txt"), poetryLockText);
    const { stdout } = await run(["check", "--format", "json", "locked-deps.txt"], dir);
    assert.equal((JSON.parse(stdout) as Report).files[0]?.format, "poetry.lock");
  });
});

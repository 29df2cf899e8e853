import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { runCli } from "../../../server/src/cli";
import { parseVersion } from "../../../server/src/core/pep440/version";
import { startFixtureIndex, type FixtureIndex } from "../../support/fixtureIndex";
import { tempDir } from "../../support/tempDirs";

const run = promisify(execFile);

/** Whether `python3 -m pip` exists here; the comparison is skipped (and says so) where it does not. */
function pipAvailable(): boolean {
  const result = spawnSync("python3", ["-m", "pip", "--version"], { encoding: "utf8" });
  return result.status === 0;
}

const packages = ["black", "pytest", "pytz", "django-scarface", "numpy", "snowballstemmer", "zipp"];
const pythons = ["2.7", "3.6", "3.12"];

describe("pinsight versions agrees with pip index versions", function () {
  this.timeout(120_000);
  let index: FixtureIndex;
  const home = tempDir("pinsight-versions-");

  before(async function () {
    if (!pipAvailable()) this.skip();
    index = await startFixtureIndex();
  });
  after(async () => index?.close());

  it(`lists the same installable final versions for ${packages.length} packages × ${pythons.length} Pythons`, async () => {
    const jobs: { name: string; python: string }[] = packages.flatMap((name) =>
      pythons.map((python) => ({ name, python })),
    );
    const pipLists = new Map<string, string[]>();
    // pip runs in parallel, a few at a time; each call takes about a second.
    for (let i = 0; i < jobs.length; i += 6) {
      await Promise.all(
        jobs.slice(i, i + 6).map(async ({ name, python }) => {
          let stdout = "";
          try {
            ({ stdout } = await run(
              "python3",
              [
                "-m",
                "pip",
                "index",
                "versions",
                "--isolated",
                "--disable-pip-version-check",
                "--python-version",
                python,
                "-i",
                index.simpleUrl,
                name,
              ],
              { env: { ...process.env, PIP_CONFIG_FILE: os.devNull, HOME: home } },
            ));
          } catch {
            // pip exits 1 with "No matching distribution found" when nothing fits this Python.
          }
          const line = /^Available versions: (.*)$/m.exec(stdout)?.[1];
          pipLists.set(`${name} ${python}`, line ? line.split(", ").map((v) => v.trim()) : []);
        }),
      );
    }

    let compared = 0;
    for (const name of packages) {
      let out = "";
      const code = await runCli(
        [
          "versions",
          name,
          "--format",
          "json",
          "--python",
          pythons.join(","),
          "-i",
          index.simpleUrl,
          "--cache-dir",
          path.join(home, "cache"),
        ],
        {
          cwd: home,
          env: { PIP_CONFIG_FILE: os.devNull },
          home,
          stdout: (t) => (out += t),
          stderr: () => undefined,
        },
      );
      assert.equal(code, 0);
      const report = JSON.parse(out) as {
        releases: { version: string; prerelease: boolean; compatible: Record<string, boolean> }[];
      };
      for (const python of pythons) {
        const ours = report.releases
          .filter((r) => !r.prerelease && r.compatible[python] === true)
          .map((r) => parseVersion(r.version)?.toString() ?? r.version);
        assert.deepEqual(ours, pipLists.get(`${name} ${python}`), `${name} on Python ${python}`);
        compared++;
      }
    }
    assert.equal(compared, packages.length * pythons.length);
  });
});

import * as assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { resolveRequirement } from "../../../server/src/core/analysis/resolve";
import { readSimpleJson } from "../../../server/src/core/index/simpleJson";
import { groupReleases } from "../../../server/src/core/index/releases";
import { normalizeName } from "../../../server/src/core/parsing/names";
import { parseRequirement } from "../../../server/src/core/parsing/pep508";
import { startFixtureIndex, type FixtureFile, type FixtureIndex } from "../../support/fixtureIndex";
import { tempDir } from "../../support/tempDirs";

const run = promisify(execFile);
const platform = process.arch === "arm64" ? "manylinux2014_aarch64" : "manylinux2014_x86_64";

/** Invented projects, one rule each (file name, requires-python, yanked). */
const wheel = (stem: string, version: string, tag = "py3-none-any", extra: Partial<FixtureFile> = {}): FixtureFile => ({
  filename: `${stem}-${version}-${tag}.whl`,
  uploadTime: "2024-01-01T00:00:00Z",
  ...extra,
});
const projects: Record<string, FixtureFile[]> = {
  epochs: [wheel("epochs", "1.0"), wheel("epochs", "2.0"), wheel("epochs", "1!0.5")],
  posts: [
    wheel("posts", "1.0"),
    wheel("posts", "1.0.post1"),
    wheel("posts", "1.0.dev1"),
    wheel("posts", "1.1.dev0"),
    wheel("posts", "1.0.1rc1"),
  ],
  "pre-only": [wheel("pre_only", "1.0a1"), wheel("pre_only", "1.0b2")],
  "yanked-pkg": [
    wheel("yanked_pkg", "1.0"),
    wheel("yanked_pkg", "2.0", "py3-none-any", { yanked: "broken" }),
    wheel("yanked_pkg", "2.1", "py3-none-any", { yanked: true }),
  ],
  pyreq: [
    wheel("pyreq", "1.0", "py2.py3-none-any", { requiresPython: ">=2.7" }),
    wheel("pyreq", "2.0", "py3-none-any", { requiresPython: ">=3.6" }),
    wheel("pyreq", "3.0", "py3-none-any", { requiresPython: ">=3.10" }),
    wheel("pyreq", "3.1", "py3-none-any", { requiresPython: ">=3.6.*" }),
  ],
  tagged: [
    wheel("tagged", "1.0", "py2.py3-none-any"),
    wheel("tagged", "2.0", "py3-none-any"),
    wheel("tagged", "3.0", "cp312-none-any"),
    wheel("tagged", "4.0", `cp38-abi3-${platform}`),
    wheel("tagged", "5.0", "py2-none-any"),
    wheel("tagged", "6.0", "py313-none-any"),
  ],
  "name-with-mixed-case": [wheel("name_with_mixed_case", "1.0"), wheel("name_with_mixed_case", "1.5")],
};

const requirements = [
  "epochs",
  "epochs<1!0",
  "epochs==2.*",
  "posts",
  "posts==1.0",
  "posts~=1.0",
  "posts!=1.0.post1",
  "posts>=1.1.dev0",
  "posts==1.0.*",
  "posts<1.0.1",
  "pre-only",
  "pre-only<1.0b1",
  "yanked-pkg",
  "yanked-pkg==2.0",
  "yanked-pkg>=2.0",
  "yanked-pkg>1.5,!=2.1",
  "pyreq",
  "pyreq<3",
  "tagged",
  "tagged<4",
  "Name_With.Mixed_Case",
  "name-with-mixed-case<1.5",
];
const targets = ["2.7", "3.8", "3.12"];

/**
 * Requirements where pip releases before 24.1 differ from current pip because they vendor packaging
 * 21.3: there `SpecifierSet("<1.0b1")` does not admit `1.0a1` (the pre-release rule then ignored
 * pre-release versions in `<`/`>` clauses); packaging ≥ 22, vendored by pip ≥ 24.1, admits it, and so
 * does Pinsight. These rows are compared only against a pip that vendors packaging ≥ 22.
 */
const oldPackagingDifferences = new Set(["pre-only<1.0b1"]);

function vendoredPackagingMajor(): number {
  const result = spawnSync("python3", ["-c", "from pip._vendor import packaging; print(packaging.__version__)"], {
    encoding: "utf8",
  });
  return Number((result.stdout ?? "").split(".")[0] ?? "0");
}

function pipAvailable(): boolean {
  return spawnSync("python3", ["-m", "pip", "--version"], { encoding: "utf8" }).status === 0;
}

describe("resolution agrees with pip download (fixture index)", function () {
  this.timeout(300_000);
  let index: FixtureIndex;
  before(async function () {
    if (!pipAvailable()) this.skip();
    index = await startFixtureIndex();
    for (const [name, files] of Object.entries(projects)) index.addProject(name, { files });
  });
  after(async () => index?.close());

  it(`picks what pip picks for ${requirements.length} requirements × ${targets.length} Pythons`, async () => {
    const jobs = requirements.flatMap((requirement) => targets.map((target) => ({ requirement, target })));
    const pip = new Map<string, string | null>();
    const home = tempDir("pinsight-resolve-");
    for (let i = 0; i < jobs.length; i += 8) {
      await Promise.all(
        jobs.slice(i, i + 8).map(async ({ requirement, target }, j) => {
          const dest = path.join(home, `d${i + j}`);
          let output = "";
          try {
            const result = await run(
              "python3",
              [
                "-m",
                "pip",
                "download",
                "--isolated",
                "--no-deps",
                "--only-binary=:all:",
                "--python-version",
                target,
                "--disable-pip-version-check",
                "--progress-bar",
                "off",
                "-i",
                index.simpleUrl,
                "-d",
                dest,
                requirement,
              ],
              { env: { ...process.env, PIP_CONFIG_FILE: os.devNull, PIP_FIND_LINKS: "", HOME: home } },
            );
            output = result.stdout;
          } catch (error) {
            const failed = error as { stdout?: string; stderr?: string };
            output = `${failed.stdout ?? ""}\n${failed.stderr ?? ""}`;
          }
          // pip names the file it chose before it finds the fixture's placeholder bytes are no wheel.
          const chosen = /Downloading \S*\/([^/\s]+\.whl)/.exec(output)?.[1] ?? null;
          pip.set(
            `${requirement} @ ${target}`,
            chosen === null ? null : (decodeURIComponent(chosen).split("-")[1] ?? null),
          );
        }),
      );
    }

    const mismatches: string[] = [];
    const oldPackaging = vendoredPackagingMajor() < 22;
    let compared = 0;
    for (const { requirement, target } of jobs) {
      if (oldPackaging && oldPackagingDifferences.has(requirement)) continue;
      compared++;
      const parsed = parseRequirement(requirement);
      assert.ok(parsed.ok);
      const name = normalizeName(parsed.requirement.name.value);
      const url = `${index.simpleUrl}${name}/`;
      const body = await (await fetch(url, { headers: { accept: "application/vnd.pypi.simple.v1+json" } })).text();
      const page = readSimpleJson(body, url, name);
      assert.ok(page.ok);
      const ours = resolveRequirement(groupReleases(page.page), parsed.requirement.specifier?.value, target, {
        allowSdists: false,
      });
      const theirs = pip.get(`${requirement} @ ${target}`) ?? null;
      if ((ours.version ?? null) !== theirs)
        mismatches.push(`${requirement} on ${target}: pip ${theirs}, Pinsight ${ours.version}`);
    }
    assert.deepEqual(mismatches, []);
    assert.ok(compared >= jobs.length - oldPackagingDifferences.size * targets.length);
  });
});

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runCli } from "../../../server/src/cli";
import { startFixtureIndex, type FixtureIndex } from "../../support/fixtureIndex";
import { celeryStoryProjects } from "../../support/storyProjects";
import { tempDir } from "../../support/tempDirs";

interface JsonReport {
  files: {
    path: string;
    python: string[];
    pythonSource: string;
    requirements: {
      name: string | null;
      resolved: Record<string, string | null>;
      latest: string | null;
      pythonSupport: {
        target: string;
        lastSupported: string | null;
        droppedIn: string | null;
        declared: boolean;
        evidence: string | null;
      }[];
    }[];
    diagnostics: { code: string; line: number; message: string; severity: string }[];
  }[];
}

describe("pinsight CLI: the django-scarface and celery/kombu stories", function () {
  this.timeout(30_000);
  let index: FixtureIndex;
  before(async () => {
    index = await startFixtureIndex();
    for (const [name, project] of Object.entries(celeryStoryProjects())) index.addProject(name, project);
  });
  after(async () => index.close());

  async function run(args: string[], cwd: string) {
    let stdout = "";
    let stderr = "";
    const code = await runCli([...args, "-i", index.simpleUrl], {
      cwd,
      env: { PIP_CONFIG_FILE: os.devNull },
      home: cwd,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    return { code, stdout, stderr };
  }

  function project(files: Record<string, string>): string {
    const dir = tempDir("pinsight-cli-story-");
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  }

  it("detects Python 2.7 from .python-version and reports the undeclared drop in the JSON contract", async () => {
    const dir = project({ "requirements.txt": "django-scarface\n", ".python-version": "2.7.18\n" });
    const { code, stdout } = await run(["check", "--format", "json", "requirements.txt"], dir);
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as JsonReport;
    const file = report.files[0];
    assert.deepEqual(file?.python, ["2.7"]);
    assert.equal(file?.pythonSource, ".python-version 2.7.18");
    const requirement = file?.requirements[0];
    assert.deepEqual(requirement?.resolved, { "2.7": "3.2.1" });
    assert.equal(requirement?.latest, "3.2.1");
    assert.deepEqual(requirement?.pythonSupport, [
      { target: "2.7", lastSupported: "3.1", droppedIn: "3.2", declared: false, evidence: "classifiers" },
    ]);
    const support = file?.diagnostics.find((d) => d.code === "python-support");
    assert.equal(support?.severity, "error");
    assert.match(String(support?.message), /dropped Python 2\.7 in 3\.2 \(2018-09-14; classifiers list only 3\.5–3\.7/);
  });

  it("resolves per target with --python, and null where pip finds nothing", async () => {
    const dir = project({ "requirements.txt": "django-scarface\npytest>=7\n" });
    const { stdout } = await run(["check", "--python", "3.6,2.7", "--format", "json", "requirements.txt"], dir);
    const file = (JSON.parse(stdout) as JsonReport).files[0];
    assert.deepEqual(file?.python, ["2.7", "3.6"]);
    assert.equal(file?.pythonSource, "--python");
    assert.deepEqual(file?.requirements[0]?.resolved, { "2.7": "3.2.1", "3.6": "3.2.1" });
    assert.equal(file?.requirements[1]?.resolved["2.7"], null);
    assert.match(String(file?.requirements[1]?.resolved["3.6"]), /^7\./);
  });

  it("pin prints a diff, and --write pins to the newest release supporting the target", async () => {
    const dir = project({ "requirements.txt": "django-scarface  # notifications\nblack==21.11b0\n" });
    const diff = await run(["pin", "--python", "2.7", "requirements.txt"], dir);
    assert.equal(diff.code, 0);
    assert.equal(
      diff.stdout,
      "--- a/requirements.txt\n+++ b/requirements.txt\n@@ -1,1 +1,1 @@\n-django-scarface  # notifications\n+django-scarface==3.1  # notifications\n",
    );
    assert.equal(
      fs.readFileSync(path.join(dir, "requirements.txt"), "utf8"),
      "django-scarface  # notifications\nblack==21.11b0\n",
    );
    const written = await run(["pin", "--python", "2.7", "--write", "requirements.txt"], dir);
    assert.equal(written.code, 0);
    assert.equal(
      fs.readFileSync(path.join(dir, "requirements.txt"), "utf8"),
      "django-scarface==3.1  # notifications\nblack==21.11b0\n",
    );
  });

  it("writes GitHub annotations and SARIF for scheduled CI", async () => {
    const dir = project({ "requirements.txt": "django-scarface\n" });
    const github = await run(["check", "--python", "2.7", "--format", "github", "requirements.txt"], dir);
    assert.equal(github.code, 1);
    assert.match(
      github.stdout,
      /^::error file=requirements\.txt,line=1,col=1,endLine=1,endColumn=16,title=Pinsight \(python-support\)::pip would install 3\.2\.1 on Python 2\.7/m,
    );
    const sarif = await run(["check", "--python", "2.7", "--format", "sarif", "requirements.txt"], dir);
    const log = JSON.parse(sarif.stdout) as {
      version: string;
      runs: {
        tool: { driver: { name: string; rules: { id: string }[] } };
        results: { ruleId: string; level: string }[];
      }[];
    };
    assert.equal(log.version, "2.1.0");
    assert.ok(log.runs[0]?.tool.driver.rules.some((r) => r.id === "python-support"));
    assert.ok(log.runs[0]?.results.some((r) => r.ruleId === "python-support" && r.level === "error"));
  });

  it("reports celery 4.1.0's loose kombu range (transitive-range)", async () => {
    const dir = project({ "requirements.txt": "celery==4.1.0\npytz==2017.2\n" });
    const { code, stdout } = await run(["check", "--python", "3.6", "--format", "json", "requirements.txt"], dir);
    assert.equal(code, 0);
    const file = (JSON.parse(stdout) as JsonReport).files[0];
    const transitive = file?.diagnostics.filter((d) => d.code === "transitive-range");
    assert.deepEqual(
      transitive?.map((d) => [d.line, d.message]),
      [
        [
          1,
          "celery 4.1.0 requires kombu<5.0,>=4.0.2: a fresh install picks kombu 4.6.11 (2020), released after celery 4.1.0 (2017). Pin kombu too.",
        ],
      ],
    );
  });
});

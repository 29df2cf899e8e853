import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { analyzeFile } from "../../../server/src/core/analysis/analyze";
import { dependencyFindings } from "../../../server/src/core/analysis/dependencyFindings";
import { applySeverities, type Finding } from "../../../server/src/core/analysis/findings";
import { indexFindings } from "../../../server/src/core/analysis/indexFindings";
import { parseRequirementsTree } from "../../../server/src/core/parsing/requirementsFile";
import { IndexService } from "../../../server/src/indexService";
import { createIndexRuntime, type IndexRuntime } from "../../../server/src/node/indexRuntime";
import { createIncludeReader } from "../../../server/src/node/includeReader";
import { ProjectState } from "../../../server/src/projectState";
import { readSettings } from "../../../server/src/settings";
import { startFixtureIndex, syntheticProject, type FixtureIndex } from "../../support/fixtureIndex";
import { seededRandom } from "../../support/seededRandom";
import { tempDir } from "../../support/tempDirs";

/**
 * Incremental analysis: after any sequence of edits, the analysis that reuses earlier lines' parses
 * and findings must equal a fresh analysis of the same text against the same index data. Edits are
 * drawn from a seeded generator over the first lines of Home Assistant's requirements file, with
 * packages whose index data differs (dropped Python versions, yanked releases, unknown names) and
 * index data arriving between edits.
 */

const source = path.resolve(__dirname, "../../fixtures/bench/home-assistant/requirements_all.txt");

/** A package's fixture data chosen by its position, so the findings vary from line to line. */
function addProject(index: FixtureIndex, name: string, i: number): void {
  const project = syntheticProject(name);
  if (i % 5 === 4) return; // Not on the index: unknown-package.
  const files = project.files.map((file) => {
    if (i % 5 === 1 && file.filename.includes("2.0.0")) return { ...file, requiresPython: ">=3.13" };
    if (i % 5 === 2 && file.filename.includes("1.1.0")) return { ...file, yanked: "broken build <b>x</b>" };
    return file;
  });
  index.addProject(name, { files });
}

function comparable(findings: readonly Finding[]): string[] {
  return findings.map((f) => JSON.stringify(f)).sort();
}

describe("incremental analysis", function () {
  this.timeout(120_000);
  let index: FixtureIndex;
  let runtime: IndexRuntime;
  let service: IndexService;
  let lines: string[];
  const names: string[] = [];

  /** The server's project state over one in-memory document and the fixture index, as the server wires it. */
  function projectOver(
    file: string,
    document: () => { text: string; version: number },
    budgetMs?: number,
  ): ProjectState {
    const indexes = [
      { url: index.simpleUrl, display: index.simpleUrl, role: "primary" as const, source: "test", isPrivate: false },
    ];
    return new ProjectState({
      documentText: document,
      openFileText: (f) => (f === file ? document().text : undefined),
      workspaceFolders: () => [path.dirname(file)],
      environmentVariables: {},
      onStale: () => undefined,
      log: () => undefined,
      ...(budgetMs !== undefined ? { analysisBudgetMs: budgetMs } : {}),
      index: {
        snapshotFor: (tree) => {
          service.prefetch(
            indexes,
            tree.requirements.flatMap((r) => (r.entry.normalizedName ? [r.entry.normalizedName] : [])),
          );
          return service.snapshot(indexes);
        },
      },
    });
  }

  before(async () => {
    index = await startFixtureIndex();
    lines = fs.readFileSync(source, "utf8").split("\n").slice(0, 400);
    for (const line of lines) {
      const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line);
      if (match?.[1] && !line.startsWith("#")) names.push(match[1].toLowerCase().replace(/[-_.]+/g, "-"));
    }
    names.forEach((name, i) => addProject(index, name, i));
    runtime = createIndexRuntime({ cacheDirectory: tempDir("pinsight-incremental-"), env: {}, log: () => undefined });
  });

  after(async () => {
    service?.dispose();
    await runtime?.close();
    await index?.close();
  });

  it("a budgeted analysis continued slice by slice equals the unbudgeted one", async () => {
    const file = path.join(tempDir("pinsight-incremental-slices-"), "requirements.txt");
    const uri = `file://${file}`;
    const text = lines.join("\n");
    const settings = readSettings({ pythonVersion: ["3.8", "3.12"] });
    service = new IndexService(runtime.client, {
      onData: () => undefined,
      onStatus: () => undefined,
      log: () => undefined,
    });
    const state = (budgetMs: number | undefined): ProjectState =>
      projectOver(file, () => ({ text, version: 1 }), budgetMs);
    const whole = state(undefined);
    whole.analyze(uri, settings);
    await service.idle();
    whole.invalidate();
    whole.analyze(uri, settings);
    await service.idle();
    whole.invalidate();
    const expected = whole.analyze(uri, settings);
    assert.ok(expected && !expected.partial);
    // A zero budget computes only the minimum per slice (a screenful of lines, 40): the slowest
    // progress there is still completes.
    const sliced = state(0);
    const first = sliced.analyze(uri, settings);
    assert.ok(first?.partial, "the first slice leaves lines for later");
    let slices = 0;
    while (sliced.advance(uri)) slices++;
    const done = sliced.analyze(uri, settings);
    assert.ok(done && !done.partial, "complete after the slices");
    const requirementLines = lines.filter((l) => /^[A-Za-z]/.test(l)).length;
    assert.ok(slices >= Math.floor(requirementLines / 40) - 1, `${slices} slices for ${requirementLines} lines`);
    assert.deepEqual(comparable(done.findings), comparable(expected.findings));
    service.dispose();
  });

  for (const seed of [1, 2, 3]) {
    it(`equals a fresh analysis after 60 random edits (seed ${seed})`, async () => {
      const next = seededRandom(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
      const file = path.join(tempDir("pinsight-incremental-doc-"), "requirements.txt");
      const uri = `file://${file}`;
      let text = lines.join("\n");
      let version = 1;
      const settings = readSettings({ pythonVersion: ["3.8", "3.12"] });
      service = new IndexService(runtime.client, {
        onData: () => undefined,
        onStatus: () => undefined,
        log: () => undefined,
        retryDelayMs: 60_000,
      });
      const project = projectOver(file, () => ({ text, version }));
      const edits: ((current: string[]) => void)[] = [
        // Change a pin, drop it, or make it a range.
        (current) => {
          const at = Math.floor(next() * current.length);
          const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(current[at] ?? "");
          if (match?.[1]) current[at] = match[1] + pick(["==1.0.0", "==1.1.0", "==2.0.0", ">=1.0", "", "==9.9"]);
        },
        // Insert a copy of another line, a new package, a comment, a blank line or an option.
        (current) => {
          const at = Math.floor(next() * (current.length + 1));
          current.splice(
            at,
            0,
            pick([
              current[Math.floor(next() * current.length)] ?? "",
              `${pick(names)}==1.0.0 ; python_version < "3.10"`,
              "# a comment",
              "",
              "--pre",
              `${pick(names)} \\`,
            ]),
          );
        },
        // Delete a line.
        (current) => {
          if (current.length > 1) current.splice(Math.floor(next() * current.length), 1);
        },
        // Type into a line: append a character, as while typing a name.
        (current) => {
          const at = Math.floor(next() * current.length);
          current[at] = `${current[at] ?? ""}${pick(["a", "1", " ", "[", "#"])}`;
        },
      ];
      let current = [...lines];
      let reusedLines = 0;
      for (let step = 0; step < 60; step++) {
        pick(edits)(current);
        current = current.filter((line) => line.length < 10_000);
        text = current.join("\n");
        version++;
        if (step % 7 === 0) {
          // Index data arrives between some edits, as it does while a user types.
          project.analyze(uri, settings);
          await service.idle();
          version++;
        }
        const analysis = project.analyze(uri, settings);
        assert.ok(analysis, "the document is analysed");
        const memo = (project as unknown as { memos: Map<string, { dependencies: { reused: number } }> }).memos.get(
          uri,
        );
        reusedLines += memo?.dependencies.reused ?? 0;
        // The same pipeline with no memo, over the same snapshot (no await in between: same data).
        const snapshot = analysis.index;
        assert.ok(snapshot);
        const tree = parseRequirementsTree(
          file,
          createIncludeReader((f) => (f === file ? text : undefined)),
          {
            rootText: text,
          },
        );
        assert.deepEqual(
          analysis.parsed.entries,
          tree.files[file]?.entries,
          `seed ${seed} step ${step}: parsed entries`,
        );
        assert.deepEqual(analysis.parsed.problems, tree.files[file]?.problems, `seed ${seed} step ${step}: problems`);
        let raw = analyzeFile(tree, file, {});
        raw.push(...indexFindings(tree.requirements, snapshot));
        raw = dependencyFindings(raw, tree, file, snapshot, { targets: analysis.targets });
        assert.deepEqual(
          comparable(analysis.findings),
          comparable(applySeverities(raw, settings.severities)),
          `seed ${seed} step ${step}: findings`,
        );
      }
      // The memo did its job: most lines were reused rather than recomputed.
      assert.ok(reusedLines > 60 * 100, `reused ${reusedLines} line results over 60 edits`);
      service.dispose();
    });
  }
});

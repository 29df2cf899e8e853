import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseMarker, markerToString } from "../../../server/src/core/parsing/markers";
import { normalizeName } from "../../../server/src/core/parsing/names";
import { parseRequirementsTree } from "../../../server/src/core/parsing/requirementsFile";
import type { EffectiveRequirement, RequirementsTree } from "../../../server/src/core/parsing/requirementsModel";
import { parseSpecifierSet } from "../../../server/src/core/pep440/specifier";
import { createIncludeReader } from "../../../server/src/node/includeReader";
import { tempDir } from "../../support/tempDirs";

/**
 * The real-world corpus (test/fixtures/corpus, see its SOURCES.tsv): every file parses without an
 * exception, and where python3 with pip is present, our effective requirement set equals what pip's
 * own parser yields. Every difference must be explained by a rule below.
 */

const corpus = path.resolve(__dirname, "../../fixtures/corpus/requirements");
const files: string[] = [];
(function walk(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (/\.(txt|in|pip)$/.test(entry.name)) files.push(full);
  }
})(corpus);
files.sort();

interface PipRequirement {
  name?: string | null;
  specifier?: string;
  extras?: string[];
  marker?: string | null;
  editable?: boolean;
  constraint?: boolean;
  url?: string | null;
  text: string;
  line_error?: string;
}
type PipResult = { error: string } | { requirements: PipRequirement[] };

/**
 * Files where pip 23.2.1 (the pip on these machines) and Pinsight (which follows pip 26, SPECS §1)
 * legitimately differ, with the reason.
 */
const fileExceptions: Readonly<Record<string, string>> = {
  "dependabot__dependabot-core__requirements__remote_constraints.txt":
    "includes an https:// constraints file: pip fetches it (and fails offline); Pinsight does not fetch remote includes",
  "openedx__edx-platform__requirements__constraints.txt":
    "includes an https:// constraints file: pip fetches it (and fails offline); Pinsight does not fetch remote includes",
  "nexB__pip-requirements-parser__requirements__pip-docs-examples3.txt":
    "--global-option/--install-option: accepted by pip 23.2.1, removed from requirements files by pip 24.2+ (Pinsight follows pip 26)",
};

function pipParse(): Record<string, PipResult> | undefined {
  const probe = spawnSync("python3", ["-c", "import pip"], { encoding: "utf8" });
  if (probe.status !== 0) return undefined;
  const result = spawnSync("python3", [path.join(__dirname, "pipParse.py")], {
    input: files.join("\n"),
    encoding: "utf8",
    cwd: tempDir("pinsight-corpus-"),
    env: {
      PATH: process.env["PATH"] ?? "",
      HOME: process.env["HOME"] ?? "",
      PIP_NO_INPUT: "1",
      PIP_DEFAULT_TIMEOUT: "1",
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, PipResult>;
}

/**
 * Why pip 23.2.1 accepts a line that pip 26 rejects, or undefined. Both rules are in SPECS §1.3
 * and §2.2: `#egg=` must be a bare project name (pip 25+), and legacy non-PEP 440 specifiers such
 * as `>>1.2` were dropped with packaging 22.
 */
function pip23Only(theirs: PipRequirement): string | undefined {
  const egg = /[#&]egg=([^&\s]*)/.exec(theirs.text);
  if (egg !== null && !/^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i.test(egg[1] ?? "")) {
    return "has an #egg= fragment that is not a bare project name (pip 25+ rejects it)";
  }
  if (theirs.specifier && !parseSpecifierSet(theirs.specifier).ok) {
    return "has a legacy non-PEP 440 specifier (packaging 22+ rejects it)";
  }
  return undefined;
}

function ours(tree: RequirementsTree, r: EffectiveRequirement): PipRequirement {
  const e = r.entry;
  const spec = parseSpecifierSet(e.specifier?.value ?? "");
  const marker = e.marker === undefined ? null : parseMarker(e.marker.value);
  void tree;
  return {
    name: e.normalizedName ?? null,
    specifier: spec.ok ? [...spec.value.specifiers].map(String).sort().join(",") : `invalid:${e.specifier?.value}`,
    extras: e.extras.map((x) => normalizeName(x.value)).sort(),
    marker: marker === null ? null : marker.ok ? markerToString(marker.marker) : `invalid:${e.marker?.value}`,
    editable: e.editable,
    constraint: r.constraint,
    text: e.text,
  };
}

function errorsOf(tree: RequirementsTree): string[] {
  return [
    ...Object.values(tree.files).flatMap((f) => f.problems.filter((p) => p.severity === "error").map((p) => p.message)),
    ...tree.includeProblems.filter((p) => p.problem.severity === "error").map((p) => p.problem.message),
  ];
}

describe("corpus of real requirements files", function () {
  this.timeout(120_000);
  const trees = new Map<string, RequirementsTree>();

  it(`parses all ${files.length} files without an exception`, () => {
    const reader = createIncludeReader();
    for (const file of files) trees.set(file, parseRequirementsTree(file, reader, { env: {} }));
    assert.ok(files.length > 250);
  });

  it("yields the same effective requirement set as pip's parse_requirements", function () {
    const parsedByPip: Record<string, PipResult> | undefined = pipParse();
    if (parsedByPip === undefined) return this.skip();
    const pip: Record<string, PipResult> = parsedByPip;
    const differences: string[] = [];
    let compared = 0;
    let pathLines = 0;
    let bothReject = 0;
    let pip23Accepted = 0;
    for (const file of files) {
      const short = path.relative(corpus, file);
      const result: PipResult | undefined = pip[file];
      const tree = trees.get(file);
      if (result === undefined || tree === undefined) continue;
      if (short in fileExceptions) continue;
      const errors = errorsOf(tree);
      if ("error" in result) {
        if (errors.length === 0)
          differences.push(`${short}: pip rejects the file (${result.error}); Pinsight reports no error`);
        else bothReject++;
        continue;
      }
      const mine = tree.requirements.map((r) => ours(tree, r));
      let j = 0;
      for (const theirs of result.requirements as PipRequirement[]) {
        if (theirs.line_error !== undefined) {
          const candidate = tree.requirements[j];
          // pip checks local paths against the CWD (here an empty directory) and rejects them; an
          // editor cannot know the CWD, so Pinsight keeps them as path requirements.
          if (
            candidate !== undefined &&
            candidate.entry.form === "path" &&
            theirs.text.includes(candidate.entry.url?.value ?? "\0")
          ) {
            pathLines++;
            j++;
          } else if (errors.length === 0) {
            differences.push(
              `${short}: pip rejects ${JSON.stringify(theirs.text)} (${theirs.line_error}); Pinsight reports no error`,
            );
          } else {
            bothReject++;
          }
          continue;
        }
        const legacy = pip23Only(theirs);
        if (legacy !== undefined) {
          // Accepted by pip 23.2.1 but rejected by pip 26 (which Pinsight follows): Pinsight must report it.
          if (errors.length === 0)
            differences.push(`${short}: ${JSON.stringify(theirs.text)} ${legacy}, yet Pinsight reports no error`);
          else pip23Accepted++;
          continue;
        }
        const mineAt = mine[j++];
        if (mineAt === undefined) {
          differences.push(`${short}: pip has ${JSON.stringify(theirs.text)}, Pinsight has nothing more`);
          break;
        }
        const want: Omit<PipRequirement, "text"> = {
          name: theirs.name ? normalizeName(theirs.name) : null,
          specifier: theirs.specifier,
          // pip 23 applies safe_extra (lower-case, '_'), pip 26 PEP 685 normalisation: compare normalised.
          extras: (theirs.extras ?? []).map(normalizeName).sort(),
          marker: theirs.marker,
          editable: theirs.editable,
          constraint: theirs.constraint,
        };
        const got = { ...mineAt, text: undefined };
        delete got.text;
        try {
          assert.deepEqual(got, want);
          compared++;
        } catch {
          differences.push(
            `${short}: ${JSON.stringify(theirs.text)}: pip ${JSON.stringify(want)} vs Pinsight ${JSON.stringify(got)}`,
          );
        }
      }
      if (j < mine.length && differences.every((d) => !d.startsWith(short))) {
        differences.push(`${short}: Pinsight has ${mine.length - j} more requirements than pip (${mine[j]?.text})`);
      }
    }
    process.stdout.write(
      `      corpus: ${files.length} files, ${compared} requirements equal to pip's, ${pathLines} local-path lines (CWD-relative in pip), ${bothReject} rejections shared with pip, ${pip23Accepted} lines only pip 23 accepts, ${Object.keys(fileExceptions).length} files excepted\n`,
    );
    assert.deepEqual(differences, []);
  });
});

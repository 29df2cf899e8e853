import * as assert from "node:assert/strict";
import {
  fingerprintName,
  formatGithub,
  formatSarif,
  type ReportDiagnostic,
  type SarifRuleInfo,
} from "../../../server/src/core/report/ciFormats";

function diag(overrides: Partial<ReportDiagnostic> = {}): ReportDiagnostic {
  return {
    code: "unpinned",
    severity: "warning",
    message: "requests has no version specifier",
    file: "requirements.txt",
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 8 } },
    package: "requests",
    ...overrides,
  };
}

const tool = { name: "Pinsight", version: "0.1.0", informationUri: "https://example.invalid/pinsight" };
const rules: readonly SarifRuleInfo[] = [
  { id: "unpinned", description: "A requirement with no version specifier.", defaultLevel: "warning" },
  { id: "yanked", description: "The pinned version was yanked.", defaultLevel: "warning" },
  { id: "syntax", description: "A line pip would reject.", defaultLevel: "error" },
];

/**
 * Parses one workflow command the way the Actions runner does (`::name k=v,k=v::data`, then
 * unescaping), so tests can check that escaping round-trips instead of only matching strings.
 */
function parseCommand(line: string): { command: string; properties: Map<string, string>; data: string } {
  const match = /^::([a-z]+) ([^:]*)::(.*)$/s.exec(line);
  assert.ok(match, `not a workflow command: ${line}`);
  const unescapeData = (s: string): string => s.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%25/g, "%");
  const unescapeProperty = (s: string): string => unescapeData(s.replace(/%3A/g, ":").replace(/%2C/g, ","));
  const properties = new Map<string, string>();
  for (const pair of match[2]!.split(",")) {
    const eq = pair.indexOf("=");
    assert.ok(eq > 0, `bad property ${pair}`);
    properties.set(pair.slice(0, eq), unescapeProperty(pair.slice(eq + 1)));
  }
  return { command: match[1]!, properties, data: unescapeData(match[3]!) };
}

/** Splits formatGithub's output into its lines, checking that every line ends in "\n". */
function lines(output: string): string[] {
  assert.ok(output.endsWith("\n"), "every command line ends in a newline");
  return output.slice(0, -1).split("\n");
}

describe("CI output formats", () => {
  describe("GitHub Actions workflow commands", () => {
    it("writes one command per diagnostic with 1-based positions and a Pinsight title", () => {
      const out = formatGithub([
        diag({ range: { start: { line: 4, character: 2 }, end: { line: 4, character: 10 } } }),
      ]);
      assert.equal(
        out,
        "::warning file=requirements.txt,line=5,col=3,endLine=5,endColumn=11,title=Pinsight (unpinned)::requests has no version specifier\n",
      );
    });

    it("maps error, warning, information and hint to error, warning, notice and notice", () => {
      const out = formatGithub(
        (["error", "warning", "information", "hint"] as const).map((severity) => diag({ severity })),
      );
      assert.deepEqual(
        lines(out).map((l) => parseCommand(l).command),
        ["error", "warning", "notice", "notice"],
      );
    });

    it("gives an empty string for no diagnostics", () => {
      assert.equal(formatGithub([]), "");
    });

    it("escapes %, CR and LF in the message so it cannot end the command or start another", () => {
      const message = "100% sure\r\n::error file=x::injected\nend";
      const out = formatGithub([diag({ message })]);
      assert.equal(lines(out).length, 1, "the message stays on one line");
      assert.ok(out.includes("::100%25 sure%0D%0A::error file=x::injected%0Aend\n"), out);
      assert.equal(parseCommand(lines(out)[0]!).data, message);
    });

    it("leaves : and , in the message alone, as @actions/core does", () => {
      const out = formatGithub([diag({ message: "yanked: bad build, use 2.0" })]);
      assert.ok(out.endsWith("::yanked: bad build, use 2.0\n"), out);
    });

    it("escapes %, :, , CR and LF in the file name and the title", () => {
      const file = "reqs/a,b:c%d\ne.txt";
      const out = formatGithub([diag({ file, code: "odd:code,1" })]);
      assert.ok(out.includes("file=reqs/a%2Cb%3Ac%25d%0Ae.txt,"), out);
      assert.ok(out.includes("title=Pinsight (odd%3Acode%2C1)::"), out);
      const parsed = parseCommand(lines(out)[0]!);
      assert.equal(parsed.properties.get("file"), file);
      assert.equal(parsed.properties.get("title"), "Pinsight (odd:code,1)");
      assert.equal(parsed.properties.get("line"), "1");
    });

    it("escapes % before the other characters, so an existing escape is not decoded by the runner", () => {
      const out = formatGithub([diag({ message: "literal %0A and %3A", file: "a%2Cb.txt" })]);
      assert.ok(out.includes("file=a%252Cb.txt,"), out);
      assert.ok(out.endsWith("::literal %250A and %253A\n"), out);
    });

    it("strips other control characters (ESC, NUL, BEL, tab, DEL, C1) from the message and properties", () => {
      const out = formatGithub([
        diag({ message: "\u001b[31mred\u001b[0m\u0000\u0007\tx\u007f\u009by", file: "a\u001bb.txt" }),
      ]);
      assert.equal(lines(out).length, 1);
      assert.ok(out.endsWith("::[31mred[0mxy\n"), JSON.stringify(out));
      assert.ok(out.includes("file=ab.txt,"), out);
      // eslint-disable-next-line no-control-regex -- The test asserts that no control character remains.
      assert.doesNotMatch(out.slice(0, -1), /[\u0000-\u001f\u007f-\u009f]/);
    });

    it("keeps non-ASCII text, which is not a control character", () => {
      const out = formatGithub([diag({ message: "Ünïcödé ✓ 😀", file: "réqs/日本.txt" })]);
      assert.ok(out.includes("file=réqs/日本.txt,"), out);
      assert.ok(out.endsWith("::Ünïcödé ✓ 😀\n"), out);
    });

    it("leaves out col and endColumn when an annotation spans lines, as GitHub only honours them on one line", () => {
      const out = formatGithub([diag({ range: { start: { line: 2, character: 5 }, end: { line: 4, character: 1 } } })]);
      const parsed = parseCommand(lines(out)[0]!);
      assert.deepEqual([...parsed.properties.keys()], ["file", "line", "endLine", "title"]);
      assert.equal(parsed.properties.get("line"), "3");
      assert.equal(parsed.properties.get("endLine"), "5");
    });

    it("writes a zero-width range as col = endColumn", () => {
      const out = formatGithub([diag({ range: { start: { line: 0, character: 7 }, end: { line: 0, character: 7 } } })]);
      const parsed = parseCommand(lines(out)[0]!);
      assert.equal(parsed.properties.get("col"), "8");
      assert.equal(parsed.properties.get("endColumn"), "8");
    });

    it("keeps the order of the diagnostics", () => {
      const out = formatGithub([diag({ file: "b.txt" }), diag({ file: "a.txt" })]);
      assert.deepEqual(
        lines(out).map((l) => parseCommand(l).properties.get("file")),
        ["b.txt", "a.txt"],
      );
    });
  });

  describe("SARIF 2.1.0", () => {
    type Json = Record<string, unknown>;

    /** Reads a property path and fails the test if any step is missing, to keep assertions short. */
    function at(value: unknown, ...keys: (string | number)[]): unknown {
      let current = value;
      for (const key of keys) {
        assert.ok(current !== null && typeof current === "object", `no object at ${keys.join(".")}`);
        current = (current as Json)[key];
      }
      return current;
    }

    /**
     * Checks the properties SARIF 2.1.0 requires and GitHub code scanning reads: the version, a
     * run with a named driver, and results with message text and a located region (startLine ≥ 1,
     * and columns ≥ 1 where present). The log is serialised first, as the CLI would write it.
     */
    function assertValidSarif(log: unknown): Json {
      const json = JSON.parse(JSON.stringify(log)) as Json;
      assert.equal(json["version"], "2.1.0");
      assert.equal(json["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
      const runs = json["runs"];
      assert.ok(Array.isArray(runs) && runs.length === 1, "one run");
      const run = runs[0] as Json;
      const driver = at(run, "tool", "driver") as Json;
      assert.equal(typeof driver["name"], "string");
      assert.ok((driver["name"] as string).length > 0);
      const driverRules = driver["rules"] as Json[];
      assert.ok(Array.isArray(driverRules));
      const ids = driverRules.map((r) => r["id"]);
      assert.equal(new Set(ids).size, ids.length, "rule ids are unique");
      for (const rule of driverRules) {
        assert.equal(typeof rule["id"], "string");
        assert.equal(typeof at(rule, "shortDescription", "text"), "string");
        assert.ok(["error", "warning", "note", "none"].includes(at(rule, "defaultConfiguration", "level") as string));
      }
      const results = run["results"];
      assert.ok(Array.isArray(results), "results is an array");
      for (const result of results as Json[]) {
        assert.equal(typeof result["ruleId"], "string");
        assert.equal(typeof at(result, "message", "text"), "string");
        assert.ok(["error", "warning", "note", "none"].includes(result["level"] as string));
        if ("ruleIndex" in result) {
          const index = result["ruleIndex"] as number;
          assert.ok(Number.isInteger(index) && index >= 0 && index < driverRules.length);
          assert.equal(driverRules[index]!["id"], result["ruleId"], "ruleIndex points at the rule of ruleId");
        }
        const locations = result["locations"] as Json[];
        assert.ok(Array.isArray(locations) && locations.length >= 1);
        const physical = at(locations[0], "physicalLocation") as Json;
        assert.equal(typeof at(physical, "artifactLocation", "uri"), "string");
        const region = physical["region"] as Json;
        for (const key of ["startLine", "startColumn", "endLine", "endColumn"]) {
          const n = region[key];
          assert.ok(Number.isInteger(n) && (n as number) >= 1, `${key} is an integer ≥ 1`);
        }
        assert.ok((region["endLine"] as number) >= (region["startLine"] as number));
      }
      return json;
    }

    it("builds one run with the driver, its rules and a result per diagnostic", () => {
      const log = assertValidSarif(
        formatSarif(
          [diag({ range: { start: { line: 2, character: 4 }, end: { line: 2, character: 12 } } })],
          tool,
          rules,
        ),
      );
      assert.deepEqual(at(log, "runs", 0, "tool", "driver"), {
        name: "Pinsight",
        version: "0.1.0",
        informationUri: "https://example.invalid/pinsight",
        rules: [
          {
            id: "unpinned",
            shortDescription: { text: "A requirement with no version specifier." },
            defaultConfiguration: { level: "warning" },
          },
          {
            id: "yanked",
            shortDescription: { text: "The pinned version was yanked." },
            defaultConfiguration: { level: "warning" },
          },
          {
            id: "syntax",
            shortDescription: { text: "A line pip would reject." },
            defaultConfiguration: { level: "error" },
          },
        ],
      });
      assert.deepEqual(at(log, "runs", 0, "results"), [
        {
          ruleId: "unpinned",
          ruleIndex: 0,
          level: "warning",
          message: { text: "requests has no version specifier" },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: "requirements.txt", uriBaseId: "%SRCROOT%" },
                region: { startLine: 3, startColumn: 5, endLine: 3, endColumn: 13 },
              },
            },
          ],
          partialFingerprints: { "pinsight/v1": "unpinned:requests:requirements.txt" },
        },
      ]);
    });

    it("gives a run with results: [] for no diagnostics", () => {
      const log = assertValidSarif(formatSarif([], tool, rules));
      assert.deepEqual(at(log, "runs", 0, "results"), []);
      assert.equal((at(log, "runs", 0, "tool", "driver", "rules") as unknown[]).length, 3);
    });

    it("maps error, warning, information and hint to error, warning, note and note", () => {
      const log = assertValidSarif(
        formatSarif(
          (["error", "warning", "information", "hint"] as const).map((severity) => diag({ severity })),
          tool,
          rules,
        ),
      );
      assert.deepEqual(
        (at(log, "runs", 0, "results") as Json[]).map((r) => r["level"]),
        ["error", "warning", "note", "note"],
      );
    });

    it("points at the rule by index, and keeps only ruleId for a code that has no rule", () => {
      const log = assertValidSarif(
        formatSarif([diag({ code: "syntax" }), diag({ code: "python-support" })], tool, rules),
      );
      const results = at(log, "runs", 0, "results") as Json[];
      assert.equal(results[0]!["ruleId"], "syntax");
      assert.equal(results[0]!["ruleIndex"], 2);
      assert.equal(results[1]!["ruleId"], "python-support");
      assert.ok(!("ruleIndex" in results[1]!), "no ruleIndex key at all");
      const ruleIds = (at(log, "runs", 0, "tool", "driver", "rules") as Json[]).map((r) => r["id"]);
      assert.deepEqual(ruleIds, ["unpinned", "yanked", "syntax"], "only the given rules, in their order");
    });

    it("keeps the first of rules with the same id, so ids stay unique and indexes stay right", () => {
      const log = assertValidSarif(
        formatSarif([diag({ code: "yanked" })], tool, [
          ...rules,
          { id: "unpinned", description: "again", defaultLevel: "error" },
        ]),
      );
      assert.equal((at(log, "runs", 0, "tool", "driver", "rules") as unknown[]).length, 3);
      assert.equal(at(log, "runs", 0, "results", 0, "ruleIndex"), 1);
    });

    it("converts LSP positions (UTF-16 characters) to 1-based SARIF columns, also past astral characters", () => {
      // "😀" is two UTF-16 code units, so an LSP character 2 is just after it; SARIF's default
      // columnKind utf16CodeUnits counts the same units, which the run states explicitly.
      const log = assertValidSarif(
        formatSarif(
          [diag({ range: { start: { line: 0, character: 2 }, end: { line: 1, character: 0 } } })],
          tool,
          rules,
        ),
      );
      assert.equal(at(log, "runs", 0, "columnKind"), "utf16CodeUnits");
      assert.deepEqual(at(log, "runs", 0, "results", 0, "locations", 0, "physicalLocation", "region"), {
        startLine: 1,
        startColumn: 3,
        endLine: 2,
        endColumn: 1,
      });
    });

    it("turns an inverted range into an empty one rather than an invalid region", () => {
      const log = assertValidSarif(
        formatSarif(
          [diag({ range: { start: { line: 3, character: 9 }, end: { line: 3, character: 2 } } })],
          tool,
          rules,
        ),
      );
      assert.deepEqual(at(log, "runs", 0, "results", 0, "locations", 0, "physicalLocation", "region"), {
        startLine: 4,
        startColumn: 10,
        endLine: 4,
        endColumn: 10,
      });
    });

    it("percent-encodes each path segment of the URI but keeps the slashes", () => {
      const log = assertValidSarif(
        formatSarif([diag({ file: "req dir/a#b?c%d/日本.txt" }), diag({ file: "bad\ud800.txt" })], tool, rules),
      );
      assert.equal(
        at(log, "runs", 0, "results", 0, "locations", 0, "physicalLocation", "artifactLocation", "uri"),
        "req%20dir/a%23b%3Fc%25d/%E6%97%A5%E6%9C%AC.txt",
      );
      assert.equal(
        at(log, "runs", 0, "results", 1, "locations", 0, "physicalLocation", "artifactLocation", "uri"),
        "bad%EF%BF%BD.txt",
        "an unpaired surrogate becomes U+FFFD instead of throwing",
      );
    });

    it("keeps the untrusted message text as it is: JSON escapes it", () => {
      const message = 'yanked: "bad" build\n::error::x\u001b[0m';
      const log = formatSarif([diag({ message })], tool, rules);
      const parsed = assertValidSarif(log);
      assert.equal(at(parsed, "runs", 0, "results", 0, "message", "text"), message);
    });

    it("fingerprints by code, package and file, without the line, so an alert survives moved lines", () => {
      const sarif = (line: number, pkg: string | null) =>
        formatSarif(
          [diag({ package: pkg, range: { start: { line, character: 0 }, end: { line, character: 3 } } })],
          tool,
          rules,
        );
      const fingerprint = (log: unknown) => at(log, "runs", 0, "results", 0, "partialFingerprints");
      assert.deepEqual(fingerprint(sarif(1, "requests")), { [fingerprintName]: "unpinned:requests:requirements.txt" });
      assert.deepEqual(fingerprint(sarif(1, "requests")), fingerprint(sarif(40, "requests")));
      assert.deepEqual(fingerprint(sarif(1, null)), { "pinsight/v1": "unpinned::requirements.txt" });
    });
  });
});

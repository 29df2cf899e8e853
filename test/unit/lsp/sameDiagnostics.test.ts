import assert from "node:assert/strict";
import { DiagnosticTag, type Diagnostic } from "vscode-languageserver/node";
import { sameDiagnostics } from "../../../server/src/convert";

const base = (): Diagnostic => ({
  range: { start: { line: 3, character: 0 }, end: { line: 3, character: 12 } },
  severity: 2,
  code: "outdated",
  source: "pinsight",
  message: "requests 2.31.0 → 2.32.3 is available.",
  data: { title: "Pin 2.32.3", edits: [{ span: { start: 40, end: 46 }, newText: "2.32.3" }] },
});

describe("sameDiagnostics", () => {
  it("is true for equal lists built separately, and for two empty lists", () => {
    assert.equal(
      sameDiagnostics(
        [base(), { ...base(), tags: [DiagnosticTag.Unnecessary] }],
        [base(), { ...base(), tags: [DiagnosticTag.Unnecessary] }],
      ),
      true,
    );
    assert.equal(sameDiagnostics([], []), true);
  });

  it("sees a difference in every field a client shows or uses", () => {
    const changes: Record<string, (d: Diagnostic) => Diagnostic> = {
      message: (d) => ({ ...d, message: `${d.message} ` }),
      code: (d) => ({ ...d, code: "yanked" }),
      severity: (d) => ({ ...d, severity: 1 }),
      source: (d) => ({ ...d, source: "other" }),
      "start line": (d) => ({ ...d, range: { ...d.range, start: { line: 4, character: 0 } } }),
      "start character": (d) => ({ ...d, range: { ...d.range, start: { line: 3, character: 1 } } }),
      "end line": (d) => ({ ...d, range: { ...d.range, end: { line: 4, character: 12 } } }),
      "end character": (d) => ({ ...d, range: { ...d.range, end: { line: 3, character: 11 } } }),
      tags: (d) => ({ ...d, tags: [DiagnosticTag.Deprecated] }),
      "fix data": (d) => ({ ...d, data: { title: "Pin 2.32.4", edits: [] } }),
      "no fix data": ({ data: _data, ...rest }) => rest,
      "code description": (d) => ({ ...d, codeDescription: { href: "https://example.invalid/" } }),
      "related information": (d) => ({
        ...d,
        relatedInformation: [{ location: { uri: "file:///a", range: d.range }, message: "here" }],
      }),
    };
    for (const [name, change] of Object.entries(changes)) {
      assert.equal(sameDiagnostics([base()], [change(base())]), false, name);
    }
  });

  it("sees different lengths and a different order", () => {
    const other = { ...base(), message: "other" };
    assert.equal(sameDiagnostics([base()], [base(), base()]), false);
    assert.equal(sameDiagnostics([base(), other], [other, base()]), false);
  });
});

import * as assert from "node:assert/strict";
import { versionContext } from "../../../server/src/core/analysis/versionHints";

describe("version completion context", () => {
  const cases: [string, { name: string; typed: string } | null][] = [
    ["django-scarface==", { name: "django-scarface", typed: "" }],
    ["Django[bcrypt]>=4.", { name: "Django", typed: "4." }],
    ["requests >= 2.0, <", { name: "requests", typed: "" }],
    ["requests>=2.0,!=2.1", { name: "requests", typed: "2.1" }],
    ["flask~=2", { name: "flask", typed: "2" }],
    ["pkg (>=1.0, <", { name: "pkg", typed: "" }],
    ["pkg===1", { name: "pkg", typed: "1" }],
    ["pkg ; python_version >= ", null],
    ["# pkg==", null],
    ["-r base.txt", null],
    ["pkg==1.0 ", null],
  ];
  for (const [line, expected] of cases) {
    it(`reads ${JSON.stringify(line)}`, () => {
      assert.deepEqual(versionContext(line), expected);
    });
  }
});

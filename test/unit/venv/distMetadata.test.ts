import * as assert from "node:assert/strict";
import { parseDistMetadata, type DistMetadata } from "../../../server/src/core/python/distMetadata";

/** Each row: what it shows, the METADATA / PKG-INFO text, the expected result. */
const cases: readonly (readonly [string, string, DistMetadata | null])[] = [
  [
    "Metadata 2.1 with a body",
    "Metadata-Version: 2.1\nName: Django\nVersion: 4.2.11\nSummary: x\n\n# Django\n",
    { name: "Django", version: "4.2.11" },
  ],
  ["the name is kept as written", "Name: zope.interface\nVersion: 6.2\n", { name: "zope.interface", version: "6.2" }],
  ["the version is kept as written", "Name: a\nVersion: 1.0-legacy_ish\n", { name: "a", version: "1.0-legacy_ish" }],
  ["Version before Name", "Version: 2\nName: b\n", { name: "b", version: "2" }],
  ["no body", "Name: a\nVersion: 1", { name: "a", version: "1" }],
  ["CRLF", "Metadata-Version: 2.1\r\nName: a\r\nVersion: 1\r\n\r\nName: NotThis\r\n", { name: "a", version: "1" }],
  ["bare CR", "Name: a\rVersion: 1\r\rName: NotThis\r", { name: "a", version: "1" }],
  ["a byte-order mark", "\uFEFFName: a\nVersion: 1\n", { name: "a", version: "1" }],
  ["header names are case-insensitive", "NAME: a\nversion: 1\n", { name: "a", version: "1" }],
  ["no blank after the colon", "Name:a\nVersion:1\n", { name: "a", version: "1" }],
  ["blanks around the value", "Name: \t a \t\nVersion:  1  \n", { name: "a", version: "1" }],
  [
    "the first Name and Version win",
    "Name: first\nName: second\nVersion: 1\nVersion: 2\n",
    { name: "first", version: "1" },
  ],
  ["Metadata-Version is not Version", "Metadata-Version: 2.1\nName: a\n", null],
  ["folded headers are unfolded", "Name: a\nVersion:\n 1.0\nSummary: x\n  continued\n", { name: "a", version: "1.0" }],
  [
    "a folded Description with lines of blanks does not end the headers",
    "Metadata-Version: 1.0\nDescription: Long\n        \n        Name: NotThis\nName: a\nVersion: 1\n",
    { name: "a", version: "1" },
  ],
  ["a continuation at the very start is ignored", " stray\nName: a\nVersion: 1\n", { name: "a", version: "1" }],
  ["headers end at the first empty line", "Summary: x\n\nName: late\nVersion: 1\n", null],
  ["... also with CRLF", "Summary: x\r\n\r\nName: late\r\nVersion: 1\r\n", null],
  ["a Version only in the body does not count", "Name: a\n\nVersion: 1\n", null],
  [
    "garbage lines between headers are skipped",
    "Name: a\nthis is not a header\n:\nVersion: 1\n",
    { name: "a", version: "1" },
  ],
  ["an empty Name", "Name:\nVersion: 1\n", null],
  ["a blank Version", "Name: a\nVersion:   \n", null],
  ["a control character in the name", "Name: a\u0000b\nVersion: 1\n", null],
  ["an over-long name", `Name: ${"a".repeat(2000)}\nVersion: 1\n`, null],
  ["an over-long folded version", `Name: a\nVersion: 1\n${` ${"x".repeat(600)}\n`.repeat(3)}`, null],
  ["the empty text", "", null],
  ["binary garbage", "\u0000\u00ff\u00fe garbage \u0001\u0002", null],
];

describe("distribution metadata", () => {
  for (const [what, text, expected] of cases) {
    it(what, () => assert.deepEqual(parseDistMetadata(text), expected));
  }

  it("does not split a huge body and stays fast on huge garbage", () => {
    const started = Date.now();
    const text = `Name: a\nVersion: 1\n\n${"Name: x\n".repeat(500_000)}`;
    assert.deepEqual(parseDistMetadata(text), { name: "a", version: "1" });
    assert.equal(parseDistMetadata(":".repeat(2_000_000)), null);
    assert.equal(parseDistMetadata(`Name: a\n${" x\n".repeat(200_000)}`), null);
    assert.equal(parseDistMetadata(`${"a".repeat(100_000)}: b\n`.repeat(20)), null);
    assert.ok(Date.now() - started < 1000);
  });
});

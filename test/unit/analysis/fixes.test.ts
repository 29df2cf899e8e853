import * as assert from "node:assert/strict";
import { fixesFor, pinAllEdits, type TextEdit } from "../../../server/src/core/analysis/fixes";
import { parseRequirementsText } from "../../../server/src/core/parsing/requirementsFile";

function apply(text: string, edits: readonly TextEdit[]): string {
  let result = text;
  for (const edit of [...edits].sort((a, b) => b.span.start - a.span.start)) {
    result = result.slice(0, edit.span.start) + edit.newText + result.slice(edit.span.end);
  }
  return result;
}

function pin(text: string, name: string, version: string): string {
  const file = parseRequirementsText(text);
  const entry = file.entries.find((e) => e.kind === "requirement" && e.normalizedName === name);
  assert.ok(entry, `no entry for ${name}`);
  const fixes = fixesFor(
    {
      kind: "pin",
      package: name,
      entryStart: entry.span.start,
      options: [{ action: "pin", version, title: `Pin to installed ${version}`, preferred: true }],
    },
    file,
  );
  assert.equal(fixes.length, 1);
  assert.equal(fixes[0]?.title, `Pin to installed ${version}`);
  return apply(text, fixes[0]!.edits);
}

describe("pin fixes", () => {
  const cases: [string, string, string][] = [
    ["requests\n", "requests==2.31.0\n", "requests"],
    [
      "Django[bcrypt,argon2] ; python_version >= '3.8'  # web\n",
      "Django[bcrypt,argon2]==4.2 ; python_version >= '3.8'  # web\n",
      "django",
    ],
    ["Django>=4,<5 # comment\n", "Django==4.2 # comment\n", "django"],
    ["Django (>=4,<5)\n", "Django ==4.2\n", "django"],
    ["Django >= 4\n", "Django ==4.2\n", "django"],
    ["Django;python_version>'3'\n", "Django==4.2;python_version>'3'\n", "django"],
    [
      "requests \\\n    --hash=sha256:" + "a".repeat(64) + " \\\n    --hash=sha256:" + "b".repeat(64) + "\n",
      "requests==2.31.0 \\\n    --hash=sha256:" + "a".repeat(64) + " \\\n    --hash=sha256:" + "b".repeat(64) + "\n",
      "requests",
    ],
    ["requests\r\nflask\r\n", "requests==2.31.0\r\nflask\r\n", "requests"],
  ];
  for (const [before, after, name] of cases) {
    it(`pins ${JSON.stringify(before)}`, () => {
      const version = name === "django" ? "4.2" : "2.31.0";
      assert.equal(pin(before, name, version), after);
    });
  }

  it("offers nothing when the requirement moved since the diagnostic", () => {
    const file = parseRequirementsText("# new line\nrequests\n");
    assert.deepEqual(
      fixesFor(
        {
          kind: "pin",
          package: "requests",
          entryStart: 0,
          options: [{ action: "pin", version: "1", title: "Pin", preferred: true }],
        },
        file,
      ),
      [],
    );
  });

  it("pins every unpinned or ranged requirement it has a version for", () => {
    const text = "a\nb>=1\nc==1.0\nd\nhttps://x/e-1.0.tar.gz#egg=e\n";
    const versions = new Map([
      ["a", "1.1"],
      ["b", "2.0"],
      ["c", "9"],
      ["e", "1.0"],
    ]);
    assert.equal(
      apply(text, pinAllEdits(parseRequirementsText(text), versions)),
      "a==1.1\nb==2.0\nc==1.0\nd\nhttps://x/e-1.0.tar.gz#egg=e\n",
    );
  });
});

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { pythonJsonDumps } from "../../../server/src/core/locks/contentHash";
import { staleFinding } from "../../../server/src/core/locks/drift";
import { parsePdmLock } from "../../../server/src/core/locks/pdmLock";
import { parsePoetryLock } from "../../../server/src/core/locks/poetryLock";
import { parseTomlDocument, plain } from "../../../server/src/core/locks/tomlDoc";
import { sha256Hex } from "../../../server/src/node/nearbyFiles";

const corpus = path.resolve(__dirname, "../../fixtures/corpus");
const read = (relative: string): string => fs.readFileSync(path.join(corpus, relative), "utf8");
const data = (text: string): unknown => plain(parseTomlDocument(text).root);

describe("lock content hashes (lock-stale)", () => {
  it("prints JSON as Python's json.dumps(sort_keys=True) does", () => {
    assert.equal(
      pythonJsonDumps({ b: [1, "é", true, null], a: { z: 1.5, y: "x\n" } }),
      '{"a": {"y": "x\\n", "z": 1.5}, "b": [1, "\\u00e9", true, null]}',
    );
  });

  const cases = [
    {
      label: "Poetry's own repository",
      lock: () => parsePoetryLock(read("poetry/python-poetry__poetry__poetry.lock")),
      manifest: read("pyproject/python-poetry__poetry__pyproject.toml"),
      edit: (text: string) =>
        text.replace(
          "[tool.poetry.group.dev.dependencies]",
          '[tool.poetry.group.dev.dependencies]\nnew-dependency = "^1.0"',
        ),
    },
    {
      label: "PDM's own repository",
      lock: () => parsePdmLock(read("pdm/pdm-project__pdm__pdm.lock")),
      manifest: read("pyproject/pdm-project__pdm__pyproject.toml"),
      edit: (text: string) => text.replace("dependencies = [", 'dependencies = [\n    "new-dependency>=1",'),
    },
  ];
  for (const c of cases) {
    it(`matches the recorded hash of ${c.label}, and reports an edited manifest`, () => {
      const lock = c.lock();
      assert.equal(staleFinding(lock, "pyproject.toml", data(c.manifest), sha256Hex), null);
      const edited = c.edit(c.manifest);
      assert.notEqual(edited, c.manifest, "the edit applies");
      const stale = staleFinding(lock, "pyproject.toml", data(edited), sha256Hex);
      assert.equal(stale?.code, "lock-stale");
      assert.match(String(stale?.message), /no longer matches pyproject\.toml.*Run `(poetry|pdm) lock`/);
    });
  }
});

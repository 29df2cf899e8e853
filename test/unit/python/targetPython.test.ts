import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
  detectTargetPython,
  knownPythonMinors,
  minorsForSpecifier,
  parsePythonVersionFile,
  parseRuntimeTxt,
  poetryConstraintToPep440,
  type TargetPythonSource,
} from "../../../server/src/core/python/targetPython";
import { readTargetPythonSources } from "../../../server/src/node/targetPythonFiles";
import { tempDir } from "../../support/tempDirs";

interface VersionFileCase {
  content: string;
  versions?: string[];
  as_specifier?: string;
  note?: string;
}
interface RuntimeCase {
  content: string;
  as_specifier: string | null;
  note?: string;
}
interface PoetryCase {
  poetry: string;
  pep440: string | null;
  union?: string[];
  note?: string;
}

// A copy of ../shared/vectors/python_target.json (see test/fixtures/vectors/SOURCES).
const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/python_target.json"), "utf8"),
) as {
  python_version_file_cases: VersionFileCase[];
  runtime_txt_cases: RuntimeCase[];
  poetry_constraint_to_pep440_cases: PoetryCase[];
};

/** "X.Y" from the first X.Y in a request or specifier ("pypy3.10" → "3.10", "==3.11.6" → "3.11"). */
function minorIn(text: string): string {
  const match = /(\d+)\.(\d+)/.exec(text);
  assert.ok(match, text);
  return `${Number(match[1])}.${Number(match[2])}`;
}

describe("target Python: .python-version", () => {
  // Vector cases whose expectation is only a note are skipped here: "3.12-dev" ("map to ==3.12.* or
  // unknown"). Pinsight's choice for it is tested below.
  const ambiguous = new Set(["3.12-dev"]);
  // The one vector case with no `versions` is a specifier; its known minors are written out here.
  const specifierExpectations: Readonly<Record<string, string[]>> = { ">=3.12,<3.13": ["3.12"] };

  for (const c of vectors.python_version_file_cases) {
    if (ambiguous.has(c.content)) continue;
    const expected = c.versions?.map(minorIn) ?? specifierExpectations[c.content];
    it(`vector ${JSON.stringify(c.content)} → ${JSON.stringify(expected)}`, () => {
      assert.ok(expected, "every covered case has an expectation");
      assert.deepEqual(parsePythonVersionFile(c.content), expected);
      if (c.as_specifier !== undefined && (c.versions?.length ?? 1) === 1) {
        assert.deepEqual(minorsForSpecifier(c.as_specifier), expected, "agrees with the vector's specifier");
      }
    });
  }

  const extra: readonly (readonly [string, string, string[]])[] = [
    ["a pyenv -dev build is its minor (Pinsight's choice for the ambiguous vector)", "3.12-dev\n", ["3.12"]],
    ["a pyenv PyPy build name", "pypy3.10-7.3.12\n", ["3.10"]],
    ["uv's +freethreaded variant", "3.13+freethreaded", ["3.13"]],
    ["a pre-release", "3.14.0rc1", ["3.14"]],
    ["several versions on one line (pyenv)", "3.12 3.11\n", ["3.12", "3.11"]],
    ["duplicates are dropped", "3.12.1\n3.12.4\n", ["3.12"]],
    ["CRLF and blank lines", "\r\n3.11\r\n\r\n", ["3.11"]],
    ["a specifier with blanks gives its lowest and highest minor", ">= 3.12, < 3.14\n", ["3.12", "3.13"]],
    ["a major version alone names no minor", "3\n", []],
    ["a byte-order mark", "\uFEFF3.9\n", ["3.9"]],
    ["the empty file", "", []],
  ];
  for (const [what, text, expected] of extra) {
    it(what, () => assert.deepEqual(parsePythonVersionFile(text), expected));
  }
});

describe("target Python: runtime.txt", () => {
  // Every vector case is covered; "python-3.12" (noted as lenient) is accepted, as its as_specifier says.
  for (const c of vectors.runtime_txt_cases) {
    const expected = c.as_specifier === null ? [] : [minorIn(c.as_specifier)];
    it(`vector ${JSON.stringify(c.content)} → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(parseRuntimeTxt(c.content), expected);
      if (c.as_specifier !== null) assert.deepEqual(minorsForSpecifier(c.as_specifier), expected);
    });
  }

  it("rejects other implementations and garbage", () => {
    assert.deepEqual(parseRuntimeTxt("pypy3.10-7.3.12"), []);
    assert.deepEqual(parseRuntimeTxt("python-3.11.6\npython-3.12.1\n"), []);
    assert.deepEqual(parseRuntimeTxt("python-3"), []);
    assert.deepEqual(parseRuntimeTxt(""), []);
  });
});

describe("target Python: Poetry constraints", () => {
  // Every vector case is covered: a union's expectation is its `union` list, anything else its `pep440`.
  for (const c of vectors.poetry_constraint_to_pep440_cases) {
    const expected = c.union ?? [c.pep440];
    it(`vector ${JSON.stringify(c.poetry)} → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(poetryConstraintToPep440(c.poetry), expected);
    });
  }

  const extra: readonly (readonly [string, string[] | null])[] = [
    [">= 3.8", [">=3.8"]],
    [">= 3.8, < 3.13", [">=3.8,<3.13"]],
    ["^3.8,", [">=3.8,<4.0"]],
    ["^2.7|^3.6", [">=2.7,<3.0", ">=3.6,<4.0"]],
    ["^0.0", [">=0.0,<0.1"]],
    ["^1.2.3.4", [">=1.2.3.4,<2.0.0.0"]],
    ["^0.0.0.5", [">=0.0.0.5,<0.0.1.0"]],
    ["3.x", ["==3.*"]],
    ["==3.9.*", ["==3.9.*"]],
    ["!=3.9.*", ["!=3.9.*"]],
    ["<>3.9.*", ["!=3.9.*"]],
    ["==3.9", ["==3.9"]],
    [">3.8 <=3.12", [">3.8,<=3.12"]],
    ["", null],
    ["^2.7 ||", null],
    [">=3.*", null],
    ["^banana", null],
    ["===3.9", null],
  ];
  for (const [constraint, expected] of extra) {
    it(`${JSON.stringify(constraint)} → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(poetryConstraintToPep440(constraint), expected);
    });
  }
});

describe("target Python: minors of a specifier", () => {
  it("knows the released minors in ascending order", () => {
    assert.equal(knownPythonMinors[0], "2.7");
    assert.ok(knownPythonMinors.includes("3.15"));
    const numeric = knownPythonMinors.map((minor) => minor.split(".").map(Number));
    for (let i = 1; i < numeric.length; i++) {
      const [major = 0, minor = 0] = numeric[i] ?? [];
      const [previousMajor = 0, previousMinor = 0] = numeric[i - 1] ?? [];
      assert.ok(major > previousMajor || (major === previousMajor && minor > previousMinor), knownPythonMinors[i]);
    }
  });

  const cases: readonly (readonly [string, string[]])[] = [
    [">=3.8", ["3.8", "3.15"]],
    [">=3.10", ["3.10", "3.15"]],
    [">=3.8.1", ["3.8", "3.15"]],
    [">3.8", ["3.8", "3.15"]],
    ["<3.8", ["2.7", "3.7"]],
    ["<=3.8", ["2.7", "3.8"]],
    ["<3.8.1", ["2.7", "3.8"]],
    [">=3.8,<3.13", ["3.8", "3.12"]],
    [">=3.8,<4", ["3.8", "3.15"]],
    ["==3.11.*", ["3.11"]],
    ["==3.11.6", ["3.11"]],
    ["==3.11", ["3.11"]],
    ["~=3.9", ["3.9", "3.15"]],
    ["~=3.9.2", ["3.9"]],
    [">=2.7,!=3.0.*,!=3.1.*,!=3.2.*,!=3.3.*,!=3.4.*", ["2.7", "3.15"]],
    [">=3.9,!=3.9.*,<3.11", ["3.10"]],
    [" >= 3.9 , < 3.11 ", ["3.9", "3.10"]],
    [">=4", []],
    ["<2", []],
    ["", []],
    ["3.8", []],
    [">=3.6.*", []],
    [">=3.8 <3.13", []],
  ];
  for (const [spec, expected] of cases) {
    it(`${JSON.stringify(spec)} → ${JSON.stringify(expected)}`, () =>
      assert.deepEqual(minorsForSpecifier(spec), expected));
  }
});

/** Sources in one directory (no paths), in the caller's priority order. */
const file = (name: string, text: string, filePath?: string): TargetPythonSource =>
  filePath === undefined ? { name, text } : { name, text, path: filePath };

describe("target Python: detection", () => {
  /** One source per priority step, each naming a different version, highest priority first. */
  const byPriority: readonly (readonly [TargetPythonSource, string, string[], string])[] = [
    [file("pyvenv.cfg", "home = /usr/bin\nversion = 3.11.4\n"), "pyvenv.cfg", ["3.11"], "3.11.4"],
    [file(".python-version", "3.12.1\n3.9\n"), ".python-version", ["3.12"], "3.12.1"],
    [file("runtime.txt", "python-3.10.4\n"), "runtime.txt", ["3.10"], "python-3.10.4"],
    [
      file(
        "pyproject.toml",
        '[project]\nname = "x"\nrequires-python = ">=3.8"\n\n[tool.poetry.dependencies]\npython = "^3.6"\n',
      ),
      "pyproject.toml requires-python",
      ["3.8", "3.15"],
      ">=3.8",
    ],
    [file("Pipfile", '[requires]\npython_version = "3.7"\n'), "Pipfile [requires]", ["3.7"], "3.7"],
    [
      file("setup.cfg", "[options]\npython_requires = >=3.6, <3.9\n"),
      "setup.cfg python_requires",
      ["3.6", "3.8"],
      ">=3.6, <3.9",
    ],
    [
      file("uv.lock", 'version = 1\nrequires-python = ">=3.13"\n\n[[package]]\nname = "a"\n'),
      "uv.lock requires-python",
      ["3.13", "3.15"],
      ">=3.13",
    ],
    [
      file("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.5"\n'),
      "pyproject.toml [tool.poetry.dependencies] python",
      ["3.5", "3.15"],
      "^3.5",
    ],
  ];

  for (const [index, [, source, versions, detail]] of byPriority.entries()) {
    it(`with the higher-priority files gone, ${source} decides`, () => {
      const sources = byPriority.slice(index).map(([s]) => s);
      assert.deepEqual(detectTargetPython(sources, []), { versions, source, detail });
    });
  }

  it("the setting wins over every file; X.Y.Z is read as X.Y and the result is sorted", () => {
    const sources = byPriority.map(([s]) => s);
    assert.deepEqual(detectTargetPython(sources, ["3.10", "3.8.10", "3.9"]), {
      versions: ["3.8", "3.9", "3.10"],
      source: "pinsight.pythonVersion",
      detail: "3.10, 3.8.10, 3.9",
    });
  });

  it("a setting with no valid version leaves the decision to the files", () => {
    const found = detectTargetPython([file("runtime.txt", "python-3.10.4")], ["latest", ""]);
    assert.equal(found?.source, "runtime.txt");
  });

  it("an empty setting and no sources give null", () => {
    assert.equal(detectTargetPython([], []), null);
  });

  it("reads virtualenv's version_info and labels the environment from the path", () => {
    const found = detectTargetPython(
      [file("pyvenv.cfg", "version_info = 3.11.4.final.0\n", "/w/p/venv/pyvenv.cfg")],
      [],
    );
    assert.deepEqual(found, { versions: ["3.11"], source: "venv/pyvenv.cfg", detail: "3.11.4" });
    assert.equal(
      detectTargetPython([file("pyvenv.cfg", "version = 3.12.0\n", "/w/.venv/pyvenv.cfg")], [])?.source,
      ".venv/pyvenv.cfg",
    );
  });

  it("sources that say nothing usable are passed over", () => {
    const sources = [
      file("pyvenv.cfg", "home = /usr/bin\n"),
      file(".python-version", "system\n3.11\n"),
      file("runtime.txt", "Python-3.11.6"),
      file("pyproject.toml", '[project]\nname = "x"\nrequires-python = "3.8"\n'),
      file("Pipfile", "[requires]\npython_version = 3.10\n"),
      file("setup.cfg", "[options]\npython_requires = >=3.8 # inline comments are part of the value\n"),
      file("uv.lock", 'version = 1\nrequires-python = ">=4"\n'),
      file("pyproject.toml", '[tool.poetry.dependencies]\npython = "*"\n'),
      file("notes.txt", "3.12"),
    ];
    assert.equal(detectTargetPython(sources, []), null);
  });

  it("the first request line of .python-version decides, even when it names no version", () => {
    assert.equal(detectTargetPython([file(".python-version", "system\n3.11\n")], []), null);
    assert.deepEqual(detectTargetPython([file(".python-version", "# pinned\n>=3.12,<3.14\n")], []), {
      versions: ["3.12", "3.13"],
      source: ".python-version",
      detail: ">=3.12,<3.14",
    });
  });

  it("malformed TOML is skipped, not thrown", () => {
    const sources = [
      file("pyproject.toml", '[project\nrequires-python = ">=3.8"\n'),
      file("Pipfile", "[requires\n"),
      file("setup.cfg", "[options]\npython_requires = >=3.9\n"),
      file("uv.lock", "requires-python = = 1\n"),
    ];
    assert.equal(detectTargetPython(sources, [])?.source, "setup.cfg python_requires");
    assert.equal(detectTargetPython(sources.slice(3), []), null);
  });

  it("tolerates a byte-order mark in TOML", () => {
    const found = detectTargetPython([file("pyproject.toml", '\uFEFF[project]\nrequires-python = ">=3.9"\n')], []);
    assert.deepEqual(found?.versions, ["3.9", "3.15"]);
  });

  it("Pipfile: python_full_version is preferred, non-strings are ignored", () => {
    const both = '[requires]\npython_version = "3.9"\npython_full_version = "3.9.6"\n';
    assert.deepEqual(detectTargetPython([file("Pipfile", both)], []), {
      versions: ["3.9"],
      source: "Pipfile [requires]",
      detail: "3.9.6",
    });
    const fallback = '[requires]\npython_full_version = 3.9\npython_version = "3.10"\n';
    assert.deepEqual(detectTargetPython([file("Pipfile", fallback)], [])?.versions, ["3.10"]);
  });

  it("setup.cfg: continuation lines, ':' delimiters, comments, the dashed key, and only [options]", () => {
    const text = [
      "[metadata]",
      "python_requires = >=2.7",
      "; a comment",
      "[options]",
      "# another comment",
      "packages = find:",
      "python_requires =",
      "    >=3.7,",
      "",
      "    <3.12",
      "zip_safe: false",
    ].join("\n");
    assert.deepEqual(detectTargetPython([file("setup.cfg", text)], []), {
      versions: ["3.7", "3.11"],
      source: "setup.cfg python_requires",
      detail: ">=3.7,\n<3.12",
    });
    const dashed = "[options]\r\npython-requires: >=3.10\r\n";
    assert.deepEqual(detectTargetPython([file("setup.cfg", dashed)], [])?.versions, ["3.10", "3.15"]);
    const wrongCase = "[Options]\npython_requires = >=3.10\n";
    assert.equal(detectTargetPython([file("setup.cfg", wrongCase)], []), null);
  });

  it("uv.lock: reads the top-level requires-python only", () => {
    const lock = [
      "version = 1",
      "revision = 2",
      'requires-python = ">=3.10, <3.13"',
      "resolution-markers = [",
      "    \"python_full_version >= '3.12'\",",
      "    \"python_full_version < '3.12'\",",
      "]",
      "",
      "[[package]]",
      'name = "a"',
      'requires-python = ">=3.6"',
      "",
    ].join("\n");
    assert.deepEqual(detectTargetPython([file("uv.lock", lock)], [])?.versions, ["3.10", "3.12"]);
    const nested = 'matrix = [\n[1, 2],\n]\nrequires-python = ">=3.11"\n[[package]]\nname = "a"\n';
    assert.deepEqual(detectTargetPython([file("uv.lock", nested)], [])?.versions, ["3.11", "3.15"]);
    const inTable = '[[package]]\nname = "a"\nrequires-python = ">=3.11"\n';
    assert.equal(detectTargetPython([file("uv.lock", inTable)], []), null);
  });

  it("Poetry: the lowest and highest minor over a union", () => {
    const pyproject = '[tool.poetry.dependencies]\npython = "^2.7 || ^3.6"\n';
    assert.deepEqual(detectTargetPython([file("pyproject.toml", pyproject)], []), {
      versions: ["2.7", "3.15"],
      source: "pyproject.toml [tool.poetry.dependencies] python",
      detail: "^2.7 || ^3.6",
    });
    const narrow = '[tool.poetry.dependencies]\npython = ">=3.9,<3.9.5 || ~3.11"\n';
    assert.deepEqual(detectTargetPython([file("pyproject.toml", narrow)], [])?.versions, ["3.9", "3.11"]);
  });

  it("Poetry ranks below Pipfile, setup.cfg and uv.lock of the same directory", () => {
    const sources = [
      file("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.8"\n', "/w/pyproject.toml"),
      file("setup.cfg", "[options]\npython_requires = >=3.9\n", "/w/setup.cfg"),
    ];
    assert.equal(detectTargetPython(sources, [])?.source, "setup.cfg python_requires");
  });

  it("the nearest directory that says anything decides (paths given)", () => {
    const sources = [
      file("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.8"\n', "/w/app/pyproject.toml"),
      file("uv.lock", 'requires-python = ">=3.12"\n', "/w/uv.lock"),
    ];
    assert.equal(detectTargetPython(sources, [])?.source, "pyproject.toml [tool.poetry.dependencies] python");
    const venvs = [
      file("pyvenv.cfg", "home = /x\n", "C:\\w\\app\\.venv\\pyvenv.cfg"),
      file("pyvenv.cfg", "version = 3.9.1\n", "C:\\w\\app\\venv\\pyvenv.cfg"),
      file(".python-version", "3.12\n", "C:\\w\\app\\.python-version"),
    ];
    assert.deepEqual(detectTargetPython(venvs, []), { versions: ["3.9"], source: "venv/pyvenv.cfg", detail: "3.9.1" });
  });

  it("the nearest directory that says anything decides (no paths: a level ends where the order restarts)", () => {
    const sources = [
      file("setup.cfg", "[options]\npython_requires = >=3.9\n"),
      file(".python-version", "3.12\n"),
      file("pyproject.toml", '[project]\nrequires-python = ">=3.8"\n'),
    ];
    assert.equal(detectTargetPython(sources, [])?.source, "setup.cfg python_requires");
    const repeated = [
      file("setup.cfg", "[metadata]\nname = x\n"),
      file("setup.cfg", "[options]\npython_requires = >=3.9\n"),
    ];
    assert.equal(detectTargetPython(repeated, [])?.detail, ">=3.9");
  });
});

describe("target Python: reading the files", () => {
  function write(file: string, text: string | Buffer): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }

  it("reads each directory's files in priority order, nearest first, up to the workspace folder", async () => {
    const root = tempDir("pinsight-target-");
    const workspace = path.join(root, "ws");
    const project = path.join(workspace, "project");
    const documentDir = path.join(project, "requirements");
    write(path.join(root, ".python-version"), "3.6\n"); // Above the workspace folder: not read.
    write(path.join(workspace, "pyproject.toml"), '[project]\nrequires-python = ">=3.8"\n');
    write(path.join(workspace, "runtime.txt"), "python-3.10.1\n");
    write(path.join(project, "uv.lock"), 'requires-python = ">=3.11"\n');
    write(path.join(project, "venv", "pyvenv.cfg"), "version = 3.12.2\n");
    write(path.join(project, ".venv", "pyvenv.cfg"), "version_info = 3.13.0.final.0\n");
    write(path.join(project, "Pipfile"), '[requires]\npython_version = "3.9"\n');
    fs.mkdirSync(path.join(project, "setup.cfg")); // A directory, not a file: skipped.
    write(path.join(documentDir, ".python-version"), "# nothing here\n");

    const sources = await readTargetPythonSources(documentDir, workspace);
    assert.deepEqual(
      sources.map((s) => [s.name, path.relative(root, s.path)]),
      [
        [".python-version", path.join("ws", "project", "requirements", ".python-version")],
        ["pyvenv.cfg", path.join("ws", "project", ".venv", "pyvenv.cfg")],
        ["pyvenv.cfg", path.join("ws", "project", "venv", "pyvenv.cfg")],
        ["Pipfile", path.join("ws", "project", "Pipfile")],
        ["uv.lock", path.join("ws", "project", "uv.lock")],
        ["runtime.txt", path.join("ws", "runtime.txt")],
        ["pyproject.toml", path.join("ws", "pyproject.toml")],
      ],
    );
    assert.equal(sources[3]?.text, '[requires]\npython_version = "3.9"\n');
    assert.deepEqual(detectTargetPython(sources, []), {
      versions: ["3.13"],
      source: ".venv/pyvenv.cfg",
      detail: "3.13.0",
    });
  });

  it("without a workspace folder, reads the document's directory and three parents", async () => {
    const root = tempDir("pinsight-target-");
    const documentDir = path.join(root, "l0", "l1", "l2", "l3");
    fs.mkdirSync(documentDir, { recursive: true });
    write(path.join(root, "l0", "runtime.txt"), "python-3.10.1\n");
    write(path.join(root, "runtime.txt"), "python-3.11.1\n");
    const sources = await readTargetPythonSources(documentDir, null);
    assert.deepEqual(
      sources.map((s) => s.path),
      [path.join(root, "l0", "runtime.txt")],
    );
    // A workspace folder that does not contain the document is treated like no workspace folder.
    const outside = await readTargetPythonSources(documentDir, path.join(root, "elsewhere"));
    assert.deepEqual(
      outside.map((s) => s.path),
      [path.join(root, "l0", "runtime.txt")],
    );
  });

  it("the document's directory itself may be the workspace folder", async () => {
    const root = tempDir("pinsight-target-");
    write(path.join(root, "setup.cfg"), "[options]\npython_requires = >=3.9\n");
    const sources = await readTargetPythonSources(root, root);
    assert.deepEqual(
      sources.map((s) => s.name),
      ["setup.cfg"],
    );
  });

  it("reads at most 1 MiB of a file, cut back to a whole line", async () => {
    const root = tempDir("pinsight-target-");
    const body = `version = 1\nrequires-python = ">=3.10"\n\n${'[[package]]\nname = "a"\n'.repeat(80_000)}`;
    assert.ok(Buffer.byteLength(body) > 1024 * 1024);
    write(path.join(root, "uv.lock"), body);
    const sources = await readTargetPythonSources(root, root);
    const text = sources[0]?.text ?? "";
    assert.ok(text.length <= 1024 * 1024 && text.length > 1000);
    assert.ok(text.endsWith("\n"));
    assert.deepEqual(detectTargetPython(sources, [])?.versions, ["3.10", "3.15"]);
  });

  it("a missing directory gives no sources", async () => {
    const root = tempDir("pinsight-target-");
    assert.deepEqual(await readTargetPythonSources(path.join(root, "missing"), root), []);
  });
});

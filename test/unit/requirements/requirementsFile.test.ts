import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { logicalLines } from "../../../server/src/core/parsing/logicalLines";
import {
  parseRequirementsBytes,
  parseRequirementsText,
  parseRequirementsTree,
  splitArgsOptions,
} from "../../../server/src/core/parsing/requirementsFile";
import type {
  IncludeEntry,
  OptionEntry,
  ParsedRequirementsFile,
  RequirementEntry,
} from "../../../server/src/core/parsing/requirementsModel";
import { shlexSplit } from "../../../server/src/core/parsing/shlex";
import { marked, memoryReader } from "../support/fixtures";

const vectors = JSON.parse(
  fs.readFileSync(path.resolve(__dirname, "../../fixtures/vectors/pip_requirements_file.json"), "utf8"),
) as {
  preprocess_cases: {
    name: string;
    content: string;
    env: Record<string, string>;
    expected: { lineno: number; line: string; args: string; options: string; options_shlex: string[] }[];
  }[];
  encoding_cases: { bytes_hex?: string; decoded?: string; decoded_first_req?: string }[];
};

const requirements = (file: ParsedRequirementsFile): RequirementEntry[] =>
  file.entries.filter((e): e is RequirementEntry => e.kind === "requirement");
const optionEntries = (file: ParsedRequirementsFile): OptionEntry[] =>
  file.entries.filter((e): e is OptionEntry => e.kind === "option");
const only = (text: string): RequirementEntry => {
  const file = parseRequirementsText(text);
  assert.deepEqual(file.problems, [], JSON.stringify(file.problems));
  const [entry] = requirements(file);
  assert.ok(entry, text);
  return entry;
};
const problemsOf = (text: string): string[] =>
  parseRequirementsText(text).problems.map((p) => `${p.code}: ${p.message}`);

describe("requirements file: pip's preprocessing (vectors)", () => {
  for (const c of vectors.preprocess_cases) {
    it(c.name, () => {
      const lines = logicalLines(c.content, c.env);
      const got = lines.map((line) => {
        const text = line.content.text;
        const { argsEnd, optionsStart } = splitArgsOptions(text);
        const options = text.slice(optionsStart);
        const words = shlexSplit(options);
        return {
          lineno: line.pipLine,
          line: text,
          args: text.slice(0, argsEnd),
          options,
          options_shlex: words.ok ? words.words.map((w) => w.value) : ["<error>"],
        };
      });
      assert.deepEqual(got, c.expected);
    });
  }
});

describe("requirements file: spans map back through joins and expansions", () => {
  it("locates tokens on continuation lines", () => {
    const { text, spans } = marked("⟦foo⟧\\\n⟦==1.0⟧ \\\n    ⟦--hash=sha256:" + "a".repeat(64) + "⟧\n");
    const entry = only(text);
    assert.deepEqual([entry.name?.span, entry.specifier?.span, entry.hashes[0]?.span], spans);
    assert.equal(entry.text, `foo==1.0     --hash=sha256:${"a".repeat(64)}`);
  });

  it("maps a token inside an expanded ${VAR} to the whole variable", () => {
    const { text, spans } = marked("pkg @ ⟦https://${HOST}/pkg.zip⟧\n");
    const file = parseRequirementsText(text, { env: { HOST: "example.com" } });
    const [entry] = requirements(file);
    assert.equal(entry?.url?.value, "https://example.com/pkg.zip");
    assert.deepEqual(entry?.url?.span, spans[0]);
  });

  it("keeps the comment and where a pin would go", () => {
    const { text, spans } = marked("Django⟦⟧[bcrypt] ; python_version < '3'  ⟦# pinned later⟧\n");
    const entry = only(text.replace("Django[bcrypt]", "Django[bcrypt]"));
    assert.equal(entry.comment?.value, "# pinned later");
    assert.deepEqual(entry.comment?.span, spans[1]);
    assert.equal(entry.insertSpecifierAt, text.indexOf("]") + 1);
  });
});

describe("requirements file: options (SPECS 1.2, 1.5)", () => {
  const valuesOf = (text: string, option: string): string[] =>
    optionEntries(parseRequirementsText(text))
      .filter((o) => o.option === option)
      .flatMap((o) => o.values.map((v) => v.value));

  it("reads every spelling of --index-url", () => {
    for (const line of [
      "-i url",
      "-i 'url'",
      "--index-url=url",
      "--index-url url",
      "--index-url='url'",
      "--pypi-url url",
      "--index url",
    ]) {
      assert.deepEqual(valuesOf(line, "index-url"), ["url"], line);
    }
  });

  it("accumulates extra indexes, trusted hosts and flags", () => {
    assert.deepEqual(valuesOf("--extra-index-url url1 \n--extra-index-url url2 \n", "extra-index-url"), [
      "url1",
      "url2",
    ]);
    assert.deepEqual(valuesOf("--extra-index-url url1 \\\n--extra-index-url url2", "extra-index-url"), [
      "url1",
      "url2",
    ]);
    assert.deepEqual(valuesOf("--trusted-host=host1 --trusted-host=host2:8080", "trusted-host"), [
      "host1",
      "host2:8080",
    ]);
    assert.deepEqual(
      optionEntries(parseRequirementsText("--pre\n--no-index\n")).map((o) => o.option),
      ["pre", "no-index"],
    );
    assert.deepEqual(valuesOf("--only-binary wilma --no-binary fred", "no-binary"), ["fred"]);
    assert.deepEqual(valuesOf("--all-releases pkg1,pkg2", "all-releases"), ["pkg1,pkg2"]);
  });

  it("rejects unknown options, bad choices and unsplittable options like pip", () => {
    assert.match(problemsOf("--bogus")[0] ?? "", /^syntax: .*no such option: --bogus/);
    assert.match(problemsOf("--use-feature=resolvelib")[0] ?? "", /invalid choice: 'resolvelib'/);
    assert.deepEqual(problemsOf("--use-feature=fast-deps"), []);
    assert.match(problemsOf("--'data")[0] ?? "", /Could not split options/);
    assert.match(problemsOf("--no-index=yes")[0] ?? "", /does not take a value/);
    assert.match(problemsOf("-i")[0] ?? "", /-i option requires 1 argument/);
  });

  it("validates --hash and --config-settings", () => {
    assert.match(problemsOf("pkg==1.0.0 --hash=somehash")[0] ?? "", /must be a hash name followed by a value/);
    assert.match(
      problemsOf("pkg==1.0.0 --hash=md5:abc")[0] ?? "",
      /Allowed hash algorithms for --hash are sha256, sha384, sha512\./,
    );
    assert.deepEqual(problemsOf("pkg==1.0.0 --hash=sha256:somehash"), []);
    const hashes = only("SomeProject --hash=sha256:A --hash=sha384:B --hash=sha256:C").hashes;
    assert.deepEqual(
      hashes.map((h) => `${h.algorithm}:${h.digest}`),
      ["sha256:A", "sha384:B", "sha256:C"],
    );
    assert.deepEqual(only('SomeProject --config-settings="yo3=yo4" --config-settings "yo1=yo2"').configSettings, {
      yo3: ["yo4"],
      yo1: ["yo2"],
    });
    assert.deepEqual(only("SomeProject -C k=v1 -C k=v2").configSettings, { k: ["v1", "v2"] });
    assert.match(problemsOf("SomeProject -C novalue")[0] ?? "", /must be of the form KEY=VAL/);
  });

  it("warns about a --hash with no requirement (a missing backslash)", () => {
    const { text, spans } = marked("pkg==1.0\n    ⟦--hash=sha256:abc⟧\n");
    const file = parseRequirementsText(text);
    assert.deepEqual(
      file.problems.map((p) => [p.code, p.span]),
      [["orphan-hash", spans[0]]],
    );
  });

  it("recognises hash-checking mode", () => {
    assert.equal(parseRequirementsText("a==1 --hash=sha256:abc\n").requiresHashes, true);
    assert.equal(parseRequirementsText("--require-hashes\na==1\n").requiresHashes, true);
    assert.equal(parseRequirementsText("a==1\n").requiresHashes, false);
  });
});

describe("requirements file: requirement forms (constructors.py)", () => {
  it("splits the marker at the first ';' for PEP 508 lines, so a ';' in a URL breaks", () => {
    assert.match(problemsOf("pkg @ https://h/a;b=1")[0] ?? "", /Invalid marker/);
    const ok = only('pkg @ https://h/a.zip ; python_version>"3"');
    assert.deepEqual(
      [ok.name?.value, ok.url?.value, ok.marker?.value, ok.form],
      ["pkg", "https://h/a.zip", 'python_version>"3"', "pep508-url"],
    );
  });

  it("splits bare URLs at '; ' only", () => {
    const withMarker = only('https://h/x.tar.gz#egg=foo; python_version>"3"');
    assert.deepEqual(
      [withMarker.name?.value, withMarker.url?.value, withMarker.marker?.value],
      ["foo", "https://h/x.tar.gz#egg=foo", 'python_version>"3"'],
    );
    assert.equal(only('https://h/x.tar.gz;python_version>"3"').url?.value, 'https://h/x.tar.gz;python_version>"3"');
  });

  it("names URLs by #egg= or the wheel file name, and leaves others unnamed", () => {
    assert.equal(only("https://example.com/foo.tar.gz").name, undefined);
    assert.equal(only("https://example.com/foo.tar.gz#egg=wat").name?.value, "wat");
    assert.match(problemsOf("https://h/x.tar.gz#egg=foo[bar]")[0] ?? "", /egg fragment/);
    const wheel = only("./downloads/numpy-1.9.2-cp34-none-win32.whl");
    assert.deepEqual([wheel.name?.value, wheel.specifier?.value, wheel.form], ["numpy", "==1.9.2", "path"]);
    const vcs = only("git+https://github.com/org/repo.git@v1.0#egg=repo&subdirectory=pkg");
    assert.deepEqual([vcs.name?.value, vcs.form], ["repo", "url"]);
  });

  it("treats path-looking lines as local paths, with [extras]", () => {
    const local = only("./proj[extra1,extra2]");
    assert.deepEqual(
      [local.form, local.url?.value, local.extras.map((e) => e.value)],
      ["path", "./proj", ["extra1", "extra2"]],
    );
  });

  it("gives pip's hint for '='", () => {
    assert.match(
      problemsOf("my-package=1.0")[0] ?? "",
      /Invalid requirement: 'my-package=1\.0': Expected semicolon \(after name with no version specifier\) or end\. Hint: = is not a valid operator\. Did you mean == \?/,
    );
    assert.match(problemsOf("req1 req2")[0] ?? "", /Invalid requirement/);
    assert.match(problemsOf("pkg\t--hash=sha256:abc")[0] ?? "", /Invalid requirement/);
  });

  it("parses editables: VCS with #egg=, name @ URL, local paths; rejects the rest", () => {
    const vcs = only("-e git+https://github.com/pypa/pip.git#egg=pip");
    assert.deepEqual([vcs.name?.value, vcs.editable], ["pip", true]);
    const direct = only("-e pip @ git+https://github.com/pypa/pip.git");
    assert.deepEqual(
      [direct.name?.value, direct.url?.value, direct.editable],
      ["pip", "git+https://github.com/pypa/pip.git", true],
    );
    assert.deepEqual(
      [only("-e .").form, only("--editable ./local/project[extra1]").extras.map((e) => e.value)],
      ["path", ["extra1"]],
    );
    assert.match(problemsOf("-e git+https://github.com/pypa/pip.git")[0] ?? "", /Could not detect requirement name/);
    assert.match(problemsOf("-e https://example.com/x.tar.gz")[0] ?? "", /not a valid editable requirement/);
    assert.deepEqual(only("-e ./proj --hash=sha256:abc").hashes, [], "pip drops --hash on editables");
  });

  it("ignores other options on a requirement line, as pip does", () => {
    const entry = only("pkg --index-url https://x/simple");
    assert.equal(entry.name?.value, "pkg");
  });
});

describe("requirements file: includes (SPECS 1.4)", () => {
  const files = {
    "/p/parent/req_file.txt": "-c reqs.txt\n-r sub/more.txt\n",
    "/p/parent/reqs.txt": "constrained<2\n-r nested.txt\n",
    "/p/parent/nested.txt": "deep==1\n",
    "/p/parent/sub/more.txt": "more==1\n",
  };

  it("follows -r/-c relative to the including file, propagating constraints", () => {
    const tree = parseRequirementsTree("/p/parent/req_file.txt", memoryReader(files));
    assert.deepEqual(
      tree.requirements.map((r) => [r.file, r.entry.name?.value, r.constraint, r.via.length]),
      [
        ["/p/parent/reqs.txt", "constrained", true, 1],
        ["/p/parent/nested.txt", "deep", true, 2],
        ["/p/parent/sub/more.txt", "more", false, 1],
      ],
    );
    assert.deepEqual(tree.includeProblems, []);
  });

  it("reports a cycle across directory levels on the closing line, and terminates", () => {
    const tree = parseRequirementsTree(
      "/p/root.txt",
      memoryReader({
        "/p/root.txt": "-r nest/level_1.txt\n",
        "/p/nest/level_1.txt": "-r nest/level_2.txt\n",
        "/p/nest/nest/level_2.txt": "-r ../../root.txt\n",
      }),
    );
    assert.deepEqual(
      tree.includeProblems.map((p) => [p.file, p.problem.code, p.problem.message]),
      [
        [
          "/p/nest/nest/level_2.txt",
          "include-cycle",
          "/p/root.txt recursively references itself in /p/nest/nest/level_2.txt",
        ],
      ],
    );
  });

  it("allows the same file twice when it is not a cycle (pip#13046)", () => {
    const tree = parseRequirementsTree(
      "/c.txt",
      memoryReader({ "/a.txt": "requests", "/b.txt": "-r a.txt", "/c.txt": "-r a.txt\n-r b.txt" }),
    );
    assert.deepEqual(
      tree.requirements.map((r) => r.entry.name?.value),
      ["requests", "requests"],
    );
  });

  it("reports a missing or unreadable include on its line", () => {
    const { text, spans } = marked("-r ⟦missing.txt⟧\n-c ⟦dir⟧\n");
    const reader = memoryReader({ "/p/requirements.txt": text });
    const tree = parseRequirementsTree("/p/requirements.txt", {
      ...reader,
      read: (file) => (file === "/p/dir" ? { kind: "not-a-file", reason: "it is a directory" } : reader.read(file)),
    });
    assert.deepEqual(
      tree.includeProblems.map((p) => [p.problem.code, p.problem.span]),
      [
        ["include-missing", spans[0]],
        ["include-missing", spans[1]],
      ],
    );
    assert.match(tree.includeProblems[0]?.problem.message ?? "", /^Could not open requirements file: \[Errno 2\]/);
    assert.match(tree.includeProblems[1]?.problem.message ?? "", /^Could not open constraint file: .*directory/);
  });

  it("reuses the parse of an included file while its stamp is unchanged", () => {
    const files: Record<string, string> = { "/p/r.txt": "-r base.txt\n", "/p/base.txt": "a==1\n" };
    let stamp = "1";
    let reads = 0;
    const base = memoryReader(files);
    const reader = {
      ...base,
      stamp: (file: string) => (file === "/p/base.txt" ? stamp : undefined),
      read: (file: string) => {
        reads++;
        return base.read(file);
      },
    };
    const cache = new Map();
    const first = parseRequirementsTree("/p/r.txt", reader, { cache });
    const second = parseRequirementsTree("/p/r.txt", reader, { cache });
    assert.equal(second.files["/p/base.txt"], first.files["/p/base.txt"]);
    assert.equal(reads, 3, "the root is read each time, the unchanged include once");
    files["/p/base.txt"] = "a==2\n";
    stamp = "2";
    const third = parseRequirementsTree("/p/r.txt", reader, { cache });
    assert.equal(third.requirements[0]?.entry.specifier?.value, "==2");
  });

  it("reads -rfile and --requirement=file", () => {
    const file = parseRequirementsText("-rbase.txt\n--requirement=other.txt\n--constraint c.txt\n");
    assert.deepEqual(
      file.entries.map((e) => [(e as IncludeEntry).target.value, (e as IncludeEntry).constraint]),
      [
        ["base.txt", false],
        ["other.txt", false],
        ["c.txt", true],
      ],
    );
  });
});

describe("requirements file: encodings", () => {
  it("honours BOMs and PEP 263 coding comments", () => {
    for (const c of vectors.encoding_cases) {
      if (c.bytes_hex === undefined) continue;
      const file = parseRequirementsBytes(Buffer.from(c.bytes_hex, "hex"));
      if (c.decoded !== undefined) assert.equal(file.text, c.decoded);
      if (c.decoded_first_req !== undefined) assert.equal(requirements(file)[0]?.text, c.decoded_first_req);
    }
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("requests==2.0\n", "utf16le")]);
    assert.equal(requirements(parseRequirementsBytes(utf16))[0]?.name?.value, "requests");
    const utf32 = Buffer.alloc(4 + 4 * 8);
    utf32.set([0xff, 0xfe, 0, 0]);
    [..."pkg==1.0"].forEach((c, i) => utf32.writeUInt32LE(c.charCodeAt(0), 4 + 4 * i));
    assert.equal(requirements(parseRequirementsBytes(utf32))[0]?.specifier?.value, "==1.0");
    const latin1 = Buffer.from("# -*- coding: latin-1 -*-\nDjango==1.4 # caf\xe9\n", "latin1");
    assert.equal(requirements(parseRequirementsBytes(latin1))[0]?.comment?.value, "# café");
  });

  it("warns about invalid UTF-8 and still parses", () => {
    const file = parseRequirementsBytes(Buffer.from([0x70, 0x6b, 0x67, 0x0a, 0xff, 0xfe, 0x41, 0x0a]));
    assert.equal(file.problems[0]?.code, "encoding");
    assert.equal(requirements(file)[0]?.name?.value, "pkg");
  });
});

describe("requirements file: hostile input never throws or hangs", () => {
  const cases: [string, () => string | Uint8Array][] = [
    ["garbage bytes", () => Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7919) % 256)],
    ["NUL bytes", () => "\u0000\u0000pkg\u0000==1\n\u0000"],
    ["a 10 MB file", () => "requests>=2.0 ; python_version > '3'  # c\n".repeat(250_000)],
    ["a 1 MB single line", () => "x".repeat(1_000_000)],
    ["a 1 MB line of options", () => "--hash=sha256:" + "a".repeat(1_000_000)],
    ["1 MB of backslash continuations", () => "a\\\n".repeat(300_000)],
    ["10,000 nested parentheses", () => `pkg; ${"(".repeat(10_000)}os_name == 'nt'${")".repeat(10_000)}`],
    ["unbalanced quotes", () => 'pkg --config-settings "a=b\n\'\n"\n'],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const input = make();
      const start = performance.now();
      const file = typeof input === "string" ? parseRequirementsText(input) : parseRequirementsBytes(input);
      const elapsed = performance.now() - start;
      // Generous: CI machines are shared and tests run unbundled; the benchmark tracks real speed.
      assert.ok(elapsed < 10_000, `${name} took ${elapsed} ms`);
      if (name === "a 10 MB file") assert.ok(file.problems.some((p) => p.code === "too-large"));
      for (const problem of file.problems) {
        assert.ok(
          problem.span.start >= 0 && problem.span.end <= file.text.length && problem.span.start <= problem.span.end,
        );
      }
    });
  }
});

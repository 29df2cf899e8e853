import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDistFilename, parseWheelFilename } from "../../../server/src/core/index/filenames";
import { readJsonApi } from "../../../server/src/core/index/jsonApi";
import type { ProjectPage } from "../../../server/src/core/index/releaseModel";
import { groupReleases, requiresPythonAllows, wheelSupportsPython } from "../../../server/src/core/index/releases";
import { readSimpleHtml } from "../../../server/src/core/index/simpleHtml";
import { readSimpleJson } from "../../../server/src/core/index/simpleJson";

// Recorded responses copied from shared/pypi-fixtures; see test/fixtures/pypi/SOURCES.tsv.
const fixtures = path.resolve(__dirname, "../../fixtures/pypi");
const read = (file: string) => fs.readFileSync(path.join(fixtures, file), "utf8");
const pageUrl = (name: string) => `https://pypi.org/simple/${name}/`;

function page(result: ReturnType<typeof readSimpleJson>): ProjectPage {
  assert.ok(result.ok, result.ok ? "" : result.error);
  return result.page;
}

describe("Simple API readers on recorded PyPI pages", () => {
  for (const name of ["numpy", "black", "pytest", "pytz", "snowballstemmer", "xo-gd"]) {
    it(`reads ${name} identically from its JSON and HTML pages`, () => {
      const json = page(readSimpleJson(read(`micropip/pypi_response/${name}_simple.json`), pageUrl(name), name));
      const html = page(readSimpleHtml(read(`micropip/pypi_response/${name}_simple.html`), pageUrl(name), name));
      assert.equal(json.format, "simple-json");
      assert.equal(html.format, "simple-html");
      assert.ok(json.files.length > 0);
      const key = (f: ProjectPage["files"][number]) =>
        JSON.stringify([
          f.filename,
          f.version,
          f.packagetype,
          f.requiresPython,
          f.yankedReason,
          f.sha256,
          f.coreMetadata.available,
        ]);
      assert.deepEqual(html.files.map(key).sort(), json.files.map(key).sort());
      assert.deepEqual(
        groupReleases(html).map((r) => [r.version, r.yanked]),
        groupReleases(json).map((r) => [r.version, r.yanked]),
      );
    });
  }

  it("gives numpy's releases newest first with PEP 700 facts", () => {
    const numpy = page(readSimpleJson(read("micropip/pypi_response/numpy_simple.json"), pageUrl("numpy"), "numpy"));
    assert.equal(numpy.files.length, 2210);
    const releases = groupReleases(numpy);
    const versions = releases.map((r) => r.version);
    assert.equal(versions[0], "1.25.1");
    assert.ok(versions.indexOf("1.25.0") < versions.indexOf("1.25.0rc1"), "a final release sorts above its candidates");
    assert.ok(versions.indexOf("1.10.0") < versions.indexOf("1.9.0"), "PEP 440 order, not string order");
    const latest = releases[0];
    assert.deepEqual(latest?.requiresPython, [">=3.9"]);
    assert.match(latest?.uploadTime ?? "", /^2023-07-08T/);
    assert.ok(numpy.files.every((f) => f.url.startsWith("https://files.pythonhosted.org/")));
  });

  it("reads black's yanked release with its reason", () => {
    const black = page(readSimpleJson(read("micropip/pypi_response/black_simple.json"), pageUrl("black"), "black"));
    const yanked = groupReleases(black).find((r) => r.version === "21.11b0");
    assert.equal(yanked?.yanked, true);
    assert.equal(yanked?.yankedReason, "Broken regex dependency. Use 21.11b1 instead.");
    assert.equal(groupReleases(black).find((r) => r.version === "21.11b1")?.yanked, false);
  });

  it("resolves relative URLs, decodes escaped requires-python and reads sha256 fragments", () => {
    const result = page(
      readSimpleHtml(
        read("micropip/pypi_response/relative-urls-test_simple.html"),
        "https://pypi.org/simple/relative-url-test/",
        "relative-url-test",
      ),
    );
    const first = result.files[0];
    assert.equal(first?.url, "https://pypi.org/packages/relative-url-test/1.0.0/relative_url_test-1.0.0.tar.gz");
    assert.equal(first?.requiresPython, ">=3.6");
    assert.equal(first?.sha256, "aed8c5ebf0320f526d1550f1754afa69ebc20855224fc5a02a3d74fababd9fa4");
    assert.equal(result.apiVersion, "1.1");
  });

  it("honours <base href>, valueless data-yanked and data-core-metadata", () => {
    const html = `<html><head><base href="https://files.example/root/"><meta name="pypi:repository-version" content="1.0"></head>
      <body><!-- <a href="commented-1.0.tar.gz">x</a> -->
      <a href="demo-1.0.tar.gz" data-yanked>demo-1.0.tar.gz</a>
      <A HREF='demo-2.0-py3-none-any.whl' DATA-CORE-METADATA="sha256=${"AB".repeat(32)}" data-requires-python="&gt;=3.8,&lt;4">w</A>
      <a href=demo-3.0.zip data-dist-info-metadata=true>unquoted</a>
      <script>var s = '<a href="script-9.0.tar.gz">';</script></body></html>`;
    const result = page(readSimpleHtml(html, "https://index.example/simple/demo/", "demo"));
    assert.deepEqual(
      result.files.map((f) => [f.url, f.yankedReason, f.requiresPython, f.coreMetadata]),
      [
        ["https://files.example/root/demo-1.0.tar.gz", "", null, { available: false }],
        [
          "https://files.example/root/demo-2.0-py3-none-any.whl",
          null,
          ">=3.8,<4",
          { available: true, sha256: "ab".repeat(32) },
        ],
        ["https://files.example/root/demo-3.0.zip", null, null, { available: true, sha256: null }],
      ],
    );
  });

  it("reads the pip test indexes: yanked reasons and invalid versions", () => {
    const yanked = page(
      readSimpleHtml(read("pip/indexes/yanked/simple/index.html"), "http://x/simple/simple/", "simple"),
    );
    assert.deepEqual(
      groupReleases(yanked).map((r) => [r.version, r.yanked, r.yankedReason]),
      [
        ["3.0", true, "test reason message"],
        ["2.0", false, null],
        ["1.0", false, null],
      ],
    );
  });

  it("reads legacy pypi.python.org pages with md5 fragments (no sha256)", () => {
    const celery = page(
      readSimpleHtml(read("pip-upgrader/celery.html"), "https://pypi.python.org/simple/celery/", "celery"),
    );
    assert.ok(celery.files.length > 50);
    assert.ok(celery.files.every((f) => f.sha256 === null));
    assert.ok(!celery.files.some((f) => f.url.includes("#")));
  });

  it("reads every recorded simple page without failing", () => {
    let pages = 0;
    for (const line of read("SOURCES.tsv").split("\n").slice(2)) {
      const [file, , , , , format = "", pkg = ""] = line.split("\t");
      if (!file || !/simple (HTML|JSON)/.test(format) || (file.endsWith(".json") === false && !file.endsWith(".html")))
        continue;
      const name = pkg.toLowerCase().replace(/[-_.]+/g, "-") || "x";
      const text = read(file);
      const result = file.endsWith(".json")
        ? readSimpleJson(text, pageUrl(name), name)
        : readSimpleHtml(text, pageUrl(name), name);
      if (file.endsWith("fake-pkg-micropip-test_simple.json")) {
        // micropip's hand-edited copy has a trailing comma: not JSON, and reported as such.
        assert.match(result.ok ? "" : result.error, /^invalid JSON/);
        continue;
      }
      assert.ok(result.ok, `${file}: ${result.ok ? "" : result.error}`);
      pages++;
    }
    assert.ok(pages >= 60, `read ${pages} pages`);
  });

  it("rejects what it cannot read, clearly, and never throws on garbage", () => {
    assert.deepEqual(readSimpleJson("{", "https://x/", "x").ok, false);
    assert.match((readSimpleJson("[]", "https://x/", "x") as { error: string }).error, /not an object/);
    assert.match(
      (readSimpleJson('{"meta":{"api-version":"2.0"},"files":[]}', "https://x/", "x") as { error: string }).error,
      /version 2\.0/,
    );
    const minor = page(
      readSimpleJson('{"meta":{"api-version":"1.9"},"files":[{"filename":"x-1.tar.gz"}]}', "https://x/", "x"),
    );
    assert.equal(minor.files.length, 0);
    assert.equal(minor.warnings.length, 2, "a newer minor version and a malformed entry are warnings");
    const garbage = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7919 + 13) % 256)).toString("latin1");
    assert.ok(readSimpleHtml(garbage, "https://x/", "x").ok);
    assert.equal(readSimpleJson(garbage, "https://x/", "x").ok, false);
  });

  it("scans a 5 MB pathological line in linear time", () => {
    for (const text of ["<a".repeat(2_500_000), `<a href="${"x".repeat(5_000_000)}`, `<a ${"b=".repeat(2_000_000)}>`]) {
      const start = performance.now();
      readSimpleHtml(text, "https://x/", "x");
      assert.ok(performance.now() - start < 2000, `took ${performance.now() - start} ms`);
    }
  });
});

describe("distribution file names", () => {
  it("reads wheel tags, build tags and escaped versions", () => {
    assert.deepEqual(
      parseWheelFilename("black-23.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")?.tags,
      {
        python: ["cp311"],
        abi: ["cp311"],
        platform: ["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
        build: null,
      },
    );
    const built = parseWheelFilename("pkg-1.0-1build-py2.py3-none-any.whl");
    assert.equal(built?.tags.build, "1build");
    assert.deepEqual(built?.tags.python, ["py2", "py3"]);
    assert.equal(parseWheelFilename("pkg-1.0_local-py3-none-any.whl")?.version, "1.0-local");
    assert.equal(parseWheelFilename("not-a-wheel.whl"), null);
  });

  it("splits source archives where the project name ends, as pip does", () => {
    assert.deepEqual(parseDistFilename("foo_bar-1.0.tar.gz", "foo-bar"), {
      packagetype: "sdist",
      version: "1.0",
      wheel: null,
    });
    assert.equal(parseDistFilename("django-rest-auth-0.9.1.tar.gz", "django-rest-auth")?.version, "0.9.1");
    assert.equal(parseDistFilename("Django-1.11.tar.gz", "django")?.version, "1.11");
    assert.equal(parseDistFilename("other-1.0.tar.gz", "foo"), null, "another project's file");
    assert.equal(parseDistFilename("foo-1.0-py2.7.egg", "foo")?.packagetype, "other");
    assert.equal(parseDistFilename("foo-1.0.tar.bz2", "foo")?.packagetype, "sdist");
    assert.equal(parseDistFilename("other-1.0-py3-none-any.whl", "foo"), null);
  });
});

describe("Python compatibility of files", () => {
  it("applies requires-python like pip, ignoring invalid values", () => {
    assert.equal(requiresPythonAllows(">=3.8", "3.8"), true);
    assert.equal(requiresPythonAllows(">=3.8", "3.7"), false);
    assert.equal(requiresPythonAllows("<3.13,>=3.9", "3.13"), false);
    assert.equal(requiresPythonAllows(">3.8", "3.8"), false, "3.8 means 3.8.0");
    assert.equal(requiresPythonAllows("==3.8.*", "3.8"), true);
    assert.equal(requiresPythonAllows(">=2.7, !=3.0.*, !=3.1.*", "3.1"), false);
    assert.equal(requiresPythonAllows("not a specifier", "2.7"), true, "invalid: ignored");
    assert.equal(requiresPythonAllows(">=3.6.", "2.7"), true, "invalid: ignored");
    assert.equal(requiresPythonAllows("", "2.7"), true);
    assert.equal(requiresPythonAllows(null, "2.7"), true);
  });

  it("matches wheel Python tags for a CPython of that version", () => {
    const tags = (python: string, abi = "none") => ({
      python: python.split("."),
      abi: abi.split("."),
      platform: ["any"],
      build: null,
    });
    assert.equal(wheelSupportsPython(tags("py3"), "3.12"), true);
    assert.equal(wheelSupportsPython(tags("py2"), "3.12"), false);
    assert.equal(wheelSupportsPython(tags("py2.py3"), "2.7"), true);
    assert.equal(wheelSupportsPython(tags("py38"), "3.12"), true);
    assert.equal(wheelSupportsPython(tags("py313"), "3.12"), false);
    assert.equal(wheelSupportsPython(tags("cp311", "cp311"), "3.11"), true);
    assert.equal(wheelSupportsPython(tags("cp311", "cp311"), "3.12"), false);
    assert.equal(wheelSupportsPython(tags("cp37", "cp37m"), "3.7"), true);
    assert.equal(wheelSupportsPython(tags("cp38", "abi3"), "3.12"), true);
    assert.equal(wheelSupportsPython(tags("cp38", "abi3"), "3.7"), false);
    assert.equal(wheelSupportsPython(tags("pp310", "pypy310_pp73"), "3.10"), false);
  });
});

describe("JSON API metadata", () => {
  it("reads summary, URLs, classifiers and requires_dist, never releases", () => {
    const result = readJsonApi(read("micropip/pypi_response/black_json.json"));
    assert.ok(result.ok);
    if (!result.ok) return;
    assert.equal(result.meta.name, "black");
    assert.match(result.meta.summary ?? "", /code formatter/i);
    assert.ok(result.meta.classifiers.length > 5);
    assert.ok(result.meta.projectUrls.length > 0);
    assert.ok(Array.isArray(result.meta.requiresDist));
    assert.equal(readJsonApi("[]").ok, false);
    assert.equal(readJsonApi('{"info": {"summary": 5, "classifiers": "x"}}').ok, true, "wrong types are dropped");
  });

  it("reads per-version documents of the django-scarface history", () => {
    const history = JSON.parse(read("pypi-data-warlockee/release_data/d/j/django-scarface.json")) as Record<
      string,
      unknown
    >;
    const v32 = readJsonApi(JSON.stringify(history["3.2"]));
    assert.ok(v32.ok);
    if (!v32.ok) return;
    assert.equal(v32.meta.version, "3.2");
    assert.equal(v32.meta.requiresPython, null, "3.2 declared no Requires-Python");
    assert.ok(!v32.meta.classifiers.some((c) => c.includes("2.7")));
  });
});

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDistMetadata } from "../../../server/src/core/python/distMetadata";
import { parsePyvenvCfg } from "../../../server/src/core/python/pyvenvCfg";
import { findPythonEnvironment, readInstalledDistributions } from "../../../server/src/node/venv";

/** Builds a throw-away project folder from a map of relative paths to contents. */
function project(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "pinsight-venv-"));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}

const metadata = (name: string, version: string): string =>
  `Metadata-Version: 2.1\r\nName: ${name}\r\nVersion: ${version}\r\nSummary: x\r\n\r\nName: NotThis\r\n`;

describe("pyvenv.cfg", () => {
  it("reads venv, virtualenv and uv variants and ignores garbage", () => {
    assert.deepEqual(parsePyvenvCfg("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n"), {
      home: "/usr/bin",
      version: "3.11.7",
      includeSystemSitePackages: false,
    });
    assert.equal(
      parsePyvenvCfg("home = /x\nimplementation = CPython\nversion_info = 3.12.3.final.0\n").version,
      "3.12.3",
    );
    assert.equal(parsePyvenvCfg("version_info = 3.12.3\nuv = 0.4.0\n").version, "3.12.3");
    assert.deepEqual(parsePyvenvCfg("\u0000\u0001garbage\n=\n==\n"), {});
  });
});

describe("distribution metadata", () => {
  it("reads Name and Version from the header block only", () => {
    assert.deepEqual(parseDistMetadata(metadata("zope.interface", "6.2")), { name: "zope.interface", version: "6.2" });
    assert.deepEqual(parseDistMetadata("Name: a\n Folded: x\nVersion: 1\n"), { name: "a", version: "1" });
    assert.equal(parseDistMetadata("Summary: no name\n\nName: late\nVersion: 1\n"), null);
    assert.equal(parseDistMetadata("\u00ff\u00fe garbage"), null);
  });
});

describe("virtual environment discovery", () => {
  it("prefers .venv, then venv, then env, each only with a pyvenv.cfg", async () => {
    const root = project({
      "venv/pyvenv.cfg": "version = 3.10.1\n",
      "env/pyvenv.cfg": "version = 3.9.0\n",
      ".venv/README": "",
    });
    assert.deepEqual(await findPythonEnvironment(root), {
      path: path.join(root, "venv"),
      source: "workspace",
      pythonVersion: "3.10.1",
    });
    assert.equal(await findPythonEnvironment(project({})), undefined);
  });

  it("takes the setting: relative, absolute, or the python executable", async () => {
    const root = project({ "envs/py311/pyvenv.cfg": "version = 3.11.2\n", "envs/py311/bin/python": "" });
    const expected = { path: path.join(root, "envs/py311"), source: "setting", pythonVersion: "3.11.2" };
    assert.deepEqual(await findPythonEnvironment(root, "envs/py311"), expected);
    assert.deepEqual(await findPythonEnvironment(root, path.join(root, "envs/py311")), expected);
    assert.deepEqual(await findPythonEnvironment(root, "envs/py311/bin/python"), expected);
    assert.equal(await findPythonEnvironment(root, "does/not/exist"), undefined);
  });

  it("reads dist-info and egg-info in POSIX and Windows layouts, skipping broken entries", async () => {
    const posix = project({
      ".venv/pyvenv.cfg": "version = 3.11.7\n",
      ".venv/lib/python3.11/site-packages/Django-4.2.11.dist-info/METADATA": metadata("Django", "4.2.11"),
      ".venv/lib/python3.11/site-packages/zope.interface-6.2.dist-info/METADATA": metadata("zope.interface", "6.2"),
      ".venv/lib/python3.11/site-packages/legacy-1.0-py3.11.egg-info/PKG-INFO": metadata("Legacy_Pkg", "1.0"),
      ".venv/lib/python3.11/site-packages/single-2.0.egg-info": metadata("single", "2.0"),
      ".venv/lib/python3.11/site-packages/broken-1.0.dist-info/METADATA": "\u0000garbage",
      ".venv/lib/python3.11/site-packages/nometadata-1.0.dist-info/RECORD": "",
    });
    const env = await findPythonEnvironment(posix);
    assert.ok(env);
    const installed = await readInstalledDistributions(env);
    assert.deepEqual([...installed.values()].map((d) => [d.normalizedName, d.version]).sort(), [
      ["django", "4.2.11"],
      ["legacy-pkg", "1.0"],
      ["single", "2.0"],
      ["zope-interface", "6.2"],
    ]);
    const windows = project({
      "venv/pyvenv.cfg": "version = 3.12.0\n",
      "venv/Lib/site-packages/requests-2.31.0.dist-info/METADATA": metadata("requests", "2.31.0"),
    });
    const winEnv = await findPythonEnvironment(windows);
    assert.ok(winEnv);
    assert.equal((await readInstalledDistributions(winEnv)).get("requests")?.version, "2.31.0");
  });
});

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  findPythonEnvironment,
  readInstalledDistributions,
  type InstalledDistribution,
  type PythonEnvironment,
} from "../../../server/src/node/venv";
import { tempDir } from "../../support/tempDirs";

/** Hand-written fake environments; see test/fixtures/venvs/SOURCES. */
const fixtures = path.resolve(__dirname, "../../fixtures/venvs");
const fixture = (...parts: string[]): string => path.join(fixtures, ...parts);

/** Builds a throw-away folder from a map of relative paths to contents (for cases git cannot hold). */
function scratch(files: Record<string, string>): string {
  const root = tempDir("pinsight-venv-");
  made.push(root);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  return root;
}
const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

const metadata = (name: string, version: string): string =>
  `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n\nName: NotThis\n`;

/** The installed map as sorted `[normalizedName, name, version]` rows. */
async function installed(env: PythonEnvironment | undefined): Promise<string[][]> {
  assert.ok(env, "no environment found");
  const map = await readInstalledDistributions(env);
  for (const [key, dist] of map) assert.equal(key, dist.normalizedName);
  return [...map.values()].map((d: InstalledDistribution) => [d.normalizedName, d.name, d.version]).sort();
}

const posixEnv = fixture("posix", ".venv");
const canSymlink = process.platform !== "win32";

describe("virtual environment discovery", () => {
  it("finds .venv with its pyvenv.cfg version", async () => {
    assert.deepEqual(await findPythonEnvironment(fixture("posix")), {
      path: posixEnv,
      source: "workspace",
      pythonVersion: "3.11.7",
    });
  });

  it("reads a uv pyvenv.cfg (version_info, implementation)", async () => {
    assert.deepEqual(await findPythonEnvironment(fixture("uv")), {
      path: fixture("uv", ".venv"),
      source: "workspace",
      pythonVersion: "3.12.3",
      implementation: "CPython",
    });
  });

  it("finds env/ (virtualenv with PyPy)", async () => {
    assert.deepEqual(await findPythonEnvironment(fixture("pypy")), {
      path: fixture("pypy", "env"),
      source: "workspace",
      pythonVersion: "3.10.14",
      implementation: "PyPy",
    });
  });

  it("finds venv/ in the Windows layout with a CRLF pyvenv.cfg", async () => {
    assert.deepEqual(await findPythonEnvironment(fixture("windows")), {
      path: fixture("windows", "venv"),
      source: "workspace",
      pythonVersion: "3.12.1",
    });
  });

  it("prefers .venv, then venv, then env, each only with a pyvenv.cfg", async () => {
    assert.equal((await findPythonEnvironment(fixture("order")))?.path, fixture("order", "venv"));
    const all = scratch({
      ".venv/pyvenv.cfg": "version = 3.12.0\n",
      "venv/pyvenv.cfg": "version = 3.11.0\n",
      "env/pyvenv.cfg": "version = 3.10.0\n",
    });
    assert.equal((await findPythonEnvironment(all))?.path, path.join(all, ".venv"));
    const envOnly = scratch({ "env/pyvenv.cfg": "", "venv/README": "" });
    assert.deepEqual(await findPythonEnvironment(envOnly), { path: path.join(envOnly, "env"), source: "workspace" });
  });

  it("skips a .venv file and a pyvenv.cfg directory", async () => {
    const root = scratch({ ".venv": "my-env-name\n", "venv/pyvenv.cfg/x": "", "env/pyvenv.cfg": "version = 3.9.0\n" });
    assert.equal((await findPythonEnvironment(root))?.path, path.join(root, "env"));
  });

  it("accepts a garbage pyvenv.cfg, without a version", async () => {
    assert.deepEqual(await findPythonEnvironment(fixture("broken")), {
      path: fixture("broken", ".venv"),
      source: "workspace",
    });
  });

  it("finds nothing in a folder without environments, or a folder that does not exist", async () => {
    assert.equal(await findPythonEnvironment(fixture("conda")), undefined);
    assert.equal(await findPythonEnvironment(scratch({})), undefined);
    assert.equal(await findPythonEnvironment(fixture("does-not-exist")), undefined);
  });
});

describe("pinsight.pythonEnvironment", () => {
  const expected: PythonEnvironment = { path: posixEnv, source: "setting", pythonVersion: "3.11.7" };

  it("takes a path relative to the folder", async () => {
    assert.deepEqual(await findPythonEnvironment(fixture("order"), "../posix/.venv"), expected);
    assert.deepEqual(await findPythonEnvironment(fixture("posix"), ".venv"), expected);
  });

  it("takes an absolute path", async () => {
    assert.deepEqual(await findPythonEnvironment(fixture("order"), posixEnv), expected);
    assert.deepEqual(await findPythonEnvironment("/elsewhere", `  ${posixEnv}  `), expected);
  });

  it("takes the python executable in bin/ or Scripts/", async () => {
    assert.deepEqual(await findPythonEnvironment(fixture("order"), "../posix/.venv/bin/python"), expected);
    assert.deepEqual(await findPythonEnvironment(fixture("order"), "../windows/venv/Scripts/python.exe"), {
      path: fixture("windows", "venv"),
      source: "setting",
      pythonVersion: "3.12.1",
    });
  });

  it("takes the bin/ directory or the pyvenv.cfg", async () => {
    assert.deepEqual(await findPythonEnvironment(fixture("posix"), ".venv/bin"), expected);
    assert.deepEqual(await findPythonEnvironment(fixture("posix"), ".venv/pyvenv.cfg"), expected);
  });

  it("takes a conda environment: no pyvenv.cfg, python.exe in the root", async () => {
    const conda: PythonEnvironment = { path: fixture("conda"), source: "setting" };
    assert.deepEqual(await findPythonEnvironment(fixtures, "conda"), conda);
    assert.deepEqual(await findPythonEnvironment(fixtures, "conda/python.exe"), conda);
  });

  it("expands ${workspaceFolder}, ${userHome} and ~", async () => {
    assert.deepEqual(await findPythonEnvironment(fixture("posix"), "${workspaceFolder}/.venv"), expected);
    const home = os.homedir();
    const fromHome = path.relative(home, posixEnv);
    if (path.isAbsolute(fromHome)) return; // Another drive: not expressible from home.
    assert.deepEqual(await findPythonEnvironment("/elsewhere", `~/${fromHome}`), expected);
    assert.deepEqual(await findPythonEnvironment("/elsewhere", `\${userHome}/${fromHome}`), expected);
  });

  it("is authoritative: a missing target finds nothing, even with a .venv in the folder", async () => {
    assert.equal(await findPythonEnvironment(fixture("posix"), "does/not/exist"), undefined);
    assert.equal(await findPythonEnvironment(fixture("posix"), "does/not/exist/bin/python"), undefined);
  });

  it("treats a blank setting as unset", async () => {
    assert.equal((await findPythonEnvironment(fixture("posix"), "   "))?.source, "workspace");
    assert.equal((await findPythonEnvironment(fixture("posix"), ""))?.source, "workspace");
  });

  it("never rejects on a strange setting", async () => {
    assert.equal(await findPythonEnvironment(fixture("posix"), "bad\u0000path"), undefined);
  });

  (canSymlink ? it : it.skip)("follows a dangling bin/python link (a venv from another machine)", async () => {
    const root = scratch({ "envs/a/pyvenv.cfg": "version = 3.13.1\n" });
    fs.mkdirSync(path.join(root, "envs/a/bin"));
    fs.symlinkSync("/nonexistent/python3.13", path.join(root, "envs/a/bin/python"));
    assert.deepEqual(await findPythonEnvironment(root, "envs/a/bin/python"), {
      path: path.join(root, "envs/a"),
      source: "setting",
      pythonVersion: "3.13.1",
    });
  });
});

describe("installed distributions", () => {
  it("reads dist-info and egg-info (directory and file) in the POSIX layout, keyed by normalised name", async () => {
    assert.deepEqual(await installed(await findPythonEnvironment(fixture("posix"))), [
      ["distutils-single", "distutils-single", "2.0"],
      ["django", "Django", "4.2.11"],
      ["legacy-pkg", "Legacy_Pkg", "1.0"],
      ["typing-extensions", "typing_extensions", "4.10.0"],
      ["windows-made", "windows-made", "1.0"],
      ["zope-interface", "zope.interface", "6.2"],
    ]);
  });

  it("reports the site-packages directory as the location", async () => {
    const env = await findPythonEnvironment(fixture("posix"));
    assert.ok(env);
    const django = (await readInstalledDistributions(env)).get("django");
    assert.equal(django?.location, path.join(posixEnv, "lib", "python3.11", "site-packages"));
  });

  it("ignores lib/pythonX.Y of other versions when pyvenv.cfg names one that exists", async () => {
    const env = await findPythonEnvironment(fixture("posix"));
    assert.ok(env);
    assert.equal((await readInstalledDistributions(env)).has("stale"), false);
    // Without a version every lib/python* is read, in sorted order.
    assert.deepEqual(
      (await installed({ path: posixEnv, source: "setting" })).map((row) => row[0]),
      ["distutils-single", "django", "legacy-pkg", "stale", "typing-extensions", "windows-made", "zope-interface"],
    );
  });

  it("reads a uv environment and a PyPy environment (lib/pypy3.10)", async () => {
    assert.deepEqual(await installed(await findPythonEnvironment(fixture("uv"))), [
      ["requests", "requests", "2.32.3"],
      ["urllib3", "urllib3", "2.2.3"],
    ]);
    assert.deepEqual(await installed(await findPythonEnvironment(fixture("pypy"))), [["cffi", "cffi", "1.17.1"]]);
  });

  it("reads the Windows layout (Lib/site-packages, CRLF metadata) and conda", async () => {
    assert.deepEqual(await installed(await findPythonEnvironment(fixture("windows"))), [
      ["pywin32", "pywin32", "306"],
      ["requests", "requests", "2.31.0"],
    ]);
    assert.deepEqual(await installed(await findPythonEnvironment(fixtures, "conda/python.exe")), [
      ["numpy", "numpy", "1.26.4"],
    ]);
  });

  it("skips garbage METADATA, a dist-info without METADATA, and every other broken entry", async () => {
    assert.deepEqual(await installed(await findPythonEnvironment(fixture("broken"))), [
      ["good-pkg", "Good_Pkg", "1.0"],
    ]);
  });

  it("is empty for an environment without site-packages or one that does not exist", async () => {
    assert.deepEqual(await installed({ path: fixture("order", "venv"), source: "workspace" }), []);
    assert.deepEqual(await installed({ path: fixture("does-not-exist"), source: "setting" }), []);
  });

  it("keeps the first of two entries for one project, deterministically", async () => {
    const root = scratch({
      "lib/python3.11/site-packages/Foo_Bar-2.0.dist-info/METADATA": metadata("Foo_Bar", "2.0"),
      "lib/python3.11/site-packages/foo.bar-1.0.dist-info/METADATA": metadata("foo.bar", "1.0"),
    });
    // Code-unit order: "F" sorts before "f".
    assert.deepEqual(await installed({ path: root, source: "setting" }), [["foo-bar", "Foo_Bar", "2.0"]]);
  });

  it("finds headers past the first 16 KB read", async () => {
    const root = scratch({
      "lib/python3.11/site-packages/late-1.0.dist-info/METADATA": `Summary: x\n${" y\n".repeat(10_000)}Name: late\nVersion: 1.0\n\n${"z".repeat(100_000)}`,
    });
    assert.deepEqual(await installed({ path: root, source: "setting" }), [["late", "late", "1.0"]]);
  });

  (canSymlink ? it : it.skip)("reads a site-packages reached twice (lib64 -> lib) once", async () => {
    const root = scratch({ "lib/python3.11/site-packages/a-1.dist-info/METADATA": metadata("a", "1") });
    fs.symlinkSync("lib", path.join(root, "lib64"));
    const map = await readInstalledDistributions({ path: root, source: "setting" });
    assert.deepEqual([...map.keys()], ["a"]);
    assert.equal(map.get("a")?.location, path.join(root, "lib", "python3.11", "site-packages"));
  });

  it("stops after about 20,000 directory entries", async function () {
    this.timeout(60_000);
    const root = scratch({});
    const sitePackages = path.join(root, "lib", "python3.11", "site-packages");
    fs.mkdirSync(sitePackages, { recursive: true });
    // 20,005 plain entries that sort before the one distribution, which is therefore never read.
    for (let i = 0; i < 20_005; i++) fs.writeFileSync(path.join(sitePackages, `a${String(i).padStart(5, "0")}.py`), "");
    fs.mkdirSync(path.join(sitePackages, "zz-1.0.dist-info"));
    fs.writeFileSync(path.join(sitePackages, "zz-1.0.dist-info", "METADATA"), metadata("zz", "1.0"));
    assert.deepEqual(await installed({ path: root, source: "setting" }), []);
  });
});

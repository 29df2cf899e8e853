import * as assert from "node:assert/strict";
import { parsePyvenvCfg, type PyvenvCfg } from "../../../server/src/core/python/pyvenvCfg";

/** Each row: what it shows, the pyvenv.cfg text, the expected result. */
const cases: readonly (readonly [string, string, PyvenvCfg])[] = [
  [
    "stdlib venv",
    "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.7\nexecutable = /usr/bin/python3.11\n",
    { home: "/usr/bin", includeSystemSitePackages: false, version: "3.11.7" },
  ],
  [
    "uv (version_info)",
    "home = /opt/cpython/bin\nimplementation = CPython\nuv = 0.5.11\nversion_info = 3.12.3\ninclude-system-site-packages = false\nprompt = x\n",
    { home: "/opt/cpython/bin", implementation: "CPython", version: "3.12.3", includeSystemSitePackages: false },
  ],
  ["early uv: major.minor only", "version_info = 3.12\n", { version: "3.12" }],
  [
    "virtualenv: release level and serial are dropped",
    "implementation = PyPy\nversion_info = 3.10.14.final.0\nvirtualenv = 20.26.6\n",
    { implementation: "PyPy", version: "3.10.14" },
  ],
  ["a candidate release keeps its release part", "version_info = 3.13.0.candidate.1\n", { version: "3.13.0" }],
  ["version wins over version_info", "version_info = 3.9.1\nversion = 3.9.2\n", { version: "3.9.2" }],
  ["a malformed version falls back to version_info", "version = wut\nversion_info = 3.8.0\n", { version: "3.8.0" }],
  ["malformed versions are absent", "version = wut\nversion_info = no-really-wut\n", {}],
  ["a lone major number is not a Python version", "version = 3\n", {}],
  ["a version needs a digit boundary", "version = 3.11.77777\n", {}],
  ["keys are case-insensitive", "HOME = /x\nVersion = 3.10.0\n", { home: "/x", version: "3.10.0" }],
  ["the last occurrence wins, as in site.py", "version = 3.10.0\nversion = 3.11.0\n", { version: "3.11.0" }],
  ["values split at the first '=' only", 'home = /a=b\ncommand = python -m venv --prompt="x" /p\n', { home: "/a=b" }],
  ["blanks around keys and values", "  version   =   3.12.1   \n\t home\t=\t/x \n", { version: "3.12.1", home: "/x" }],
  ["no blanks around '='", "version=3.12.1\n", { version: "3.12.1" }],
  ["CRLF", "home = C:\\Python312\r\nversion = 3.12.1\r\n", { home: "C:\\Python312", version: "3.12.1" }],
  ["bare CR", "home = /x\rversion = 3.12.1\r", { home: "/x", version: "3.12.1" }],
  ["a byte-order mark", "\uFEFFhome = /x\n", { home: "/x" }],
  ["no final line break", "version = 3.12.1", { version: "3.12.1" }],
  ["include-system-site-packages = true", "include-system-site-packages = true\n", { includeSystemSitePackages: true }],
  ["... in any case", "include-system-site-packages = TRUE\n", { includeSystemSitePackages: true }],
  ["... anything else is false", "include-system-site-packages = yes\n", { includeSystemSitePackages: false }],
  ["empty home and implementation are absent", "home =\nimplementation = \n", {}],
  ["the empty file", "", {}],
  ["garbage", "\u0000\u0001garbage\n=\n==\n= orphan\n[section]\n# comment = 1\n\uFFFD\uFFFD\n", {}],
];

describe("pyvenv.cfg", () => {
  for (const [what, text, expected] of cases) {
    it(what, () => assert.deepEqual(parsePyvenvCfg(text), expected));
  }

  it("skips over-long lines and stays fast on large garbage", () => {
    assert.deepEqual(parsePyvenvCfg(`version = 3.${"1".repeat(10_000)}\nhome = /x\n`), { home: "/x" });
    const started = Date.now();
    assert.deepEqual(parsePyvenvCfg("=".repeat(1_000_000) + "\n" + "a".repeat(1_000_000)), {});
    assert.ok(Date.now() - started < 1000);
  });
});

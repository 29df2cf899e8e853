import assert from "node:assert/strict";
import {
  computeIndexConfig,
  defaultIndexUrl,
  type IndexConfig,
  type IndexConfigInput,
  type IndexSettings,
} from "../../../server/src/core/index/indexConfig";
import { mergePipConfig, type PipConfigFile } from "../../../server/src/core/index/pipConfig";
import { parseRequirementsTree } from "../../../server/src/core/parsing/requirementsFile";
import { memoryReader } from "../support/fixtures";

const noSettings: IndexSettings = { url: null, urlScope: "user", extraUrls: [], extraUrlsScope: "user" };

interface Scenario {
  /** Requirements files by absolute path; the root is /w/requirements.txt. */
  files?: Record<string, string>;
  settings?: Partial<IndexSettings>;
  pipFiles?: PipConfigFile[];
  env?: Record<string, string>;
  trusted?: boolean;
  /** Whether the parser expands ${VAR} (the server's way); false hands raw values to computeIndexConfig. */
  parserExpands?: boolean;
}

function run(scenario: Scenario): IndexConfig {
  const env = scenario.env ?? {};
  const parserExpands = scenario.parserExpands ?? true;
  const tree = parseRequirementsTree(
    "/w/requirements.txt",
    memoryReader(scenario.files ?? { "/w/requirements.txt": "requests\n" }),
    parserExpands ? { env } : {},
  );
  const input: IndexConfigInput = {
    options: tree.options,
    settings: { ...noSettings, ...scenario.settings },
    pipConfig: mergePipConfig(scenario.pipFiles ?? [], env),
    env,
    trusted: scenario.trusted ?? true,
    requirementsExpanded: parserExpands,
    workspaceFolders: ["/w"],
  };
  return computeIndexConfig(input);
}

/** The indexes as "role url <- kind: detail" lines, which reads well in a failing diff. */
function summary(config: IndexConfig): string[] {
  return config.indexes.map(
    (index) => `${index.role} ${index.displayUrl} <- ${index.source.kind}: ${index.source.detail}`,
  );
}

function ignoredSummary(config: IndexConfig): string[] {
  return config.ignored.map((entry) => `${entry.displayUrl} <- ${entry.source.detail}: ${entry.reason}`);
}

const etcPipConf = (text: string): PipConfigFile => ({ path: "/etc/pip.conf", kind: "global", text });

describe("effective index configuration", () => {
  it("defaults to PyPI", () => {
    const config = run({});
    assert.deepEqual(summary(config), [`primary ${defaultIndexUrl} <- default: pip's default index`]);
    assert.equal(config.noIndex, false);
    assert.deepEqual(config.findLinks, []);
    assert.deepEqual(config.ignored, []);
  });

  describe("precedence of the primary index: requirements > setting > PIP_INDEX_URL > pip.conf > default", () => {
    const pipFiles = [etcPipConf("[global]\nindex-url = https://conf.example/simple/\n")];

    it("pip.conf beats the default", () => {
      assert.deepEqual(summary(run({ pipFiles })), [
        "primary https://conf.example/simple/ <- pip-config: /etc/pip.conf [global]",
      ]);
    });

    it("PIP_INDEX_URL beats pip.conf", () => {
      assert.deepEqual(summary(run({ pipFiles, env: { PIP_INDEX_URL: "https://env.example/simple/" } })), [
        "primary https://env.example/simple/ <- pip-env: PIP_INDEX_URL",
      ]);
    });

    it("an empty PIP_INDEX_URL is dropped, so pip.conf still applies", () => {
      assert.deepEqual(summary(run({ pipFiles, env: { PIP_INDEX_URL: "" } })), [
        "primary https://conf.example/simple/ <- pip-config: /etc/pip.conf [global]",
      ]);
    });

    it("the pinsight.index.url setting beats PIP_INDEX_URL, which is listed as overridden", () => {
      const config = run({
        pipFiles,
        env: { PIP_INDEX_URL: "https://env.example/simple/" },
        settings: { url: "https://setting.example/simple/" },
      });
      assert.deepEqual(summary(config), [
        "primary https://setting.example/simple/ <- setting: pinsight.index.url (user)",
      ]);
      assert.deepEqual(ignoredSummary(config), [
        "https://env.example/simple/ <- PIP_INDEX_URL: overridden by pinsight.index.url (user)",
      ]);
    });

    it("a requirements-file -i beats everything and replaces the list built so far", () => {
      const config = run({
        files: { "/w/requirements.txt": "-i https://req.example/simple/\nrequests\n" },
        settings: { url: "https://setting.example/simple/", extraUrls: ["https://setting-extra.example/"] },
        env: { PIP_EXTRA_INDEX_URL: "https://env-extra.example/" },
      });
      assert.deepEqual(summary(config), [
        "primary https://req.example/simple/ <- requirements: requirements.txt line 1",
      ]);
      assert.deepEqual(
        config.ignored.map((entry) => [entry.displayUrl, entry.reason]),
        [
          [
            "https://setting.example/simple/",
            "replaced by --index-url at requirements.txt line 1 (pip replaces the whole index list)",
          ],
          [
            "https://env-extra.example/",
            "replaced by --index-url at requirements.txt line 1 (pip replaces the whole index list)",
          ],
          [
            "https://setting-extra.example/",
            "replaced by --index-url at requirements.txt line 1 (pip replaces the whole index list)",
          ],
        ],
      );
    });

    it("[install] beats [global], even across files", () => {
      const config = run({
        pipFiles: [
          etcPipConf("[install]\nindex-url = https://install.example/\n"),
          {
            path: "/home/u/.config/pip/pip.conf",
            kind: "user",
            text: "[global]\nindex-url = https://global.example/\n",
          },
        ],
      });
      assert.deepEqual(summary(config), ["primary https://install.example/ <- pip-config: /etc/pip.conf [install]"]);
    });

    it("PIP_CONFIG_FILE=/dev/null disables the files but not the variables", () => {
      const config = run({ pipFiles, env: { PIP_CONFIG_FILE: "/dev/null" } });
      assert.deepEqual(summary(config), [`primary ${defaultIndexUrl} <- default: pip's default index`]);
    });
  });

  describe("the last -i in the tree wins; extra URLs accumulate", () => {
    it("an -i after the -r line beats the included file's -i", () => {
      const config = run({
        files: {
          "/w/requirements.txt": "-r base.txt\n-i https://root.example/\n",
          "/w/base.txt": "-i https://base.example/\n--extra-index-url https://base-extra.example/\n",
        },
      });
      assert.deepEqual(summary(config), ["primary https://root.example/ <- requirements: requirements.txt line 2"]);
    });

    it("an -i in an included file after the root's -i wins, and later extras are kept", () => {
      const config = run({
        files: {
          "/w/requirements.txt": "-i https://root.example/\n-r base.txt\n--extra-index-url https://late.example/\n",
          "/w/base.txt": "-i https://base.example/\n",
        },
      });
      assert.deepEqual(summary(config), [
        "primary https://base.example/ <- requirements: base.txt line 1",
        "extra https://late.example/ <- requirements: requirements.txt line 3",
      ]);
    });

    it("extra URLs come from every source in pip's order, duplicates (by redacted URL) once", () => {
      const config = run({
        files: {
          "/w/requirements.txt":
            "--extra-index-url https://req.example/\n--extra-index-url https://env.example/\nrequests\n",
        },
        env: { PIP_EXTRA_INDEX_URL: "https://env.example/\thttps://env2.example/\nhttps://env3.example/" },
        settings: { extraUrls: ["https://setting.example/"] },
      });
      assert.deepEqual(summary(config), [
        `primary ${defaultIndexUrl} <- default: pip's default index`,
        "extra https://env.example/ <- pip-env: PIP_EXTRA_INDEX_URL",
        "extra https://env2.example/ <- pip-env: PIP_EXTRA_INDEX_URL",
        "extra https://env3.example/ <- pip-env: PIP_EXTRA_INDEX_URL",
        "extra https://setting.example/ <- setting: pinsight.index.extraUrls (user)",
        "extra https://req.example/ <- requirements: requirements.txt line 1",
      ]);
    });

    it("multi-line extra-index-url in pip.conf gives one extra per line", () => {
      const config = run({
        pipFiles: [etcPipConf("[global]\nextra-index-url =\n    https://a.example/\n    https://b.example/\n")],
      });
      assert.deepEqual(
        config.indexes.map((index) => index.url),
        [defaultIndexUrl, "https://a.example/", "https://b.example/"],
      );
    });

    it("on one line pip applies --index-url before --extra-index-url, whatever the written order", () => {
      const config = run({
        files: { "/w/requirements.txt": "--extra-index-url https://y.example/ -i https://x.example/\n" },
      });
      assert.deepEqual(
        config.indexes.map((index) => `${index.role} ${index.url}`),
        ["primary https://x.example/", "extra https://y.example/"],
      );
    });
  });

  describe("--no-index and --find-links", () => {
    it("--no-index empties the list and makes later index options ignored", () => {
      const config = run({
        files: {
          "/w/requirements.txt": "-r base.txt\n-i https://after.example/\n-f ./wheels\n",
          "/w/base.txt": "--no-index\n",
        },
      });
      assert.equal(config.noIndex, true);
      assert.deepEqual(config.noIndexSource, { kind: "requirements", detail: "base.txt line 1" });
      assert.deepEqual(config.indexes, []);
      assert.deepEqual(ignoredSummary(config), [
        `${defaultIndexUrl} <- pip's default index: --no-index is set by base.txt line 1`,
        "https://after.example/ <- requirements.txt line 2: --no-index is set by base.txt line 1",
      ]);
      assert.deepEqual(config.findLinks, [
        { path: "./wheels", source: { kind: "requirements", detail: "requirements.txt line 3" } },
      ]);
    });

    it("PIP_NO_INDEX=yes applies; an empty PIP_NO_INDEX is not false", () => {
      assert.equal(run({ env: { PIP_NO_INDEX: "yes" } }).noIndex, true);
      assert.deepEqual(run({ env: { PIP_NO_INDEX: "yes" } }).noIndexSource, {
        kind: "pip-env",
        detail: "PIP_NO_INDEX",
      });
      const pipFiles = [etcPipConf("[global]\nno-index = true\n")];
      assert.equal(run({ pipFiles, env: { PIP_NO_INDEX: "" } }).noIndex, true);
      assert.equal(run({ pipFiles, env: { PIP_NO_INDEX: "off" } }).noIndex, false);
    });

    it("find-links: pip configuration first, then each line's first -f", () => {
      const config = run({
        files: { "/w/requirements.txt": "-f ./a -f ./b\n--find-links=https://links.example/\n" },
        env: { PIP_FIND_LINKS: "/opt/wheels /srv/wheels" },
      });
      assert.deepEqual(
        config.findLinks.map((link) => `${link.path} <- ${link.source.detail}`),
        [
          "/opt/wheels <- PIP_FIND_LINKS",
          "/srv/wheels <- PIP_FIND_LINKS",
          "./a <- requirements.txt line 1",
          "https://links.example/ <- requirements.txt line 2",
        ],
      );
      assert.deepEqual(ignoredSummary(config), [
        "./b <- requirements.txt line 1: pip uses only the first --find-links of a line",
      ]);
    });
  });

  describe("untrusted workspace", () => {
    const files = {
      "/w/requirements.txt":
        "-i https://evil.example/simple/\n--extra-index-url https://evil-extra.example/\n-f https://evil-links.example/\nrequests\n",
    };

    it("drops index options from requirements files, keeping user settings and the environment", () => {
      const config = run({
        files,
        trusted: false,
        settings: { extraUrls: ["https://user-extra.example/"], extraUrlsScope: "user" },
        env: { PIP_INDEX_URL: "https://env.example/" },
      });
      assert.deepEqual(summary(config), [
        "primary https://env.example/ <- pip-env: PIP_INDEX_URL",
        "extra https://user-extra.example/ <- setting: pinsight.index.extraUrls (user)",
      ]);
      assert.deepEqual(ignoredSummary(config), [
        "https://evil.example/simple/ <- requirements.txt line 1: the workspace is not trusted",
        "https://evil-extra.example/ <- requirements.txt line 2: the workspace is not trusted",
        "https://evil-links.example/ <- requirements.txt line 3: the workspace is not trusted",
      ]);
      assert.deepEqual(config.findLinks, []);
    });

    it("drops workspace-scoped settings", () => {
      const config = run({
        trusted: false,
        settings: {
          url: "https://ws.example/",
          urlScope: "workspace",
          extraUrls: ["https://ws-extra.example/"],
          extraUrlsScope: "workspace",
        },
      });
      assert.deepEqual(summary(config), [`primary ${defaultIndexUrl} <- default: pip's default index`]);
      assert.deepEqual(ignoredSummary(config), [
        "https://ws.example/ <- pinsight.index.url (workspace): the workspace is not trusted",
        "https://ws-extra.example/ <- pinsight.index.extraUrls (workspace): the workspace is not trusted",
      ]);
    });

    it("uses workspace-scoped settings when trusted", () => {
      const config = run({ settings: { url: "https://ws.example/", urlScope: "workspace" } });
      assert.deepEqual(summary(config), ["primary https://ws.example/ <- setting: pinsight.index.url (workspace)"]);
    });

    it("drops a pip.conf inside the workspace (a venv's site file) but not one outside", () => {
      const pipFiles: PipConfigFile[] = [
        { path: "/etc/pip.conf", kind: "global", text: "[global]\nextra-index-url = https://global.example/\n" },
        { path: "/w/.venv/pip.conf", kind: "site", text: "[global]\nindex-url = https://site.example/\n" },
      ];
      const untrusted = run({ pipFiles, trusted: false });
      assert.deepEqual(summary(untrusted), [
        `primary ${defaultIndexUrl} <- default: pip's default index`,
        "extra https://global.example/ <- pip-config: /etc/pip.conf [global]",
      ]);
      assert.deepEqual(ignoredSummary(untrusted), [
        "https://site.example/ <- /w/.venv/pip.conf [global]: the workspace is not trusted (pip configuration inside the workspace)",
      ]);
      assert.equal(run({ pipFiles }).indexes[0]?.url, "https://site.example/");
    });

    it("still honours --no-index from a requirements file, which only stops contacting indexes", () => {
      const config = run({ files: { "/w/requirements.txt": "--no-index\n" }, trusted: false });
      assert.equal(config.noIndex, true);
      assert.deepEqual(config.indexes, []);
    });
  });

  describe("${VAR} expansion", () => {
    const env = { TOKEN: "s3cr3t" };

    it("uses the parser's expansion of requirements-file values", () => {
      const config = run({ files: { "/w/requirements.txt": "-i https://${TOKEN}@req.example/simple/\n" }, env });
      assert.equal(config.indexes[0]?.url, "https://s3cr3t@req.example/simple/");
      assert.equal(config.indexes[0]?.displayUrl, "https://****@req.example/simple/");
    });

    it("expands raw requirements values itself when the parser did not", () => {
      const config = run({
        files: { "/w/requirements.txt": "--extra-index-url https://u:${TOKEN}@req.example/\n" },
        env,
        parserExpands: false,
      });
      assert.equal(config.indexes[1]?.url, "https://u:s3cr3t@req.example/");
    });

    it("ignores a URL whose variable is not set", () => {
      const config = run({ files: { "/w/requirements.txt": "-i https://${MISSING}@req.example/\n" }, env });
      assert.deepEqual(summary(config), [`primary ${defaultIndexUrl} <- default: pip's default index`]);
      assert.deepEqual(ignoredSummary(config), [
        "https://****@req.example/ <- requirements.txt line 1: it contains ${MISSING}: the variable is not set or is empty",
      ]);
    });

    it("expands variables in settings when trusted", () => {
      const config = run({ settings: { url: "https://__token__:${TOKEN}@pkgs.example/simple/" }, env });
      assert.equal(config.indexes[0]?.url, "https://__token__:s3cr3t@pkgs.example/simple/");
      assert.equal(config.indexes[0]?.displayUrl, "https://__token__:****@pkgs.example/simple/");
    });

    it("refuses to expand variables when untrusted, and ignores the URL", () => {
      const config = run({ settings: { url: "https://__token__:${TOKEN}@pkgs.example/simple/" }, env, trusted: false });
      assert.deepEqual(summary(config), [`primary ${defaultIndexUrl} <- default: pip's default index`]);
      assert.deepEqual(ignoredSummary(config), [
        "https://__token__:****@pkgs.example/simple/ <- pinsight.index.url (user): the workspace is not trusted, so ${TOKEN} is not expanded",
      ]);
    });

    it("does not expand variables in pip configuration, as pip does not", () => {
      const config = run({ env: { ...env, PIP_INDEX_URL: "https://${TOKEN}@pkgs.example/" } });
      assert.deepEqual(ignoredSummary(config), [
        "https://****@pkgs.example/ <- PIP_INDEX_URL: it contains ${TOKEN}: pip does not expand variables in its configuration or PIP_* variables",
      ]);
    });
  });

  it("ignores an index URL that is not a URL (a multi-line index-url)", () => {
    const config = run({ pipFiles: [etcPipConf("[global]\nindex-url = https://a.example/\n  https://b.example/\n")] });
    assert.equal(config.indexes[0]?.url, defaultIndexUrl);
    assert.match(config.ignored[0]?.reason ?? "", /not a valid URL/);
  });

  it("keeps credentials in url only: never in displayUrl, source details or reasons", () => {
    const secret = "hunter2-very-secret";
    const config = run({
      files: {
        "/w/requirements.txt": `-i https://alice:${secret}@a.example/simple/\n--extra-index-url https://${secret}@b.example/\n-i https://bob:${secret}@c.example/\n`,
      },
      env: { PIP_INDEX_URL: `https://carol:${secret}@d.example/` },
      settings: { extraUrls: [`https://dave:${secret}@e.example/`] },
    });
    assert.ok(config.indexes.some((index) => index.url.includes(secret)));
    const withoutUrls = JSON.stringify({
      ...config,
      indexes: config.indexes.map((index) => ({ ...index, url: undefined })),
    });
    assert.doesNotMatch(withoutUrls, new RegExp(secret));
    assert.match(withoutUrls, /alice:\*\*\*\*@a\.example/);
  });

  it("names requirements files with describeFile when given", () => {
    const tree = parseRequirementsTree(
      "/w/sub/requirements.txt",
      memoryReader({ "/w/sub/requirements.txt": "-i https://x.example/\n" }),
    );
    const config = computeIndexConfig({
      options: tree.options,
      settings: noSettings,
      pipConfig: null,
      env: {},
      trusted: true,
      describeFile: (file) => file.replace("/w/", ""),
    });
    assert.deepEqual(config.indexes[0]?.source, { kind: "requirements", detail: "sub/requirements.txt line 1" });
  });
});

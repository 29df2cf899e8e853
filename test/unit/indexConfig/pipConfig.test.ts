import assert from "node:assert/strict";
import {
  mergePipConfig,
  normalizePipOptionName,
  parseIni,
  pipStrtobool,
  pySplitWhitespace,
  type PipConfigFile,
} from "../../../server/src/core/index/pipConfig";

/**
 * `iniTable` was produced once by CPython 3.11.7's `configparser.RawConfigParser().read_string`
 * (`sections` is `[(section, parser.items(section))]`, `error` the exception class);
 * `mergeTable` by running pypa/pip@6d30920's own `create_command("install").parse_args([])` with
 * these files patched into `get_configuration_files` and this environment. pip's default index
 * is "https://pypi.org/simple" and `cert` comes back with `~` expanded (to /root there).
 */
type IniCase =
  | { name: string; text: string; sections: [string, [string, string][]][] }
  | { name: string; text: string; error: string };

const iniTable: readonly IniCase[] = [
  {
    name: "basic",
    text: "[global]\nindex-url = https://a/simple\n\n[install]\nindex_url: https://b/simple\n",
    sections: [
      ["global", [["index-url", "https://a/simple"]]],
      ["install", [["index_url", "https://b/simple"]]],
    ],
  },
  {
    name: "multiline",
    text: "[global]\nextra-index-url =\n    https://a/simple\n    https://b/simple\n\n    https://c/simple\n  # comment\n  https://d/simple\nother = 1\n",
    sections: [
      [
        "global",
        [
          ["extra-index-url", "\nhttps://a/simple\nhttps://b/simple\n\nhttps://c/simple\nhttps://d/simple"],
          ["other", "1"],
        ],
      ],
    ],
  },
  {
    name: "comments",
    text: "# top\n; top2\n[global]\n  # indented comment\nkey = value ; not a comment\nk2 = v # not a comment\n",
    sections: [
      [
        "global",
        [
          ["key", "value ; not a comment"],
          ["k2", "v # not a comment"],
        ],
      ],
    ],
  },
  {
    name: "default",
    text: "[DEFAULT]\ntimeout = 5\nindex-url = https://d/\n[global]\nindex-url = https://g/\n[install]\nno-index = yes\n",
    sections: [
      [
        "global",
        [
          ["timeout", "5"],
          ["index-url", "https://g/"],
        ],
      ],
      [
        "install",
        [
          ["timeout", "5"],
          ["index-url", "https://d/"],
          ["no-index", "yes"],
        ],
      ],
    ],
  },
  { name: "noheader", text: "index-url = x\n[global]\n", error: "MissingSectionHeaderError" },
  { name: "dupsection", text: "[global]\na=1\n[global]\nb=2\n", error: "DuplicateSectionError" },
  { name: "dupoption", text: "[global]\na=1\nA=2\n", error: "DuplicateOptionError" },
  { name: "nodelim", text: "[global]\njustakey\n", error: "ParsingError" },
  { name: "emptyname", text: "[global]\n= value\n", error: "ParsingError" },
  {
    name: "headerjunk",
    text: "[global] trailing\nkey=v\n[a]b]\nk=v\n",
    sections: [
      ["global", [["key", "v"]]],
      ["a]b", [["k", "v"]]],
    ],
  },
  {
    name: "indentedheader",
    text: "[global]\nkey = v\n  [install]\nk2 = w\n",
    sections: [
      [
        "global",
        [
          ["key", "v\n[install]"],
          ["k2", "w"],
        ],
      ],
    ],
  },
  {
    name: "crlf",
    text: "[global]\r\nindex-url = https://x/\r\nextra-index-url = a\r\n  b\r\n",
    sections: [
      [
        "global",
        [
          ["index-url", "https://x/"],
          ["extra-index-url", "a\nb"],
        ],
      ],
    ],
  },
  {
    name: "colon_in_value",
    text: "[global]\nindex-url=https://u:p@host:8080/simple\n",
    sections: [["global", [["index-url", "https://u:p@host:8080/simple"]]]],
  },
  { name: "tabs", text: "[global]\nkey\t=\tvalue\t\n\tcont\n", sections: [["global", [["key", "value\ncont"]]]] },
  { name: "casekeys", text: "[Global]\nIndex-URL = x\n", sections: [["Global", [["index-url", "x"]]]] },
  { name: "bom", text: "﻿[global]\nk=v\n", error: "MissingSectionHeaderError" },
  { name: "emptyvalue", text: "[global]\nindex-url =\n", sections: [["global", [["index-url", ""]]]] },
  {
    name: "indentfirst",
    text: "  [global]\n  a = 1\n    b\n  c = 2\n",
    sections: [
      [
        "global",
        [
          ["a", "1\nb"],
          ["c", "2"],
        ],
      ],
    ],
  },
  { name: "default_only", text: "[DEFAULT]\na=1\n", sections: [] },
  {
    name: "dupdefault",
    text: "[DEFAULT]\na=1\n[DEFAULT]\nb=2\n[x]\n",
    sections: [
      [
        "x",
        [
          ["a", "1"],
          ["b", "2"],
        ],
      ],
    ],
  },
];

interface MergeCase {
  name: string;
  files: PipConfigFile[];
  env: Record<string, string>;
  expected: {
    indexUrl: string;
    extraIndexUrls: string[];
    noIndex: boolean;
    findLinks: string[];
    cert: string | null;
    trustedHosts: string[];
  };
}

const mergeTable: readonly MergeCase[] = [
  {
    name: "install_beats_global_across_files",
    files: [
      {
        path: "/install_beats_global_across_files/g",
        kind: "global",
        text: "[install]\nindex-url = https://install-global/\n",
      },
      {
        path: "/install_beats_global_across_files/u",
        kind: "user",
        text: "[global]\nindex-url = https://global-user/\n",
      },
    ],
    env: {},
    expected: {
      indexUrl: "https://install-global/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "empty_env_index_dropped",
    files: [{ path: "/empty_env_index_dropped/u", kind: "user", text: "[global]\nindex-url = https://cfg/\n" }],
    env: { PIP_INDEX_URL: "" },
    expected: {
      indexUrl: "https://cfg/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "env_index_beats_install",
    files: [{ path: "/env_index_beats_install/u", kind: "user", text: "[install]\nindex-url = https://cfg/\n" }],
    env: { PIP_INDEX_URL: "https://env/" },
    expected: {
      indexUrl: "https://env/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "env_extra_whitespace",
    files: [],
    env: { PIP_EXTRA_INDEX_URL: "https://a/\thttps://b/\nhttps://c/  https://d/" },
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: ["https://a/", "https://b/", "https://c/", "https://d/"],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "devnull",
    files: [{ path: "/devnull/u", kind: "user", text: "[global]\nindex-url = https://cfg/\n" }],
    env: { PIP_CONFIG_FILE: "/dev/null" },
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "config_file_skips_user",
    files: [
      {
        path: "/config_file_skips_user/u",
        kind: "user",
        text: "[global]\nindex-url = https://user/\nextra-index-url = https://user-extra/\n",
      },
      { path: "/config_file_skips_user/e", kind: "env-file", text: "[global]\ntrusted-host = h\n" },
    ],
    env: { PIP_CONFIG_FILE: "/config_file_skips_user/e" },
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: ["h"],
    },
  },
  {
    name: "config_file_missing_keeps_user",
    files: [{ path: "/config_file_missing_keeps_user/u", kind: "user", text: "[global]\nindex-url = https://user/\n" }],
    env: { PIP_CONFIG_FILE: "/nonexistent/pip.conf" },
    expected: {
      indexUrl: "https://user/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "config_file_beats_site",
    files: [
      { path: "/config_file_beats_site/s", kind: "site", text: "[global]\nindex-url = https://site/\n" },
      { path: "/config_file_beats_site/e", kind: "env-file", text: "[global]\nindex-url = https://envfile/\n" },
    ],
    env: { PIP_CONFIG_FILE: "/config_file_beats_site/e" },
    expected: {
      indexUrl: "https://envfile/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "site_beats_user_beats_global",
    files: [
      {
        path: "/site_beats_user_beats_global/g",
        kind: "global",
        text: "[global]\nindex-url = https://g/\ncert = /g.pem\n",
      },
      { path: "/site_beats_user_beats_global/u", kind: "user", text: "[global]\nindex-url = https://u/\n" },
      { path: "/site_beats_user_beats_global/s", kind: "site", text: "[global]\nindex-url = https://s/\n" },
    ],
    env: {},
    expected: {
      indexUrl: "https://s/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: "/g.pem",
      trustedHosts: [],
    },
  },
  {
    name: "new_user_beats_legacy",
    files: [
      { path: "/new_user_beats_legacy/legacy", kind: "user", text: "[global]\nindex-url = https://legacy/\n" },
      { path: "/new_user_beats_legacy/new", kind: "user", text: "[global]\nindex-url = https://new/\n" },
    ],
    env: {},
    expected: {
      indexUrl: "https://new/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "empty_value_hides_lower",
    files: [
      { path: "/empty_value_hides_lower/g", kind: "global", text: "[global]\nindex-url = https://g/\n" },
      { path: "/empty_value_hides_lower/u", kind: "user", text: "[global]\nindex-url =\n" },
    ],
    env: {},
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "multiline_extra",
    files: [
      {
        path: "/multiline_extra/u",
        kind: "user",
        text: "[global]\nextra-index-url =\n    https://a/simple\n    https://b/simple\n\n    https://c/simple\n",
      },
    ],
    env: {},
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: ["https://a/simple", "https://b/simple", "https://c/simple"],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "install_extra_replaces_global",
    files: [
      {
        path: "/install_extra_replaces_global/u",
        kind: "user",
        text: "[global]\nextra-index-url = https://g1/ https://g2/\n[install]\nextra-index-url = https://i/\n",
      },
    ],
    env: {},
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: ["https://i/"],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "env_extra_replaces_config",
    files: [{ path: "/env_extra_replaces_config/u", kind: "user", text: "[global]\nextra-index-url = https://cfg/\n" }],
    env: { PIP_EXTRA_INDEX_URL: "https://env/" },
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: ["https://env/"],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "no_index_env_yes",
    files: [],
    env: { PIP_NO_INDEX: "yes" },
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: [],
      noIndex: true,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "no_index_env_off",
    files: [{ path: "/no_index_env_off/u", kind: "user", text: "[global]\nno-index = true\n" }],
    env: { PIP_NO_INDEX: "off" },
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "no_index_env_empty",
    files: [{ path: "/no_index_env_empty/u", kind: "user", text: "[global]\nno-index = true\n" }],
    env: { PIP_NO_INDEX: "" },
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: [],
      noIndex: true,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "no_index_install_false",
    files: [
      { path: "/no_index_install_false/u", kind: "user", text: "[global]\nno-index = on\n[install]\nno-index = 0\n" },
    ],
    env: {},
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "pypi_url_alias",
    files: [{ path: "/pypi_url_alias/u", kind: "user", text: "[global]\npypi-url = https://alias/\n" }],
    env: {},
    expected: {
      indexUrl: "https://alias/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "underscore_and_dashes",
    files: [
      {
        path: "/underscore_and_dashes/u",
        kind: "user",
        text: "[global]\n--index_url = https://dashes/\nFIND_LINKS = /a /b\n",
      },
    ],
    env: {},
    expected: {
      indexUrl: "https://dashes/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: ["/a", "/b"],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "default_section",
    files: [
      {
        path: "/default_section/u",
        kind: "user",
        text: "[DEFAULT]\nindex-url = https://default/\n[global]\ntimeout = 5\n",
      },
    ],
    env: {},
    expected: {
      indexUrl: "https://default/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "find_links_trusted_cert",
    files: [
      {
        path: "/find_links_trusted_cert/u",
        kind: "user",
        text: "[global]\nfind-links = /wheels\n  https://links/\ntrusted-host = a.example b.example:8080\ncert = ~/ca.pem\n",
      },
    ],
    env: { PIP_TRUSTED_HOST: "env.example" },
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: ["/wheels", "https://links/"],
      cert: "/root/ca.pem",
      trustedHosts: ["env.example"],
    },
  },
  {
    name: "env_lowercase_ignored",
    files: [],
    env: { pip_index_url: "https://lower/", PIP_index_url: "https://mixed/" },
    expected: {
      indexUrl: "https://mixed/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "env_config_file_is_global_path",
    files: [
      { path: "/env_config_file_is_global_path/g", kind: "global", text: "[global]\nindex-url = https://g/\n" },
      { path: "/env_config_file_is_global_path/u", kind: "user", text: "[global]\nindex-url = https://u/\n" },
    ],
    env: { PIP_CONFIG_FILE: "/env_config_file_is_global_path/g" },
    expected: {
      indexUrl: "https://g/",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
  {
    name: "section_case_sensitive",
    files: [
      {
        path: "/section_case_sensitive/u",
        kind: "user",
        text: "[Global]\nindex-url = https://G/\n[INSTALL]\nindex-url = https://I/\n",
      },
    ],
    env: {},
    expected: {
      indexUrl: "https://pypi.org/simple",
      extraIndexUrls: [],
      noIndex: false,
      findLinks: [],
      cert: null,
      trustedHosts: [],
    },
  },
];

/** Runs the merge and fills in pip's defaults, to compare with what pip reported. */
function effective(row: MergeCase): MergeCase["expected"] {
  const files = [...row.files];
  const configFile = row.env["PIP_CONFIG_FILE"];
  // The loader passes PIP_CONFIG_FILE as an "env-file" entry when it exists, even if it is also a global file.
  const same = files.find((file) => file.path === configFile);
  if (same !== undefined && !files.some((file) => file.kind === "env-file")) files.push({ ...same, kind: "env-file" });
  const result = mergePipConfig(files, row.env);
  return {
    indexUrl: result.indexUrl?.value ?? "https://pypi.org/simple",
    extraIndexUrls: [...(result.extraIndexUrls?.value ?? [])],
    noIndex: result.noIndex?.value ?? false,
    findLinks: [...(result.findLinks?.value ?? [])],
    cert: result.cert === null ? null : result.cert.value.replace(/^~/, "/root"),
    trustedHosts: [...(result.trustedHosts?.value ?? [])],
  };
}

describe("pip configuration", () => {
  describe("parseIni matches RawConfigParser", () => {
    for (const row of iniTable) {
      it(row.name, () => {
        const parsed = parseIni(row.text);
        if ("error" in row) {
          assert.equal(parsed.ok, false, row.error);
          return;
        }
        assert.ok(parsed.ok, parsed.ok ? "" : parsed.error.message);
        assert.deepEqual(
          parsed.sections.map((section) => [section.name, section.items.map((item) => [item.name, item.value])]),
          row.sections,
        );
      });
    }
  });

  it("reports where a broken file breaks", () => {
    const parsed = parseIni("[global]\nindex-url = x\njustakey\n");
    assert.deepEqual(parsed.ok ? null : parsed.error.line, 3);
    const dup = parseIni("[global]\na = 1\n[install]\n[global]\n");
    assert.deepEqual(dup.ok ? null : dup.error.line, 4);
  });

  it("never throws on hostile input", () => {
    for (const text of [
      "",
      "[",
      "[]",
      "=",
      "\u0000",
      " ".repeat(100000) + "x",
      "[a]\n" + "  x\n".repeat(10000),
      "[" + "]".repeat(50000),
    ]) {
      assert.doesNotThrow(() => parseIni(text));
    }
  });

  it("normalises option names like pip", () => {
    assert.equal(normalizePipOptionName("EXTRA_INDEX_URL"), "extra-index-url");
    assert.equal(normalizePipOptionName("--index-url"), "index-url");
    assert.equal(normalizePipOptionName("-i"), "-i");
  });

  it("splits lists on any whitespace and reads booleans with strtobool", () => {
    assert.deepEqual(pySplitWhitespace(" a\tb\n\nc\u00a0d  "), ["a", "b", "c", "d"]);
    assert.deepEqual(
      ["yes", "TRUE", "on", "1", "y", "t", "no", "false", "OFF", "0", "", "2", "enabled"].map(pipStrtobool),
      [true, true, true, true, true, true, false, false, false, false, undefined, undefined, undefined],
    );
  });

  describe("mergePipConfig matches pip install", () => {
    for (const row of mergeTable) {
      it(row.name, () => assert.deepEqual(effective(row), row.expected));
    }
  });

  it("records where each value came from", () => {
    const result = mergePipConfig(
      [
        {
          path: "/etc/pip.conf",
          kind: "global",
          text: "[global]\nindex-url = https://g/\n[install]\nextra-index-url = https://x/\n",
        },
        { path: "/home/u/.config/pip/pip.conf", kind: "user", text: "[global]\nfind-links = /w\n" },
      ],
      { PIP_NO_INDEX: "no", PIP_TRUSTED_HOST: "h" },
    );
    assert.deepEqual(result.indexUrl?.source, {
      kind: "file",
      path: "/etc/pip.conf",
      fileKind: "global",
      section: "global",
    });
    assert.deepEqual(result.extraIndexUrls?.source, {
      kind: "file",
      path: "/etc/pip.conf",
      fileKind: "global",
      section: "install",
    });
    assert.deepEqual(result.findLinks?.source.kind, "file");
    assert.deepEqual(result.noIndex, { value: false, source: { kind: "env", variable: "PIP_NO_INDEX" } });
    assert.deepEqual(result.trustedHosts?.source, { kind: "env", variable: "PIP_TRUSTED_HOST" });
    assert.deepEqual(result.filesUsed, ["/etc/pip.conf", "/home/u/.config/pip/pip.conf"]);
  });

  it("skips a broken file with a warning and keeps the others", () => {
    const result = mergePipConfig(
      [
        { path: "/etc/pip.conf", kind: "global", text: "[global]\nindex-url = https://g/\n" },
        { path: "/u/pip.conf", kind: "user", text: "index-url = https://no-section/\n" },
      ],
      {},
    );
    assert.equal(result.indexUrl?.value, "https://g/");
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0] ?? "", /\/u\/pip\.conf line 1: File contains no section headers/);
  });

  it("warns about and skips a boolean pip would reject", () => {
    const result = mergePipConfig([{ path: "/p", kind: "user", text: "[global]\nno-index = yes\n" }], {
      PIP_NO_INDEX: "maybe",
    });
    assert.deepEqual(result.noIndex?.value, true);
    assert.match(result.warnings[0] ?? "", /PIP_NO_INDEX: "maybe" is not a valid value for no-index/);
  });

  it("treats PIP_CONFIG_FILE=nul as os.devnull on Windows", () => {
    const files: PipConfigFile[] = [
      { path: "C:\\ProgramData\\pip\\pip.ini", kind: "global", text: "[global]\nindex-url = https://g/\n" },
    ];
    assert.equal(mergePipConfig(files, { PIP_CONFIG_FILE: "nul" }, { devNull: "nul" }).indexUrl, null);
    assert.equal(mergePipConfig(files, { PIP_CONFIG_FILE: "nul" }).indexUrl?.value, "https://g/");
  });

  it("ignores PIP_VERSION, PIP_HELP and options other than the index ones", () => {
    const result = mergePipConfig([], {
      PIP_VERSION: "1",
      PIP_HELP: "1",
      PIP_TIMEOUT: "5",
      PIP_INDEX_URL: "https://e/",
    });
    assert.equal(result.indexUrl?.value, "https://e/");
    assert.deepEqual(result.warnings, []);
  });
});

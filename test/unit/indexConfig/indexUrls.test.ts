import assert from "node:assert/strict";
import {
  expandEnvVars,
  hostOf,
  projectPageUrl,
  pyQuote,
  pyUnquote,
  redactUrl,
  sameOrigin,
  splitCredentials,
} from "../../../server/src/core/index/indexUrls";

/**
 * Expected values were produced once by pip's own `redact_auth_from_url` and
 * `split_auth_netloc_from_url` and by `posixpath.join(url, quote(name)) + "/"` (pip's
 * `mkurl_pypi_url`), from pypa/pip@6d30920 (src/pip/_internal/utils/misc.py, models/search_scope.py) run under CPython 3.11.7, and stored here.
 */
const redactionTable: readonly (readonly [string, string, readonly (string | null)[]])[] = [
  [
    "https://user:pass@example.com/simple/",
    "https://user:****@example.com/simple/",
    ["https://example.com/simple/", "user", "pass"],
  ],
  [
    "https://token@example.com/simple/",
    "https://****@example.com/simple/",
    ["https://example.com/simple/", "token", null],
  ],
  [
    "https://user:@example.com/simple",
    "https://user:****@example.com/simple",
    ["https://example.com/simple", "user", ""],
  ],
  ["https://:pass@example.com/simple", "https://:****@example.com/simple", ["https://example.com/simple", "", "pass"]],
  [
    "https://us%40er:p%2F%2Fss@host:8080/simple/",
    "https://us%40er:****@host:8080/simple/",
    ["https://host:8080/simple/", "us@er", "p//ss"],
  ],
  ["https://us er:pw@host/", "https://us%20er:****@host/", ["https://host/", "us er", "pw"]],
  [
    "https://a@b:c@host/path?x=1#frag",
    "https://a%40b:****@host/path?x=1#frag",
    ["https://host/path?x=1#frag", "a@b", "c"],
  ],
  [
    "HTTPS://User:Pw@Host.Example.COM/Simple?",
    "https://User:****@Host.Example.COM/Simple",
    ["https://Host.Example.COM/Simple", "User", "Pw"],
  ],
  ["https://host/simple/", "https://host/simple/", ["https://host/simple/", null, null]],
  ["https://host/simple#", "https://host/simple", ["https://host/simple", null, null]],
  ["not a url", "not a url", ["not a url", null, null]],
  ["", "", ["", null, null]],
  ["file:///srv/index/", "file:///srv/index/", ["file:///srv/index/", null, null]],
  ["https://[::1]:8080/simple", "https://[::1]:8080/simple", ["https://[::1]:8080/simple", null, null]],
  ["https://u:p@[::1]:8080/simple", "https://u:****@[::1]:8080/simple", ["https://[::1]:8080/simple", "u", "p"]],
  ["//u:p@host/x", "//u:****@host/x", ["//host/x", "u", "p"]],
  ["https://u:p@host", "https://u:****@host", ["https://host", "u", "p"]],
  ["https://%E2%82%AC:%E2%82%AC@host/", "https://%E2%82%AC:****@host/", ["https://host/", "€", "€"]],
  ["https://%ZZ:x@host/", "https://%25ZZ:****@host/", ["https://host/", "%ZZ", "x"]],
  ["https://t%C3%B6k@host/", "https://****@host/", ["https://host/", "tök", null]],
  [" https://u:p@host/\t", "https://u:****@host/", ["https://host/", "u", "p"]],
  ["https://u:p@host/sim\nple/", "https://u:****@host/simple/", ["https://host/simple/", "u", "p"]],
  ["git+https://u:p@host/r.git", "git+https://u:****@host/r.git", ["git+https://host/r.git", "u", "p"]],
  ["http://u:p:q@host/", "http://u:****@host/", ["http://host/", "u", "p:q"]],
];

const pageTable: readonly (readonly [string, string, string])[] = [
  ["https://pypi.org/simple/", "requests", "https://pypi.org/simple/requests/"],
  ["https://pypi.org/simple", "requests", "https://pypi.org/simple/requests/"],
  ["https://u:p@h/simple", "zope-interface", "https://u:p@h/simple/zope-interface/"],
  ["https://h/simple?x=1", "a", "https://h/simple?x=1/a/"],
  ["https://h", "a", "https://h/a/"],
  ["https://h/", "a.b_c", "https://h/a.b_c/"],
  ["https://h/simple/", "café", "https://h/simple/caf%C3%A9/"],
];

describe("index URLs", () => {
  describe("redactUrl and splitCredentials match pip", () => {
    for (const [url, redacted, split] of redactionTable) {
      it(JSON.stringify(url), () => {
        assert.equal(redactUrl(url), redacted);
        const parts = splitCredentials(url);
        assert.deepEqual([parts.url, parts.username, parts.password], split);
      });
    }
  });

  it("redacts a token-only user name completely", () => {
    assert.equal(redactUrl("https://ghp_abc123@pkgs.example/simple/"), "https://****@pkgs.example/simple/");
    assert.equal(splitCredentials("https://ghp_abc123@pkgs.example/simple/").password, null);
  });

  it("decodes percent-encoded passwords (pip's docs: he//o is written he%2F%2Fo)", () => {
    const parts = splitCredentials("https://alice:he%2F%2Fo@pkgs.example/simple/");
    assert.deepEqual(parts, { url: "https://pkgs.example/simple/", username: "alice", password: "he//o" });
    assert.equal(redactUrl("https://alice:he%2F%2Fo@pkgs.example/simple/"), "https://alice:****@pkgs.example/simple/");
  });

  it("never throws on garbage and still hides userinfo pip could not split", () => {
    for (const garbage of [
      "https://u:p@[::1/x",
      "https://u:p@]h/",
      "\u0000\uffff",
      "%",
      "%%%",
      "https://%E2%82@h/",
      "\ud800@x",
    ]) {
      assert.doesNotThrow(() => redactUrl(garbage));
      assert.doesNotThrow(() => splitCredentials(garbage));
      assert.doesNotThrow(() => hostOf(garbage));
    }
    assert.equal(redactUrl("https://u:p@[::1/x"), "https://****@[::1/x");
    assert.doesNotMatch(redactUrl("https://user:secret@]host/"), /secret/);
  });

  it("quotes and unquotes like urllib.parse", () => {
    assert.equal(pyQuote("a b/c~d\u00e9"), "a%20b/c~d%C3%A9");
    assert.equal(pyQuote("a/b", ""), "a%2Fb");
    assert.equal(pyUnquote("%41%zz%C3%A9%"), "A%zz\u00e9%");
    assert.equal(pyUnquote("%FF"), "\ufffd");
  });

  describe("projectPageUrl is pip's mkurl_pypi_url", () => {
    for (const [index, name, expected] of pageTable) {
      it(`${index} + ${name}`, () => assert.equal(projectPageUrl(index, name), expected));
    }
  });

  describe("expandEnvVars follows requirements-file expansion (SPECS 1.1 step 5)", () => {
    const env = { TOKEN: "s3cret", EMPTY: "", lower: "no", A_1: "x" };
    it("expands only ${UPPER_CASE} names that are set and non-empty", () => {
      const result = expandEnvVars("https://${TOKEN}@h/${A_1}/${EMPTY}/${UNSET}/$TOKEN/%TOKEN%/${lower}", env, true);
      assert.equal(result.value, "https://s3cret@h/x/${EMPTY}/${UNSET}/$TOKEN/%TOKEN%/${lower}");
      assert.deepEqual(result.used, ["TOKEN", "A_1"]);
      assert.deepEqual(result.missing, ["EMPTY", "UNSET"]);
      assert.deepEqual(result.refused, []);
    });
    it("refuses every reference when not allowed", () => {
      const result = expandEnvVars("https://${TOKEN}@h/${TOKEN}/${OTHER}", env, false);
      assert.equal(result.value, "https://${TOKEN}@h/${TOKEN}/${OTHER}");
      assert.deepEqual(result.refused, ["TOKEN", "OTHER"]);
      assert.deepEqual(result.used, []);
    });
    it("does not expand a value that itself contains a reference", () => {
      assert.equal(expandEnvVars("${A}", { A: "${B}", B: "b" }, true).value, "${B}");
    });
    it("ignores inherited object properties", () => {
      assert.equal(expandEnvVars("${CONSTRUCTOR}", {}, true).value, "${CONSTRUCTOR}");
    });
  });

  it("hostOf is urlparse().hostname", () => {
    assert.equal(hostOf("https://u:p@Pkgs.Example.COM:8443/simple"), "pkgs.example.com");
    assert.equal(hostOf("https://[::1]:8080/x"), "::1");
    assert.equal(hostOf("https://[FE80::1]/x"), "fe80::1");
    assert.equal(hostOf("file:///srv/index"), null);
    assert.equal(hostOf("not a url"), null);
    assert.equal(hostOf("https://a@b@host/"), "host");
  });

  it("sameOrigin compares scheme, host and effective port", () => {
    assert.equal(sameOrigin("https://u:p@h.example/simple/", "https://H.example:443/files/x.whl"), true);
    assert.equal(sameOrigin("http://h.example/", "http://h.example:80/x"), true);
    assert.equal(sameOrigin("https://h.example/", "http://h.example/"), false);
    assert.equal(sameOrigin("https://h.example:8443/", "https://h.example/"), false);
    assert.equal(sameOrigin("https://a.example/", "https://b.example/"), false);
    assert.equal(sameOrigin("garbage", "garbage"), false);
  });
});

import assert from "node:assert/strict";
import { netrcCredentials, parseNetrc } from "../../../server/src/core/index/netrc";

/**
 * Expected values were produced once by CPython 3.11.7's `netrc.netrc(path)` (the module requests
 * uses for pip) and stored here: `hosts` is Python's `netrc.hosts` ({name: [login, account,
 * password]}), `error`/`line` its NetrcParseError.
 */
type NetrcCase =
  | { name: string; text: string; hosts: Record<string, string[]>; macros: string[] }
  | { name: string; text: string; error: string; line: number };

const table: readonly NetrcCase[] = [
  {
    name: "basic",
    text: "machine example.com login alice password s3cret\n",
    hosts: { "example.com": ["alice", "", "s3cret"] },
    macros: [],
  },
  {
    name: "default",
    text: "machine a.com login a password pa\ndefault login anon password guest\n",
    hosts: { "a.com": ["a", "", "pa"], default: ["anon", "", "guest"] },
    macros: [],
  },
  {
    name: "macdef",
    text: "machine a.com login a password pa\nmacdef init\ncd /pub\nls\n\nmachine b.com login b password pb\n",
    hosts: { "a.com": ["a", "", "pa"], "b.com": ["b", "", "pb"] },
    macros: ["init"],
  },
  {
    name: "macdef_unterminated",
    text: "machine a.com login a password pa\nmacdef init\ncd /pub\n",
    error: "Macro definition missing null line terminator.",
    line: 3,
  },
  {
    name: "comment",
    text: "# comment line\nmachine a.com\n  login a # trailing\n  password pa\n",
    hosts: { "a.com": ["a", "", "pa"] },
    macros: [],
  },
  {
    name: "comment_after_blank",
    text: "machine a.com login a\n\n# comment here\n",
    error: "bad follower token 'comment'",
    line: 3,
  },
  { name: "hash_word", text: "#comment words\nmachine a.com login a\n", error: "bad toplevel token 'words'", line: 2 },
  {
    name: "quoted",
    text: 'machine a.com login "al ice" password "p\\"w d"\n',
    hosts: { "a.com": ["al ice", "", 'p"w d'] },
    macros: [],
  },
  {
    name: "escape",
    text: "machine a.com login a\\ b password x\\\\y\n",
    hosts: { "a.com": ["a b", "", "x\\y"] },
    macros: [],
  },
  {
    name: "account_only",
    text: "machine a.com account acct password pw\n",
    hosts: { "a.com": ["", "acct", "pw"] },
    macros: [],
  },
  {
    name: "empty_entry",
    text: "machine a.com\nmachine b.com login b\n",
    hosts: { "a.com": ["", "", ""], "b.com": ["b", "", ""] },
    macros: [],
  },
  {
    name: "dup",
    text: "machine a.com login first\nmachine a.com login second password p2\n",
    hosts: { "a.com": ["second", "", "p2"] },
    macros: [],
  },
  { name: "user_kw", text: "machine a.com user u password p\n", hosts: { "a.com": ["u", "", "p"] }, macros: [] },
  { name: "bad_follower", text: "machine a.com login a port 21\n", error: "bad follower token 'port'", line: 1 },
  { name: "bad_top", text: "login a\n", error: "bad toplevel token 'login'", line: 1 },
  { name: "missing_name", text: "machine", error: "missing 'machine' name", line: 1 },
  {
    name: "password_hash",
    text: "machine a.com login a password #notcomment\n",
    hosts: { "a.com": ["a", "", "#notcomment"] },
    macros: [],
  },
  {
    name: "machine_default",
    text: "machine default login md password x\n",
    hosts: { default: ["md", "", "x"] },
    macros: [],
  },
  {
    name: "crlf",
    text: "machine a.com\r\n  login a\r\n  password p\r\n",
    hosts: { "a.com": ["a", "", "p"] },
    macros: [],
  },
  {
    name: "empty_quoted_top",
    text: 'machine a.com login a\n"" machine b.com login b\n',
    hosts: { "a.com": ["a", "", ""] },
    macros: [],
  },
];

describe("netrc", () => {
  describe("parses like Python's netrc module", () => {
    for (const row of table) {
      it(row.name, () => {
        const parsed = parseNetrc(row.text);
        if ("error" in row) {
          assert.deepEqual(parsed.error, { message: row.error, line: row.line });
          return;
        }
        assert.equal(parsed.error, undefined);
        const hosts: Record<string, string[]> = {};
        for (const entry of parsed.entries) hosts[entry.name] = [entry.login, entry.account, entry.password];
        assert.deepEqual(hosts, row.hosts);
        assert.deepEqual(parsed.macros, row.macros);
      });
    }
  });

  it("prefers the machine entry, then default (requests' get_netrc_auth)", () => {
    const file = parseNetrc("machine a.com login a password pa\ndefault login anon password guest\n");
    assert.deepEqual(netrcCredentials(file, "a.com"), { username: "a", password: "pa" });
    assert.deepEqual(netrcCredentials(file, "other.com"), { username: "anon", password: "guest" });
  });

  it("answers null without a match and without a default", () => {
    assert.equal(netrcCredentials(parseNetrc("machine a.com login a password p\n"), "b.com"), null);
  });

  it("matches host names exactly, as Python does (callers pass the lower-cased host)", () => {
    const file = parseNetrc("machine Example.COM login a password p\n");
    assert.equal(netrcCredentials(file, "example.com"), null);
    assert.deepEqual(netrcCredentials(file, "Example.COM"), { username: "a", password: "p" });
  });

  it("skips macdef bodies, so words in them are not entries", () => {
    const file = parseNetrc("macdef init\nmachine evil.com login x password y\n\nmachine a.com login a password p\n");
    assert.equal(netrcCredentials(file, "evil.com"), null);
    assert.deepEqual(netrcCredentials(file, "a.com"), { username: "a", password: "p" });
    assert.deepEqual(file.macros, ["init"]);
  });

  it("uses the account when login is empty, and an empty password when none", () => {
    assert.deepEqual(netrcCredentials(parseNetrc("machine a.com account acct\n"), "a.com"), {
      username: "acct",
      password: "",
    });
    assert.deepEqual(netrcCredentials(parseNetrc("machine a.com login tok\n"), "a.com"), {
      username: "tok",
      password: "",
    });
  });

  it("answers null for an entry with every field empty, without falling back to default", () => {
    const file = parseNetrc("machine a.com\ndefault login anon password guest\n");
    assert.equal(netrcCredentials(file, "a.com"), null);
  });

  it("uses the last of repeated entries", () => {
    const file = parseNetrc("machine a.com login first\nmachine a.com login second password p2\n");
    assert.deepEqual(netrcCredentials(file, "a.com"), { username: "second", password: "p2" });
  });

  it("gives no credentials from a malformed file, like requests", () => {
    const file = parseNetrc("machine a.com login a password p\nmachine b.com port 21\n");
    assert.notEqual(file.error, undefined);
    assert.equal(netrcCredentials(file, "a.com"), null);
  });

  it("never throws on hostile input", () => {
    for (const text of [
      "",
      "\\",
      '"',
      "machine \\",
      "#",
      "macdef",
      "default",
      "\u0000".repeat(1000),
      "machine a ".repeat(10000),
    ]) {
      assert.doesNotThrow(() => parseNetrc(text));
    }
  });
});

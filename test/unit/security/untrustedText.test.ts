import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { escapeMarkdown, inlineCode, plainText } from "../../../server/src/core/analysis/markdown";
import { uploadTimeOf } from "../../../server/src/core/index/pageCommon";
import { parseIni } from "../../../server/src/core/index/pipConfig";
import { loadNetrc } from "../../../server/src/node/pipConfigFiles";
import { tempDir } from "../../support/tempDirs";

/**
 * The helpers every renderer of untrusted text goes through, and the two configuration readers whose
 * error messages used to quote a line or token of a credentials file into the log.
 */

describe("helpers for untrusted text", () => {
  it("escapeMarkdown escapes Markdown and HTML, drops control and bidi characters, keeps one line", () => {
    assert.equal(
      escapeMarkdown(" [a](command:x) <b>\r\n\u001b[1m\u0000\u202Egnp.exe\u2028| `c` &amp; ~~ "),
      "\\[a\\](command:x) \\<b\\> \\[1mgnp.exe \\| \\`c\\` \\&amp; \\~\\~",
    );
    assert.equal(escapeMarkdown(" \u0000\u0007 "), "", "nothing left to show");
  });

  it("inlineCode cannot be broken out of, drops control characters and is capped", () => {
    assert.equal(inlineCode("a`b"), "``a`b``");
    assert.equal(inlineCode("`x`"), "`` `x` ``");
    assert.equal(inlineCode("1.0\u001b[2J\n<script>"), "`1.0[2J <script>`");
    const long = inlineCode("x".repeat(100_000));
    assert.equal(long, `\`${"x".repeat(499)}…\``);
  });

  it("plainText collapses whitespace, replaces control characters and caps the length", () => {
    assert.equal(plainText("a\u0000b\r\n\tc\u202Ed\u0085e", 100), "a b c d e");
    assert.equal(plainText("x".repeat(1_000_000), 10), `${"x".repeat(9)}…`);
    // A prefix of whitespace longer than the scan window still gives a capped, marked result.
    assert.equal(plainText(`${" ".repeat(100)}abc`, 10), "…");
    // The cut never splits a surrogate pair.
    assert.equal(plainText(`${"a".repeat(8)}😀😀`, 10), `${"a".repeat(8)}…`);
  });

  it("uploadTimeOf accepts ISO 8601 dates and times only", () => {
    for (const good of ["2024-01-01", "2024-01-01T00:00:00Z", "2023-07-11T16:54:49.064437Z", "2017-01-01T00:00:00"])
      assert.equal(uploadTimeOf(good), good);
    for (const bad of ["<b>x</b>yz-2020", "\u001b[31m2021-01-01", "2021-01-01\n", "yesterday", 20210101, null])
      assert.equal(uploadTimeOf(bad), null, JSON.stringify(bad));
  });
});

describe("configuration errors never quote a credential", () => {
  it("a pip.conf line that does not parse is reported by number, not quoted", () => {
    const result = parseIni("[global]\nindex-url = https://user:\nCANARY-token@host/simple/\n");
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.error.line, 3);
    assert.doesNotMatch(result.error.message, /CANARY/);
    assert.match(result.error.message, /^Source contains parsing errors/);
  });

  it("a malformed netrc is reported without the token that broke it", async () => {
    const home = tempDir("pinsight-netrc-warning-");
    fs.writeFileSync(path.join(home, ".netrc"), "machine h login u password CANARY-one CANARY-two\n");
    const loaded = await loadNetrc({}, home);
    assert.equal(loaded.warnings.length, 1);
    assert.match(loaded.warnings[0] ?? "", /line \d: bad follower token \(not shown\) \(requests ignores/);
    assert.doesNotMatch(loaded.warnings.join("\n"), /CANARY/);
  });
});

import fc from "fast-check";
import { markerVariables } from "../../server/src/core/parsing/pep508Tokenizer";

/**
 * Grammar-shaped generators: inputs that are valid or nearly valid, so that the fuzzer gets past the
 * first character of a parser and reaches the parts that only well-formed text exercises (specifier
 * sets, marker trees, round-trips). Each has a little noise mixed in (odd spacing, case, separators).
 */

const spaces = fc.constantFrom("", "", "", " ", "  ", "\t", " \t ");

/** A digit string, sometimes with leading zeros, sometimes beyond 2^53. */
const number = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 20 }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom("00", "01", "007", "0") },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9]{10,30}$/) },
);

const separator = fc.constantFrom("", ".", "-", "_");

/** The parts of a PEP 440 version, from which several spellings are made. */
export interface VersionParts {
  readonly epoch: string | null;
  readonly release: readonly string[];
  readonly pre: { readonly label: string; readonly number: string | null } | null;
  readonly post: { readonly label: string; readonly number: string | null; readonly implicit: boolean } | null;
  readonly dev: { readonly number: string | null } | null;
  readonly local: readonly string[] | null;
}

/**
 * Version parts. `small` draws from a tiny space (release segments 0–2, few labels) so that random
 * pairs and triples are often equal or adjacent, which is what order properties need.
 */
export function versionParts(small = false): fc.Arbitrary<VersionParts> {
  const segment = small ? fc.constantFrom("0", "1", "2", "00") : number;
  const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> =>
    fc.option(arbitrary, { freq: small ? 2 : 3, nil: null });
  return fc.record({
    epoch: fc.option(small ? fc.constantFrom("0", "1") : number, { freq: 6, nil: null }),
    release: fc.array(segment, { minLength: 1, maxLength: small ? 3 : 5 }),
    pre: optional(
      fc.record({
        label: fc.constantFrom("a", "alpha", "b", "beta", "c", "rc", "pre", "preview"),
        number: fc.option(small ? fc.constantFrom("0", "1") : number, { nil: null }),
      }),
    ),
    post: optional(
      fc.record({
        label: fc.constantFrom("post", "rev", "r"),
        number: fc.option(small ? fc.constantFrom("0", "1") : number, { nil: null }),
        implicit: fc.boolean(),
      }),
    ),
    dev: optional(fc.record({ number: fc.option(small ? fc.constantFrom("0", "1") : number, { nil: null }) })),
    local: fc.option(
      fc.array(small ? fc.constantFrom("1", "01", "a", "b", "abc") : fc.stringMatching(/^[a-zA-Z0-9]{1,6}$/), {
        minLength: 1,
        maxLength: 3,
      }),
      { freq: small ? 3 : 4, nil: null },
    ),
  });
}

/** One spelling of the parts: separators, case, `v` prefix, implicit numbers and padding vary. */
export function spellVersion(parts: VersionParts): fc.Arbitrary<string> {
  return fc
    .record({
      v: fc.constantFrom("", "", "", "v", "V"),
      preSep1: separator,
      preSep2: separator,
      postSep1: separator,
      postSep2: separator,
      devSep1: separator,
      devSep2: separator,
      localSeps: fc.array(fc.constantFrom(".", "-", "_"), { minLength: 3, maxLength: 3 }),
      caseSeed: fc.nat(),
      padding: fc.constantFrom("", "", "", " ", "\t", " \n"),
      extraZeros: fc.constantFrom("", "", ".0", ".0.0"),
    })
    .map((s) => {
      const cased = (word: string, salt: number): string => ((s.caseSeed >> salt) & 1 ? word.toUpperCase() : word);
      let text = s.v;
      if (parts.epoch !== null) text += `${parts.epoch}!`;
      text += parts.release.join(".");
      // Trailing zero segments do not change the version (1.0 == 1.0.0).
      text += s.extraZeros;
      if (parts.pre !== null) text += `${s.preSep1}${cased(parts.pre.label, 0)}${s.preSep2}${parts.pre.number ?? ""}`;
      if (parts.post !== null) {
        // The implicit form `1.0-1` exists only with a number, and after a numberless pre-release
        // (`1.0a-1`) it would be read as the pre-release's number, as packaging reads it.
        if (parts.post.implicit && parts.post.number !== null && (parts.pre === null || parts.pre.number !== null))
          text += `-${parts.post.number}`;
        else text += `${s.postSep1}${cased(parts.post.label, 1)}${s.postSep2}${parts.post.number ?? ""}`;
      }
      if (parts.dev !== null) text += `${s.devSep1}${cased("dev", 2)}${s.devSep2}${parts.dev.number ?? ""}`;
      if (parts.local !== null) {
        text += "+" + parts.local.map((p, i) => (i === 0 ? p : `${s.localSeps[i - 1] ?? "."}${p}`)).join("");
      }
      return `${s.padding}${text}${s.padding}`;
    });
}

/** A valid-ish version string. */
export function versionText(small = false): fc.Arbitrary<string> {
  return versionParts(small).chain(spellVersion);
}

/** Two spellings of the same version. */
export const versionRespelling: fc.Arbitrary<[string, string]> = versionParts().chain((parts) =>
  fc.tuple(spellVersion(parts), spellVersion(parts)),
);

const operators = ["==", "!=", "<=", ">=", "<", ">", "~=", "==="];

/** A specifier clause: operator, optional space, version, sometimes `.*`. */
export const specifierClause: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...operators), spaces, versionText(), fc.constantFrom("", "", "", ".*"))
  .map(([op, ws, version, star]) => `${op}${ws}${version.trim()}${star}`);

/** A comma-separated specifier set, sometimes with empty items and spaces. */
export const specifierSetText: fc.Arbitrary<string> = fc
  .tuple(fc.array(specifierClause, { maxLength: 4 }), spaces, fc.constantFrom("", ",", ", "))
  .map(([clauses, ws, tail]) => clauses.join(`${ws},${ws}`) + tail);

/** A PEP 508 project name, sometimes at the edges of the grammar. */
export const projectName: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,12}[A-Za-z0-9])?$/) },
  { weight: 1, arbitrary: fc.constantFrom("requests", "Django", "zope.interface", "a", "A_B-c.d", "x1") },
);

const markerOperators = ["==", "!=", "<", "<=", ">", ">=", "~=", "===", "in", "not in", "not  in"];

/** A marker value's text before quoting: versions, platforms, names, and strings with escapes. */
const markerValueBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: versionText().map((v) => v.trim()) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "3.9",
      "3.13",
      "2.7",
      "3",
      "linux",
      "win32",
      "darwin",
      "posix",
      "nt",
      "cpython",
      "CPython",
      "x86_64",
      "Windows",
      "security",
      "Dev_Tools",
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "\\x41",
      "\\n",
      "\\'",
      '\\"',
      "\\\\",
      "\\u00e9",
      "\\N{DASH}",
      "\\q",
      "\\101",
      "\\U0001F600",
      "a\\",
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map((s) => s.replace(/["'\\\n\r]/g, "")) },
);

const markerValue: fc.Arbitrary<string> = fc
  .tuple(markerValueBody, fc.constantFrom('"', "'"))
  .map(([body, quote]) => `${quote}${body.replace(new RegExp(quote, "g"), "")}${quote}`);

const markerComparison: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(...markerVariables),
    spaces,
    fc.constantFrom(...markerOperators),
    spaces,
    markerValue,
    fc.boolean(),
  )
  .map(([variable, ws1, op, ws2, value, swapped]) => {
    // `in` needs space on both sides; the others may be written without.
    const gap1 = /^[a-z]/.test(op) && ws1 === "" ? " " : ws1;
    const gap2 = /^[a-z]/.test(op) && ws2 === "" ? " " : ws2;
    return swapped ? `${value}${gap1}${op}${gap2}${variable}` : `${variable}${gap1}${op}${gap2}${value}`;
  });

/** A marker expression: comparisons joined by `and`/`or`, grouped with parentheses, nested. */
export const markerText: fc.Arbitrary<string> = fc.letrec<{ expression: string }>((tie) => ({
  expression: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    markerComparison,
    fc.tuple(spaces, tie("expression"), spaces).map(([a, e, b]) => `(${a}${e}${b})`),
    fc
      .tuple(tie("expression"), fc.constantFrom(" and ", " or ", "  and\t", " AND "), tie("expression"))
      .map(([a, op, b]) => `${a}${op}${b}`),
  ),
})).expression;

const hexDigest = fc.stringMatching(/^[0-9a-f]{64}$/);

/** A URL as requirement lines carry them (archives, wheels, VCS, files, `#egg=` fragments). */
export const requirementUrl: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("https", "http", "file", "git+https", "hg+ssh", "svn+svn", "bzr+lp", "ftp"),
      projectName,
      projectName,
    )
    .map(([scheme, host, path]) => `${scheme}://${host.toLowerCase()}.example/${path}`),
  fc
    .tuple(projectName, versionText(), fc.constantFrom("py3-none-any", "cp311-cp311-manylinux_2_17_x86_64", "x-y"))
    .map(([name, version, tags]) => `https://files.example/${name}-${version.trim()}-${tags}.whl`),
  fc
    .tuple(projectName, fc.constantFrom(".tar.gz", ".zip", ".tgz", ""), fc.option(projectName, { nil: undefined }))
    .map(([name, ext, egg]) => `https://x.example/${name}${ext}${egg === undefined ? "" : `#egg=${egg}`}`),
  fc.constantFrom("file:///tmp/x", "file://../rel#egg=x", "git+https://g.example/r.git@v1#egg=pkg&subdirectory=s"),
);

/** The PEP 508 part of a requirement line: name, extras, specifier or URL, marker. */
export const pep508Text: fc.Arbitrary<string> = fc
  .record({
    lead: spaces,
    name: projectName,
    extras: fc.option(fc.array(projectName, { maxLength: 3 }), { nil: null }),
    ws1: spaces,
    detail: fc.oneof(
      { weight: 4, arbitrary: specifierSetText },
      {
        weight: 1,
        arbitrary: fc.tuple(specifierSetText, spaces).map(([set, ws]) => `(${ws}${set}${ws})`),
      },
      { weight: 2, arbitrary: requirementUrl.map((url) => `@ ${url}`) },
      { weight: 1, arbitrary: fc.constant("") },
    ),
    marker: fc.option(markerText, { freq: 3, nil: null }),
    ws2: spaces,
  })
  .map((r) => {
    let text = `${r.lead}${r.name}${r.ws1}`;
    if (r.extras !== null) text += `[${r.extras.join(`${r.ws1},${r.ws2}`)}]${r.ws2}`;
    text += r.detail;
    // After a URL, the marker needs a space before `;` (otherwise the `;` belongs to the URL).
    if (r.marker !== null) text += `${r.detail.startsWith("@") ? " " : r.ws2};${r.ws1}${r.marker}`;
    return text;
  });

/** Options a requirement or option line may carry. */
const lineOption: fc.Arbitrary<string> = fc.oneof(
  hexDigest.map((d) => `--hash=sha256:${d}`),
  hexDigest.map((d) => `--hash sha512:${d}`),
  fc.constantFrom("--hash=md5:0", "--config-settings=k=v", "-C a=b", "--no-binary :all:", "--pre"),
);

/** One physical or logical line of a requirements file. */
export const requirementsLine: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(pep508Text, fc.array(lineOption, { maxLength: 3 })).map(([r, o]) => [r, ...o].join(" ")),
  },
  { weight: 1, arbitrary: requirementUrl },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom("-e ", "--editable=", "-e"),
        fc.oneof(requirementUrl, fc.constantFrom(".", "./pkg[x]", "../a b", "C:\\x")),
      )
      .map(([e, u]) => `${e}${u}`),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "-r other.txt",
      "-c constraints.txt",
      "--requirement=a.txt",
      "-i https://pypi.example/simple",
      "--index-url ${INDEX}",
      "--extra-index-url=https://u:p@x.example/simple/",
      "--require-hashes",
      "--only-binary=:all:",
      "-f ./wheels",
      "--trusted-host h",
      "--unknown-option",
      "-x",
      "--hash",
      "'unclosed",
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("# comment", "", "   ", "pkg  # trailing", "pkg==1.0 \\", "    --hash=sha256:ab \\"),
  },
);

/** A requirements file: generated lines joined by assorted line ends, sometimes continued. */
export const requirementsDocument: fc.Arbitrary<string> = fc
  .array(fc.tuple(requirementsLine, fc.constantFrom("\n", "\n", "\n", "\r\n", "\r", " \\\n", "\\\n", "\f")), {
    maxLength: 12,
  })
  .map((lines) => lines.map(([line, end]) => line + end).join(""));

/** Tokens of each format, for `chaosText` and for inserting into mutated corpus files. */
export const tokens = {
  requirements: [
    "requests",
    "a",
    "[",
    "]",
    "(",
    ")",
    ",",
    ";",
    "@",
    " @ ",
    "==",
    "===",
    "~=",
    "!=",
    ">=",
    "<",
    ".*",
    "+local",
    "1.0",
    "1!2.0rc1.post2.dev3",
    " and ",
    " or ",
    "python_version",
    "extra",
    '"3.9"',
    "'x'",
    " not in ",
    "-e ",
    "-r ",
    "-c ",
    "--hash=sha256:",
    "--index-url ",
    "${VAR}",
    "${",
    "#",
    " #",
    "#egg=",
    "https://x.example/a.whl",
    "git+https://g/r",
    "file:",
    "./",
    ".whl",
    ".tar.gz",
    "\\",
    " ",
    "\n",
    "'",
    '"',
  ],
  toml: [
    "[",
    "]",
    "[[",
    "]]",
    "[package]",
    "[[package]]",
    "[metadata]",
    "[tool.poetry.dependencies]",
    "[project]",
    "{",
    "}",
    "=",
    " = ",
    ",",
    ".",
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    "\\u00e9",
    "\\U0001F600",
    "#",
    "\n",
    "\r\n",
    "name",
    "version",
    'name = "x"',
    'version = "1.0"',
    "dependencies = [",
    "files = [",
    "hash",
    '"sha256:',
    "markers",
    "true",
    "1979-05-27T07:32:00Z",
    "inf",
    "nan",
    "0x1F",
    "1e9",
    "-",
    "a.b.c",
  ],
  json: [
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    '"',
    '"_meta"',
    '"default"',
    '"develop"',
    '"version"',
    '"hashes"',
    '"==1.0"',
    '"sha256:',
    '"files"',
    '"url"',
    '"filename"',
    '"meta"',
    '"api-version"',
    '"1.1"',
    '"yanked"',
    "true",
    "null",
    "0",
    "-1e999",
    "\\u",
    "\\ud800",
    "\\",
    "/*",
    "//",
    " ",
  ],
  html: [
    "<",
    ">",
    "/>",
    "</a>",
    '<a href="',
    "<a href=",
    "<A HREF='",
    "<base href=",
    '<meta name="pypi:repository-version" content="',
    '<meta name="pypi:project-status" content="',
    "<!--",
    "-->",
    "<!DOCTYPE html>",
    "<script>",
    "</script>",
    "<style>",
    "</STYLE",
    "data-yanked",
    'data-requires-python="&gt;=3.8"',
    "data-core-metadata=sha256=",
    "data-dist-info-metadata=true",
    "#sha256=",
    "&amp;",
    "&#x110000;",
    "&#0;",
    "&#55296;",
    "&lt",
    "demo-0.1.0-py3-none-any.whl",
    "demo-1.0.tar.gz",
    "../",
    "//evil.example/",
    "javascript:",
    "%2F",
    "%ZZ",
    "=",
    '"',
    "'",
    " ",
    "/",
  ],
};

/** TOML-shaped text: key/value lines, headers and arrays built from TOML tokens. */
export const tomlText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc
        .tuple(
          projectName,
          fc.constantFrom(
            ' = "1.0"',
            " = 1",
            " = [",
            ' = { version = "^1.2", markers = "x" }',
            ' = """a\nb"""',
            " = '''x'''",
            " = true",
          ),
        )
        .map(([k, v]) => `${k}${v}\n`),
      fc.constantFrom(
        "[[package]]\n",
        "[metadata]\n",
        "[package.dependencies]\n",
        "[tool.poetry.dependencies]\n",
        "]\n",
        "[project]\n",
        'dependencies = ["a>=1", "b; python_version<\'3.9\'"]\n',
      ),
      fc.constantFrom(...tokens.toml),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(""));

/** HTML-shaped text: anchors with attributes, meta tags, comments and raw text elements. */
export const htmlText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc
        .tuple(
          fc.constantFrom(
            "demo-1.0.tar.gz",
            "demo-0.1-py3-none-any.whl",
            "demo-2.0rc1.zip",
            "other-1.0.tar.gz",
            "demo",
          ),
          fc.constantFrom("", "#sha256=" + "a".repeat(64), "#md5=x", "?q=1"),
          fc.constantFrom(
            "",
            " data-yanked",
            ' data-yanked="bad &amp; worse"',
            ' data-requires-python="&gt;=3.8"',
            " data-core-metadata=true",
          ),
          fc.constantFrom('"', "'", ""),
        )
        .map(
          ([file, fragment, attributes, quote]) =>
            `<a href=${quote}../files/${file}${fragment}${quote}${attributes}>${file}</a>\n`,
        ),
      fc.constantFrom(...tokens.html),
    ),
    { maxLength: 25 },
  )
  .map((parts) => parts.join(""));

/** JSON-shaped Simple API pages: objects with `meta`, `files` and `versions` of assorted types. */
export const simpleJsonValue: fc.Arbitrary<unknown> = fc.record(
  {
    meta: fc.oneof(
      fc.record({
        "api-version": fc.oneof(fc.constantFrom("1.0", "1.1", "1.4", "1.99", "2.0", " 1", "x"), fc.jsonValue()),
      }),
      fc.jsonValue(),
    ),
    name: fc.oneof(fc.constant("demo"), fc.jsonValue()),
    files: fc.oneof(
      fc.array(
        fc.oneof(
          fc.record(
            {
              filename: fc.oneof(
                fc.constantFrom(
                  "demo-1.0.tar.gz",
                  "demo-1.0-py3-none-any.whl",
                  "demo-1.0-1-py2.py3-none-any.whl",
                  "",
                  "demo",
                ),
                fc.jsonValue(),
              ),
              url: fc.oneof(
                fc.constantFrom(
                  "demo-1.0.tar.gz",
                  "https://files.example/demo-1.0.tar.gz",
                  "//x",
                  "javascript:alert(1)",
                  "file:///etc/passwd",
                  "http://[::1",
                ),
                fc.jsonValue(),
              ),
              hashes: fc.oneof(fc.record({ sha256: fc.oneof(hexDigest, fc.jsonValue()) }), fc.jsonValue()),
              "requires-python": fc.oneof(fc.constantFrom(">=3.8", "", " ", ">=3.x"), fc.jsonValue()),
              yanked: fc.oneof(fc.boolean(), fc.string(), fc.jsonValue()),
              "core-metadata": fc.oneof(fc.boolean(), fc.record({ sha256: hexDigest }), fc.jsonValue()),
              size: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
              "upload-time": fc.oneof(fc.constant("2024-01-01T00:00:00Z"), fc.jsonValue()),
            },
            { requiredKeys: [] },
          ),
          fc.jsonValue(),
        ),
        { maxLength: 6 },
      ),
      fc.jsonValue(),
    ),
    versions: fc.oneof(fc.array(fc.oneof(versionText(), fc.jsonValue()), { maxLength: 4 }), fc.jsonValue()),
    "project-status": fc.oneof(
      fc.record({ status: fc.constantFrom("active", "archived", "quarantined"), reason: fc.jsonValue() }),
      fc.jsonValue(),
    ),
  },
  { requiredKeys: [] },
);

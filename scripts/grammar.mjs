// Writes syntaxes/pip-requirements.tmLanguage.json for Pinsight.
//
// The grammar follows pip's own reading of a requirements file (pip 26: req_file.py and
// constructors.py) as far as a line-based tokenizer can:
//
// - A line ending in "\" continues onto the next one, so every line-level rule is a begin/end
//   region that ends at the first end of line not preceded by a backslash, or just before a
//   comment line (pip ends a continuation at a comment line).
// - "#" starts a comment only at the start of a line or after whitespace. A trailing comment on
//   a continued line swallows the next line too, exactly as pip's comment stripping does.
// - A requirement line switches to options at the first space followed by "-" (pip splits on
//   spaces only, so a tab does not start the options).
// - A bare URL line ends its URL at "; " (pip's marker separator for URLs); every other line
//   ends the requirement at the first ";".
//
// Performance: a search over a long line must stay linear. Sub-patterns that can scan far are
// possessive and stop where the next attempt would start. Capture groups never carry
// sub-patterns on anything that can repeat within a line, because vscode-textmate copies the
// line prefix for every such capture (quadratic on long lines); repeated tokens with inner
// scopes (versions, option values, URLs, strings, extras) are begin/end regions instead.
//
// Usage: node scripts/grammar.mjs [output path, default ../syntaxes/pip-requirements.tmLanguage.json]
import { writeFileSync } from "node:fs";

const S = ".pip-requirements";
const r = String.raw;

/**
 * The end of a logical line: an end of line without a trailing backslash, or a comment line.
 * vscode-textmate appends a newline to each line and "$" also matches after it, hence "\n".
 */
const END = r`(?<![\\\n])$|^(?=[ \t]*#)`;
/** Where the option part of a requirement line starts: a "-" after a space (or at a line start). */
const OPTIONS_START = r`(?:^|(?<= ))(?=-)`;
/** The end of a whitespace-free token: whitespace, or a trailing backslash run (a continuation). */
const TOKEN_END = r`(?=\s|(?<!\\)\\++$)`;
/** A PEP 508 / PEP 503 project name. */
const NAME = r`[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?`;
/** The start of a URL; the lookbehind keeps the search linear by trying only at word starts. */
const SCHEME = r`(?<![A-Za-z0-9+.-])(?:(?i:(?:git|hg|svn|bzr)\+[a-z-]+:|(?:https?|ftp|file):)|[A-Za-z][A-Za-z0-9+.-]*+://)`;
/** A run of characters without whitespace; a backslash run at the end of the line is left out. */
const WORD = r`(?:[^\s\\]++|\\++(?!$))++`;
const WORD_OPT = r`(?:[^\s\\]++|\\++(?!$))*+`;
/** The characters of a PEP 440 version as written after an operator (validity is the server's job). */
const VERSION_CHAR = r`[A-Za-z0-9._*+!-]`;
const ARCHIVE = r`(?:whl|zip|tar\.gz|tgz|tar|tar\.bz2|tbz|tar\.xz|txz|tlz|tar\.lz|tar\.lzma)`;
/**
 * What makes pip treat the first word of a line as a local path: a path separator, a leading
 * ".", or an archive file name. A "${VAR}" at the start is read the same way, since its value
 * is unknown. The trailing backslashes of a continued line are not separators.
 */
const PATH_START = r`(?=[.~/]|\\++(?!$)|\$\{|[A-Za-z]:[\\/]|[^\s;@\[\]/\\]*+(?:/|\\++(?!$))|[A-Za-z0-9._+!-]*\.${ARCHIVE}(?![^\s;\[\\]))`;

const markerVariables = [
  "python_version",
  "python_full_version",
  "os_name",
  "sys_platform",
  "platform_release",
  "platform_system",
  "platform_version",
  "platform_machine",
  "platform_python_implementation",
  "implementation_name",
  "implementation_version",
  "extra",
  "extras",
  "dependency_groups",
  // Legacy spellings that packaging still accepts.
  "os\\.name",
  "sys\\.platform",
  "platform\\.version",
  "platform\\.machine",
  "platform\\.python_implementation",
  "python_implementation",
];

const option = { name: `variable.parameter.option${S}` };
const keyValue = { name: `punctuation.separator.key-value${S}` };

/**
 * The long ("--name=value", "--name value") and short ("-x value", "-xvalue") forms of options
 * that take a value. Each is a region holding exactly one shell word: it ends at whitespace
 * outside quotes, and `valueRule` scopes what is inside.
 */
function valueOption(longNames, shortLetters, valueRule, comment) {
  const patterns = [
    {
      comment: `${comment} (long form)`,
      begin: r`(?<!\S)(--(?:${longNames.join("|")}))(?:(=)|[ \t]++(?!#)|(?![^\s\\]))`,
      beginCaptures: { 1: option, 2: keyValue },
      end: TOKEN_END,
      patterns: [{ include: valueRule }],
    },
  ];
  if (shortLetters) {
    patterns.push({
      comment: `${comment} (short form, value attached or after whitespace)`,
      begin: r`(?<!\S)(-[${shortLetters}])(?:[ \t]++(?!#))?`,
      beginCaptures: { 1: option },
      end: TOKEN_END,
      patterns: [{ include: valueRule }],
    });
  }
  return patterns;
}

/** Shell quoting inside an option value; `inner` scopes the quoted text. */
function quoted(inner) {
  const string = (quote, kind) => ({
    begin: quote,
    beginCaptures: { 0: { name: `punctuation.definition.string.begin${S}` } },
    end: `(${quote})|${END}`,
    endCaptures: { 1: { name: `punctuation.definition.string.end${S}` } },
    name: `string.quoted.${kind}${S}`,
    patterns: inner,
  });
  return [string("'", "single"), string('"', "double")];
}

/** A URL up to the end of its word; `stop` lists further characters that end it. */
function link(stop = "") {
  return {
    begin: SCHEME,
    end: r`(?=[\s${stop}]|(?<!\\)\\++$)`,
    name: `markup.underline.link${S}`,
    patterns: [{ include: "#env-var" }, { include: "#url-egg" }],
  };
}

const grammar = {
  $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
  name: "pip requirements",
  scopeName: "source.pip-requirements",
  comment: "pip requirements files (pip 26). Generated; each rule's comment says which pip behaviour it mirrors.",
  fileTypes: ["txt", "in", "pip"],
  patterns: [
    { include: "#comment-line" },
    { include: "#option-line" },
    { include: "#url-requirement" },
    { include: "#path-requirement" },
    { include: "#name-requirement" },
    { include: "#comment-trailing" },
    { include: "#continuation" },
    { include: "#env-var" },
  ],
  repository: {
    "comment-line": {
      comment: "A comment line. pip never continues a comment line, even when it ends in a backslash.",
      match: r`^[ \t]*+(#).*`,
      name: `comment.line.number-sign${S}`,
      captures: { 1: { name: `punctuation.definition.comment${S}` } },
    },
    "comment-trailing": {
      comment:
        "A comment after whitespace. A trailing backslash joins the next line first, so the comment swallows it.",
      begin: r`(?<=\s)(#)`,
      beginCaptures: { 1: { name: `punctuation.definition.comment${S}` } },
      end: END,
      name: `comment.line.number-sign${S}`,
    },
    continuation: {
      comment: "pip strips every trailing backslash of a continued line.",
      match: r`(?<!\\)\\++$`,
      name: `constant.character.escape.line-continuation${S}`,
    },
    "env-var": {
      comment: "pip expands ${NAME} (upper case, digits, underscore) anywhere in a line; other spellings stay literal.",
      match: r`(\$\{)[A-Z0-9_]++(\})`,
      name: `variable.other.environment${S}`,
      captures: {
        1: { name: `punctuation.definition.variable.begin${S}` },
        2: { name: `punctuation.definition.variable.end${S}` },
      },
    },

    // ---------------------------------------------------------------- line kinds
    "option-line": {
      comment: "A line whose first word starts with '-': only options.",
      begin: r`^[ \t]*+(?=-)`,
      end: END,
      patterns: [{ include: "#option-items" }],
    },
    "url-requirement": {
      comment: "A bare URL requirement. pip splits its marker at '; ', so a ';' inside the URL stays in it.",
      begin: r`^[ \t]*+(${SCHEME}(?:[^\s\\;]++|;(?! )|\\++(?!$))*+)`,
      beginCaptures: {
        1: { name: `markup.underline.link${S}`, patterns: [{ include: "#env-var" }, { include: "#url-egg" }] },
      },
      end: END,
      name: `meta.requirement${S}`,
      patterns: [
        { include: "#comment-trailing" },
        { include: "#options-tail" },
        { include: "#continuation" },
        { include: "#marker" },
        { include: "#env-var" },
      ],
    },
    "path-requirement": {
      comment: "A local path or archive, optionally followed by [extras] and a marker.",
      begin: r`^[ \t]*+${PATH_START}((?:[^\s\\;\[]++|\\++(?!$))++)`,
      beginCaptures: { 1: { name: `string.unquoted.path${S}`, patterns: [{ include: "#env-var" }] } },
      end: END,
      name: `meta.requirement${S}`,
      patterns: [
        { include: "#comment-trailing" },
        { include: "#options-tail" },
        { include: "#continuation" },
        { include: "#extras" },
        { include: "#marker" },
        { include: "#env-var" },
      ],
    },
    "name-requirement": {
      comment: "A PEP 508 requirement: name, extras, specifiers or '@ url', then a marker after ';'.",
      begin: r`^[ \t]*+(${NAME})`,
      beginCaptures: { 1: { name: `entity.name.package${S}` } },
      end: END,
      name: `meta.requirement${S}`,
      patterns: [
        { include: "#comment-trailing" },
        { include: "#options-tail" },
        { include: "#continuation" },
        { include: "#env-var" },
        { include: "#extras" },
        { include: "#url-reference" },
        { include: "#specifier" },
        { include: "#marker" },
      ],
    },

    // ---------------------------------------------------------------- requirement parts
    extras: {
      comment: "[extra1, extra2]. An unclosed list ends where something that is not a name starts.",
      begin: r`\[`,
      beginCaptures: { 0: { name: `punctuation.section.brackets.begin${S}` } },
      end: r`(\])|(?=[^\w\s,.$\\-]|\s[-#])|${END}`,
      endCaptures: { 1: { name: `punctuation.section.brackets.end${S}` } },
      patterns: [
        { include: "#continuation" },
        { include: "#env-var" },
        { match: NAME, name: `variable.other.extra${S}` },
        { match: ",", name: `punctuation.separator.comma${S}` },
      ],
    },
    "url-reference": {
      comment: "PEP 508 'name @ url'. pip cuts the line at the first ';', so the URL stops there.",
      begin: r`(@)[ \t]*+`,
      beginCaptures: { 1: { name: `keyword.operator.at${S}` } },
      end: r`(?=[\s;]|(?<!\\)\\++$)`,
      contentName: `markup.underline.link${S}`,
      patterns: [{ include: "#env-var" }, { include: "#url-egg" }],
    },
    specifier: {
      patterns: [
        {
          comment: "Arbitrary equality compares strings, so any text up to a separator is its operand.",
          match: r`(===)[ \t]*+((?:[^\s,;()\\]++|\\++(?!$))++)?`,
          captures: {
            1: { name: `keyword.operator.comparison${S}` },
            2: { name: `constant.other.version.arbitrary${S}` },
          },
        },
        {
          begin: r`(==|~=|!=|<=|>=|<|>)[ \t]*+`,
          beginCaptures: { 1: { name: `keyword.operator.comparison${S}` } },
          end: `(?!${VERSION_CHAR})`,
          contentName: `constant.numeric.version${S}`,
          patterns: [{ include: "#version-parts" }],
        },
        {
          comment: "A lone '=' is not an operator (pip: 'Did you mean == ?').",
          begin: r`(=)[ \t]*+`,
          beginCaptures: { 1: { name: `invalid.illegal.operator${S}` } },
          end: `(?!${VERSION_CHAR})`,
          contentName: `constant.numeric.version${S}`,
          patterns: [{ include: "#version-parts" }],
        },
        { match: ",", name: `punctuation.separator.comma${S}` },
        { match: r`\(`, name: `punctuation.parenthesis.begin${S}` },
        { match: r`\)`, name: `punctuation.parenthesis.end${S}` },
      ],
    },
    "version-parts": {
      patterns: [
        { match: r`(?<=[0-9])!`, name: `punctuation.separator.epoch${S}` },
        { match: r`\.?\*`, name: `keyword.operator.wildcard${S}` },
        { match: r`\+`, name: `punctuation.separator.local-version${S}` },
      ],
    },
    marker: {
      comment: "An environment marker, from ';' to the options, a comment or the end of the logical line.",
      begin: ";",
      beginCaptures: { 0: { name: `punctuation.separator.marker${S}` } },
      end: `${OPTIONS_START}|${END}`,
      contentName: `meta.marker${S}`,
      patterns: [
        { include: "#comment-trailing" },
        { include: "#continuation" },
        { include: "#env-var" },
        { include: "#marker-string" },
        { match: r`\b(?:and|or)\b`, name: `keyword.operator.logical${S}` },
        { match: r`\bnot[ \t]++in\b|\bin\b`, name: `keyword.operator.membership${S}` },
        { match: "===|==|~=|!=|<=|>=|<|>", name: `keyword.operator.comparison${S}` },
        {
          match: r`(?<![\w.])(?:${markerVariables.join("|")})(?![\w.])`,
          name: `variable.language.marker${S}`,
        },
        {
          comment: "packaging accepts only the marker variables above and quoted strings as operands.",
          match: r`(?<![\w.])[\w.]++`,
          name: `invalid.illegal.marker-operand${S}`,
        },
        { match: r`\(`, name: `punctuation.parenthesis.begin${S}` },
        { match: r`\)`, name: `punctuation.parenthesis.end${S}` },
        { match: "[=;]", name: `invalid.illegal.character${S}` },
      ],
    },
    "marker-string": {
      comment:
        "Marker literals have no escapes. pip cuts the line at ' -' (options) and whitespace-'#' (comment) before the marker is read, so a literal ends there too.",
      patterns: [
        {
          begin: "'",
          beginCaptures: { 0: { name: `punctuation.definition.string.begin${S}` } },
          end: r`(')|(?= -|\s#)|${END}`,
          endCaptures: { 1: { name: `punctuation.definition.string.end${S}` } },
          name: `string.quoted.single${S}`,
          patterns: [{ include: "#continuation" }, { include: "#env-var" }],
        },
        {
          begin: '"',
          beginCaptures: { 0: { name: `punctuation.definition.string.begin${S}` } },
          end: r`(")|(?= -|\s#)|${END}`,
          endCaptures: { 1: { name: `punctuation.definition.string.end${S}` } },
          name: `string.quoted.double${S}`,
          patterns: [{ include: "#continuation" }, { include: "#env-var" }],
        },
      ],
    },

    // ---------------------------------------------------------------- options
    "options-tail": {
      comment: "The options of a requirement line, e.g. the --hash options of pip-compile output.",
      begin: OPTIONS_START,
      end: END,
      patterns: [{ include: "#option-items" }],
    },
    "option-items": {
      patterns: [
        { include: "#comment-trailing" },
        { include: "#continuation" },
        { include: "#hash-option" },
        ...valueOption(["requirement", "constraint"], "rc", "#file-value", "Nested requirements and constraints files"),
        ...valueOption(["editable"], "e", "#file-value", "Editable requirement"),
        ...valueOption(
          ["index-url", "extra-index-url", "pypi-url", "find-links"],
          "if",
          "#file-value",
          "Index URLs and find-links locations",
        ),
        ...valueOption(["trusted-host"], null, "#host-value", "Trusted hosts"),
        ...valueOption(
          ["no-binary", "only-binary", "all-releases", "only-final"],
          null,
          "#package-list-value",
          "Format and release controls (:all:, :none: or package names)",
        ),
        ...valueOption(["use-feature"], null, "#feature-value", "Feature flags"),
        ...valueOption(["config-settings"], "C", "#config-setting-value", "Build backend settings"),
        {
          comment: "Options without a value.",
          match: r`(?<!\S)--(?:pre|no-index|prefer-binary|require-hashes|no-require-hashes)(?![^\s\\])`,
          name: `variable.parameter.option${S}`,
        },
        {
          comment:
            "Anything else that looks like an option: pip rejects unknown options, but optparse also accepts unambiguous abbreviations.",
          match: r`(?<!\S)(--?[A-Za-z0-9][A-Za-z0-9_-]*+)(=)?`,
          captures: { 1: { name: `variable.parameter.option.unknown${S}` }, 2: keyValue },
        },
        { include: "#env-var" },
        link(),
        ...quoted([{ include: "#env-var" }]),
      ],
    },
    "hash-option": {
      comment:
        "--hash=ALGO:HEX, possibly quoted. pip accepts only sha256, sha384 and sha512; digests are hex (pip lower-cases them).",
      match:
        r`(?<!\S)(--hash)(?:(=)|[ \t]++(?!#)|(?![^\s\\]))` +
        r`(?:(['"]?+)(?:(sha256|sha384|sha512)|([A-Za-z0-9_-]++))(:)([0-9A-Fa-f]*+)(\3)(${WORD_OPT})|(${WORD}))?`,
      captures: {
        1: option,
        2: keyValue,
        3: { name: `punctuation.definition.string.begin${S}` },
        4: { name: `support.type.hash-algorithm${S}` },
        5: { name: `invalid.illegal.hash-algorithm${S}` },
        6: { name: `punctuation.separator.hash${S}` },
        7: { name: `constant.numeric.hash${S}` },
        8: { name: `punctuation.definition.string.end${S}` },
        9: { name: `invalid.illegal.hash${S}` },
        10: { name: `invalid.illegal.hash${S}` },
      },
    },

    // ---------------------------------------------------------------- option values
    "file-value": {
      comment: "A path or URL, possibly quoted, possibly with extras (-e .[dev]).",
      patterns: [
        ...quoted([{ include: "#env-var" }, link(`'"`)]),
        { include: "#env-var" },
        link(`'"`),
        { include: "#extras" },
        {
          match: r`(?:[^\s'"\[$\\]++|\$(?!\{)|\\++(?!$)|\[(?![^\[\]\s]*+\]))++`,
          name: `string.unquoted.path${S}`,
        },
      ],
    },
    "host-value": {
      patterns: [
        ...quoted([{ include: "#env-var" }]),
        { include: "#env-var" },
        { match: r`(?:[^\s'"$\\]++|\$(?!\{)|\\++(?!$))++`, name: `string.unquoted.host${S}` },
      ],
    },
    "package-list-value": {
      patterns: [
        ...quoted([{ include: "#package-list-value" }]),
        { include: "#env-var" },
        { match: ":(?:all|none):", name: `constant.language.format-control${S}` },
        { match: NAME, name: `entity.name.package${S}` },
        { match: ",", name: `punctuation.separator.comma${S}` },
      ],
    },
    "feature-value": {
      patterns: [
        ...quoted([{ include: "#feature-value" }]),
        { include: "#env-var" },
        { match: r`[A-Za-z0-9_-]++`, name: `constant.other.feature${S}` },
      ],
    },
    "config-setting-value": {
      comment: "KEY=VALUE; pip rejects a value without '='.",
      patterns: [
        ...quoted([{ include: "#env-var" }]),
        {
          begin: r`([^\s'"=]*+)(=)`,
          beginCaptures: { 1: { name: `variable.other.config-setting${S}` }, 2: keyValue },
          end: TOKEN_END,
          contentName: `string.unquoted.config-setting${S}`,
          patterns: [...quoted([{ include: "#env-var" }]), { include: "#env-var" }],
        },
        { match: r`[^\s'"=\\]++`, name: `invalid.illegal.config-setting${S}` },
      ],
    },
    "url-egg": {
      comment: "The project name of a URL requirement (#egg=name).",
      match: r`(?<=[#&])egg=([^&\s'"\\]*+)`,
      captures: { 1: { name: `entity.name.package${S}` } },
    },
  },
};

const out = process.argv[2] ?? new URL("../syntaxes/pip-requirements.tmLanguage.json", import.meta.url);
writeFileSync(out, `${JSON.stringify(grammar, null, 2)}\n`);

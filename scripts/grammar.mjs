// Writes syntaxes/pip-requirements.tmLanguage.json. The grammar is generated from this readable
// source so that the shared regex fragments (names, versions, marker variables) are defined once.
import { writeFileSync } from "node:fs";

const S = ".pip-requirements";
const name = "[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?";
const markerVariables =
  "python_version|python_full_version|os_name|os\\.name|sys_platform|sys\\.platform|platform_release|platform_system|platform_version|platform\\.version|platform_machine|platform\\.machine|platform_python_implementation|platform\\.python_implementation|python_implementation|implementation_name|implementation_version|extras|extra|dependency_groups";
const valueOptions =
  "requirement|constraint|editable|index-url|pypi-url|extra-index-url|find-links|trusted-host|no-binary|only-binary|use-feature|all-releases|only-final|config-settings";
const flagOptions = "pre|no-index|prefer-binary|require-hashes|no-require-hashes";

const optionValue = {
  patterns: [{ include: "#env-var" }, { include: "#url" }, { match: "\\S+", name: `string.unquoted.path${S}` }],
};

const grammar = {
  $schema: "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
  name: "pip requirements",
  scopeName: "source.pip-requirements",
  fileTypes: ["txt", "in", "pip"],
  patterns: [
    { include: "#comment" },
    { include: "#continuation" },
    { include: "#hash-option" },
    { include: "#value-option" },
    { include: "#flag-option" },
    { include: "#unknown-option" },
    { include: "#url-requirement" },
    { include: "#requirement" },
    { include: "#env-var" },
  ],
  repository: {
    comment: {
      // A '#' starts a comment only at the start of a line or after whitespace (pip's COMMENT_RE).
      match: "(?:^|(?<=[ \\t]))(#).*$",
      name: `comment.line.number-sign${S}`,
      captures: { 1: { name: `punctuation.definition.comment${S}` } },
    },
    continuation: { match: "\\\\$", name: `constant.character.escape.line-continuation${S}` },
    "env-var": {
      match: "(\\$\\{)([A-Z0-9_]+)(\\})",
      name: `variable.other.environment${S}`,
      captures: {
        1: { name: `punctuation.definition.variable.begin${S}` },
        3: { name: `punctuation.definition.variable.end${S}` },
      },
    },
    url: {
      match: "(?:(?:git|hg|svn|bzr)\\+[A-Za-z+-]+|https?|file|ftp):(?://)?[^\\s#]*(?:#[^\\s]*)?",
      name: `markup.underline.link${S}`,
    },
    "hash-option": {
      match: "(?:^|(?<=[ \\t]))(--hash)(=|[ \\t]+)([A-Za-z0-9]+)(:)([0-9A-Fa-f]*)",
      captures: {
        1: { name: `variable.parameter.option${S}` },
        2: { name: `punctuation.separator.key-value${S}` },
        3: { name: `storage.type.hash-algorithm${S}` },
        4: { name: `punctuation.separator.hash${S}` },
        5: { name: `constant.other.hash${S}` },
      },
    },
    "value-option": {
      patterns: [
        {
          match: `(?:^|(?<=[ \\t]))(--(?:${valueOptions}))(?:(=)|[ \\t]+)((?:[^\\s#]|#(?!\\s))+)?`,
          captures: {
            1: { name: `variable.parameter.option${S}` },
            2: { name: `punctuation.separator.key-value${S}` },
            3: optionValue,
          },
        },
        {
          match: "(?:^|(?<=[ \\t]))(-[rcefiC])[ \\t]*((?:[^\\s#]|#(?!\\s))+)?",
          captures: { 1: { name: `variable.parameter.option${S}` }, 2: optionValue },
        },
      ],
    },
    "flag-option": {
      match: `(?:^|(?<=[ \\t]))--(?:${flagOptions})(?=\\s|$)`,
      name: `variable.parameter.option${S}`,
    },
    "unknown-option": {
      match: "(?:^|(?<=[ \\t]))--?[A-Za-z][A-Za-z0-9-]*",
      name: `variable.parameter.option.unknown${S}`,
    },
    "url-requirement": {
      begin: "^[ \\t]*(?=(?:(?:git|hg|svn|bzr)\\+[A-Za-z+-]+|https?|file|ftp):)",
      end: "(?=[ \\t]#|[ \\t]+--?[A-Za-z]|\\\\$)|$",
      patterns: [
        {
          match: "(?:(?:git|hg|svn|bzr)\\+[A-Za-z+-]+|https?|file|ftp):[^\\s;]*(?:;(?! )[^\\s;]*)*",
          name: `markup.underline.link${S}`,
        },
        { include: "#marker" },
      ],
    },
    requirement: {
      begin: `^[ \\t]*(${name})`,
      beginCaptures: { 1: { name: `entity.name.package${S}` } },
      end: "(?=[ \\t]#|[ \\t]+--?[A-Za-z]|\\\\$)|$",
      patterns: [
        { include: "#env-var" },
        { include: "#extras" },
        {
          match: "(@)[ \\t]*(\\S+)",
          captures: {
            1: { name: `keyword.operator.at${S}` },
            2: { patterns: [{ include: "#env-var" }, { include: "#url" }] },
          },
        },
        { include: "#specifier" },
        { include: "#marker" },
      ],
    },
    extras: {
      begin: "\\[",
      end: "\\]|$",
      beginCaptures: { 0: { name: `punctuation.definition.extras.begin${S}` } },
      endCaptures: { 0: { name: `punctuation.definition.extras.end${S}` } },
      patterns: [
        { match: name, name: `variable.other.extra${S}` },
        { match: ",", name: `punctuation.separator.comma${S}` },
      ],
    },
    specifier: {
      patterns: [
        {
          match: "(===|==|~=|!=|<=|>=|<|>)[ \\t]*([^\\s,;()#\\\\]*)",
          captures: {
            1: { name: `keyword.operator.comparison${S}` },
            2: {
              patterns: [
                { match: "\\.\\*$", name: `keyword.operator.wildcard${S}` },
                { match: ".+?(?=\\.\\*$)|.+", name: `constant.other.version${S}` },
              ],
            },
          },
        },
        { match: ",", name: `punctuation.separator.comma${S}` },
        { match: "[()]", name: `punctuation.section.parens${S}` },
      ],
    },
    marker: {
      begin: ";",
      beginCaptures: { 0: { name: `punctuation.separator.marker${S}` } },
      end: "(?=[ \\t]#|[ \\t]+--[A-Za-z]|\\\\$)|$",
      contentName: `meta.marker${S}`,
      patterns: [
        { match: `\\b(?:${markerVariables})\\b`, name: `variable.language.marker${S}` },
        { match: "\\b(?:and|or)\\b", name: `keyword.operator.logical${S}` },
        { match: "\\bnot[ \\t]+in\\b|\\bin\\b", name: `keyword.operator.membership${S}` },
        { match: "===|==|~=|!=|<=|>=|<|>", name: `keyword.operator.comparison${S}` },
        { match: "'[^']*'", name: `string.quoted.single${S}` },
        { match: '"[^"]*"', name: `string.quoted.double${S}` },
        { match: "[()]", name: `punctuation.section.parens${S}` },
      ],
    },
  },
};

writeFileSync(
  new URL("../syntaxes/pip-requirements.tmLanguage.json", import.meta.url),
  `${JSON.stringify(grammar, null, 2)}\n`,
);

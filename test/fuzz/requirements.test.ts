import fc from "fast-check";
import { checkRequirementsBytes, checkRequirementsText, checkRequirementsTree } from "./checks";
import { requirementsCorpus } from "./corpus";
import { requirementsDocument, requirementsLine, tokens } from "./generators";
import { chaosText, fuzzIt, latin1Bytes, mutatedCorpus, randomBytes } from "./support";

/**
 * The requirements-file parser (`parseRequirementsText`/`parseRequirementsBytes`/`parseRequirementsTree`)
 * on random text, generated files and mutated corpus files: it never throws (garbage yields `syntax`
 * problems), every span lies inside the document, and every PEP 508 line printed back and parsed again
 * gives the same name, extras, specifier, marker and URL.
 */
describe("fuzz: requirements files", function () {
  const target = "requirements";

  fuzzIt(target, "random text: never throws, spans inside", chaosText(tokens.requirements, 80), checkRequirementsText);

  fuzzIt(
    target,
    "generated files: spans inside, printed requirements re-parse equal",
    requirementsDocument,
    checkRequirementsText,
  );

  fuzzIt(
    target,
    "mutated corpus text: never throws, spans inside, round-trip",
    mutatedCorpus(requirementsCorpus, tokens.requirements),
    checkRequirementsText,
  );

  const corpusBytes = requirementsCorpus.map((text) => Buffer.from(text, "utf8").toString("latin1"));
  fuzzIt(
    target,
    "mutated corpus bytes and random bytes: decoding never throws, spans inside",
    fc.oneof(mutatedCorpus(corpusBytes, [], { bytes: true }).map(latin1Bytes), randomBytes),
    checkRequirementsBytes,
  );

  const includingLine = fc.oneof(
    requirementsLine,
    fc
      .tuple(
        fc.constantFrom("-r ", "-c ", "--requirement=", "--constraint "),
        fc.constantFrom("f0.txt", "f1.txt", "f2.txt", "missing.txt", "dir/", " f1.txt"),
      )
      .map(([option, file]) => `${option}${file}`),
  );
  const includingFile = fc.array(includingLine, { maxLength: 6 }).map((lines) => lines.join("\n"));
  fuzzIt(
    target,
    "include trees with cycles and missing files: never throw, spans inside",
    fc.array(includingFile, { minLength: 1, maxLength: 3 }),
    checkRequirementsTree,
  );
});

import fc from "fast-check";
import { checkMarker, checkPep508 } from "./checks";
import { requirementsCorpus } from "./corpus";
import { markerText, pep508Text, tokens } from "./generators";
import { chaosText, fuzzIt, mutatedCorpus } from "./support";

/**
 * PEP 508 requirements (`parseRequirement`) and environment markers (`parseMarker`, `evaluateMarker`):
 * never throw, spans inside the text, and printing (packaging's `str()`) then parsing again gives an
 * equal requirement or a marker that prints the same and evaluates the same.
 */

/** The requirement lines of the corpus, comments and options cut off: seeds for mutation. */
const corpusRequirements = requirementsCorpus
  .flatMap((text) => text.split(/\r?\n/))
  .map((line) =>
    line
      .replace(/\s#.*$/, "")
      .replace(/\s--?[a-z].*$/, "")
      .trim(),
  )
  .filter((line) => /^[A-Za-z0-9]/.test(line));

/** The markers of those lines. */
const corpusMarkers = corpusRequirements
  .filter((line) => line.includes(";"))
  .map((line) => line.slice(line.indexOf(";") + 1).trim());

/** Generated text with a few mutations: valid-ish input that probes the edges of the grammar. */
function noisy(arbitrary: fc.Arbitrary<string>, noiseTokens: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(arbitrary, fc.nat()).chain(([text]) => mutatedCorpus([text], noiseTokens));
}

describe("fuzz: PEP 508 requirements", function () {
  const target = "pep508";

  fuzzIt(target, "random text: never throws, spans inside", chaosText(tokens.requirements, 40), checkPep508, {
    weight: 2,
  });

  fuzzIt(target, "generated requirements: print and re-parse give an equal requirement", pep508Text, checkPep508, {
    weight: 4,
  });

  fuzzIt(target, "mutated generated requirements", noisy(pep508Text, tokens.requirements), checkPep508, { weight: 4 });

  fuzzIt(target, "mutated corpus requirements", mutatedCorpus(corpusRequirements, tokens.requirements), checkPep508, {
    weight: 2,
  });
});

describe("fuzz: markers", function () {
  const target = "markers";
  const markerTokens = tokens.requirements.concat([
    "(",
    ")",
    " and ",
    " or ",
    " not in ",
    " in ",
    "os.name",
    "sys_platform",
    "'linux'",
    '"win32"',
    "\\x41",
    "\\",
    "===",
  ]);

  fuzzIt(target, "random text: never throws, spans inside", chaosText(markerTokens, 40), checkMarker, { weight: 2 });

  fuzzIt(target, "generated markers: printed form parses, prints and evaluates the same", markerText, checkMarker, {
    weight: 4,
  });

  fuzzIt(target, "mutated generated markers", noisy(markerText, markerTokens), checkMarker, { weight: 4 });

  fuzzIt(target, "mutated corpus markers", mutatedCorpus(corpusMarkers, markerTokens), checkMarker, { weight: 2 });
});

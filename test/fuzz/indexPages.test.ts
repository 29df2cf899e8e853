import fc from "fast-check";
import { checkSimpleHtml, checkSimpleJson } from "./checks";
import { htmlCorpus, jsonCorpus } from "./corpus";
import { htmlText, simpleJsonValue, tokens } from "./generators";
import { chaosText, fuzzIt, mutatedCorpus } from "./support";

/**
 * The index-page readers (Simple HTML, Simple JSON, and the JSON API reader) on random, shaped and
 * mutated pages: they never throw (a broken page is an error result or skipped files), and every file
 * they return has an http(s) or file URL without credentials, a name, and well-formed hashes.
 */
describe("fuzz: Simple HTML reader", function () {
  const target = "simpleHtml";
  fuzzIt(target, "random text: never throws, files well-formed", chaosText(tokens.html, 60), checkSimpleHtml);
  fuzzIt(target, "HTML-shaped pages: never throws, files well-formed", htmlText, checkSimpleHtml);
  fuzzIt(
    target,
    "mutated corpus pages: never throws, files well-formed",
    mutatedCorpus(htmlCorpus, tokens.html),
    checkSimpleHtml,
    {
      weight: 2,
    },
  );
});

describe("fuzz: Simple JSON reader", function () {
  const target = "simpleJson";
  fuzzIt(target, "random text: never throws", chaosText(tokens.json, 60), checkSimpleJson);
  fuzzIt(
    target,
    "random JSON values: never throws",
    fc.jsonValue().map((v) => JSON.stringify(v)),
    checkSimpleJson,
  );
  fuzzIt(
    target,
    "page-shaped JSON with wrong types: never throws, files well-formed",
    simpleJsonValue.map((v) => JSON.stringify(v)),
    checkSimpleJson,
    { weight: 2 },
  );
  fuzzIt(
    target,
    "mutated corpus pages: never throws, files well-formed",
    mutatedCorpus(jsonCorpus, tokens.json),
    checkSimpleJson,
    {
      weight: 2,
    },
  );
});

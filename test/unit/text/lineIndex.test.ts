import assert from "node:assert/strict";
import { LineIndex } from "../../../server/src/core/text/lineIndex";
import { seededRandom } from "../../support/seededRandom";

/** Line starts as LSP defines them, one character at a time: the reference for the index. */
function referenceStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10) {
      starts.push(i + 1);
    }
  }
  return starts;
}

describe("LineIndex", () => {
  it("finds the same lines as a character-by-character scan, for every mix of line ends", () => {
    const next = seededRandom(7);
    const pieces = ["a", "bc", "é", "😀", "\n", "\r", "\r\n", "\n\r", "\r\r\n", " "];
    const texts = ["", "\n", "\r", "\r\n", "x", "x\r", "\r\nx", "\n\n\r\r"];
    for (let n = 0; n < 400; n++) {
      let text = "";
      const length = Math.floor(next() * 40);
      for (let i = 0; i < length; i++) text += pieces[Math.floor(next() * pieces.length)] ?? "";
      texts.push(text);
    }
    for (const text of texts) {
      const index = new LineIndex(text);
      const starts = referenceStarts(text);
      assert.equal(index.lineCount, starts.length, JSON.stringify(text));
      for (let offset = 0; offset <= text.length; offset++) {
        const position = index.positionAt(offset);
        const line = starts.filter((s) => s <= offset).length - 1;
        assert.deepEqual(position, { line, character: offset - (starts[line] ?? 0) }, JSON.stringify(text));
        assert.equal(index.offsetAt(position) <= offset, true);
      }
    }
  });
});

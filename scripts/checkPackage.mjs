// `npm run package` ends here: the .vsix must stay under 1 MB and contain only what users need —
// the bundles, the grammar, the manifest with its strings, README, CHANGELOG, LICENSE and the icon.
import { readFileSync, statSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const vsix = `pinsight-${pkg.version}.vsix`;
const maxBytes = 1024 * 1024;
const allowed = [
  /^extension\/dist\/(client|languageClient|server)\.js$/,
  /^extension\/syntaxes\/[^/]+\.json$/,
  /^extension\/package(\.nls)?\.json$/,
  /^extension\/(readme\.md|changelog\.md|LICENSE\.txt)$/i,
  /^extension\/client\/images\/icon\.png$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\.vsixmanifest$/,
];

const size = statSync(vsix).size;
const entries = zipEntries(readFileSync(vsix));
const problems = [];
if (size >= maxBytes) problems.push(`${vsix} is ${size} bytes; the limit is ${maxBytes}`);
if (entries === null) {
  console.warn("checkPackage: `unzip` is not available, so the contents were not checked");
} else {
  for (const entry of entries)
    if (!allowed.some((pattern) => pattern.test(entry))) problems.push(`unexpected file in the package: ${entry}`);
  for (const required of [
    "extension/dist/client.js",
    "extension/dist/languageClient.js",
    "extension/dist/server.js",
    "extension/client/images/icon.png",
  ]) {
    if (!entries.includes(required)) problems.push(`missing from the package: ${required}`);
  }
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`${vsix}: ${(size / 1024).toFixed(0)} KB, ${entries.length} entries, contents as expected`);

/**
 * The file names in a zip archive, from its central directory (a .vsix is a zip file); no unzip
 * tool is needed on the machine.
 */
function zipEntries(buffer) {
  // The end-of-central-directory record is in the last 64 KiB + 22 bytes, found by its signature.
  let end = -1;
  for (let i = buffer.length - 22; i >= Math.max(0, buffer.length - 65_557); i--) {
    if (buffer.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error(`${vsix} is not a zip archive`);
  const count = buffer.readUInt16LE(end + 10);
  let offset = buffer.readUInt32LE(end + 16);
  const names = [];
  for (let i = 0; i < count; i++) {
    if (buffer.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${vsix}: damaged central directory`);
    const nameLength = buffer.readUInt16LE(offset + 28);
    const extraLength = buffer.readUInt16LE(offset + 30);
    const commentLength = buffer.readUInt16LE(offset + 32);
    names.push(buffer.toString("utf8", offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

// Draws Pinsight's marketplace icon (client/images/icon.png, 128×128): a pin over a Python-blue
// disc. Rendered pixel by pixel with 4× supersampling and written as a PNG with zlib, so the icon is
// reproducible from this file without image tools.
import { Buffer } from "node:buffer";
import { writeFileSync } from "node:fs";
import { deflateSync } from "node:zlib";

const size = 128;
const samples = 4;
const blue = [48, 105, 152];
const yellow = [255, 212, 59];
const white = [255, 255, 255];

/** The colour at a point (in 0..128 coordinates), or null for transparent. */
function colour(x, y) {
  const cx = 64;
  const cy = 64;
  if ((x - cx) ** 2 + (y - cy) ** 2 > 62 ** 2) return null;
  // The pin: a round head and a needle pointing down-left.
  const hx = 74;
  const hy = 50;
  const head = (x - hx) ** 2 + (y - hy) ** 2;
  if (head <= 21 ** 2) return head >= 15 ** 2 ? white : yellow;
  // Needle: a thin wedge from the head towards (36, 96).
  const tx = 36;
  const ty = 96;
  const dx = hx - tx;
  const dy = hy - ty;
  const length = Math.hypot(dx, dy);
  const t = ((x - tx) * dx + (y - ty) * dy) / (length * length);
  if (t >= 0 && t <= 1) {
    const px = tx + t * dx;
    const py = ty + t * dy;
    if (Math.hypot(x - px, y - py) <= 1 + 5 * t) return white;
  }
  return blue;
}

const raw = Buffer.alloc(size * (size * 4 + 1));
for (let y = 0; y < size; y++) {
  raw[y * (size * 4 + 1)] = 0;
  for (let x = 0; x < size; x++) {
    let r = 0;
    let g = 0;
    let b = 0;
    let a = 0;
    for (let sy = 0; sy < samples; sy++) {
      for (let sx = 0; sx < samples; sx++) {
        const c = colour(x + (sx + 0.5) / samples, y + (sy + 0.5) / samples);
        if (c === null) continue;
        r += c[0];
        g += c[1];
        b += c[2];
        a += 1;
      }
    }
    const offset = y * (size * 4 + 1) + 1 + x * 4;
    raw[offset] = a ? Math.round(r / a) : 0;
    raw[offset + 1] = a ? Math.round(g / a) : 0;
    raw[offset + 2] = a ? Math.round(b / a) : 0;
    raw[offset + 3] = Math.round((a / (samples * samples)) * 255);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
const header = Buffer.alloc(13);
header.writeUInt32BE(size, 0);
header.writeUInt32BE(size, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk("IHDR", header),
  chunk("IDAT", deflateSync(raw, { level: 9 })),
  chunk("IEND", Buffer.alloc(0)),
]);
writeFileSync(new URL("../client/images/icon.png", import.meta.url), png);
console.log(`client/images/icon.png: ${png.length} bytes`);

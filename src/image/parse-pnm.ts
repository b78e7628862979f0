import { InputError } from '../contracts';
import type { RgbImage } from './rgb-image';

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0b, 0x0c]);

/**
 * Decodes a Netpbm image (P2/P5 grey, P3/P6 colour; maxval up to 65535) to 8-bit RGB, because
 * sharp's prebuilt libvips has no PPM/PGM loader (the AT&T/ORL faces are `.pgm`).
 * Samples are rescaled to 0..255 (round(v * 255 / maxval)); grey is replicated to R, G, B.
 * @throws InputError naming `source` for a bad magic number, header or a truncated body.
 */
export function parsePnm(buf: Uint8Array, source = '<buffer>'): RgbImage {
  let pos = 0;
  const fail = (reason: string): never => {
    throw new InputError(`${source}: not a valid PNM image (${reason})`, { path: source, reason });
  };
  const nextToken = (): string => {
    for (;;) {
      while (pos < buf.length && WHITESPACE.has(buf[pos] ?? 0)) pos++;
      if (buf[pos] === 0x23) {
        while (pos < buf.length && buf[pos] !== 0x0a && buf[pos] !== 0x0d) pos++;
        continue;
      }
      break;
    }
    const start = pos;
    while (pos < buf.length && !WHITESPACE.has(buf[pos] ?? 0) && buf[pos] !== 0x23) pos++;
    if (pos === start) fail('unexpected end of header');
    return Buffer.from(buf.subarray(start, pos)).toString('latin1');
  };
  const magic = nextToken();
  if (!['P2', 'P3', 'P5', 'P6'].includes(magic)) fail(`magic '${magic}' is not P2, P3, P5 or P6`);
  const toInt = (s: string, name: string): number => {
    const v = Number(s);
    if (!Number.isInteger(v) || v <= 0) fail(`${name} '${s}' is not a positive integer`);
    return v;
  };
  const width = toInt(nextToken(), 'width');
  const height = toInt(nextToken(), 'height');
  const maxval = toInt(nextToken(), 'maxval');
  if (maxval > 65535) fail(`maxval ${maxval} > 65535`);
  const channels = magic === 'P2' || magic === 'P5' ? 1 : 3;
  const n = width * height * channels;
  const samples = new Uint16Array(n);
  if (magic === 'P5' || magic === 'P6') {
    pos++; // exactly one whitespace byte after maxval
    const bytes = maxval < 256 ? 1 : 2;
    if (buf.length - pos < n * bytes) fail(`body has ${buf.length - pos} bytes, expected ${n * bytes}`);
    for (let i = 0; i < n; i++) {
      samples[i] = bytes === 1 ? (buf[pos + i] ?? 0) : ((buf[pos + 2 * i] ?? 0) << 8) | (buf[pos + 2 * i + 1] ?? 0);
    }
  } else {
    for (let i = 0; i < n; i++) samples[i] = toInt(String(Number(nextToken()) + 1), 'sample') - 1;
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const v = samples[p * channels + (channels === 1 ? 0 : c)] ?? 0;
      rgb[p * 3 + c] = maxval === 255 ? v : Math.round((Math.min(v, maxval) * 255) / maxval);
    }
  }
  return { width, height, rgb };
}

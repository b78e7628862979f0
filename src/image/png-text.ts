import * as zlib from 'node:zlib';
import { InputError } from '../contracts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

function checkPng(png: Uint8Array, what: string): Buffer {
  const buf = Buffer.from(png.buffer, png.byteOffset, png.length);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) {
    throw new InputError(`${what}: not a PNG (bad signature)`, { reason: 'bad signature' });
  }
  return buf;
}

/**
 * Adds uncompressed international text chunks (`iTXt`, UTF-8) right after IHDR of an encoded
 * PNG. sharp/libvips cannot write arbitrary PNG text chunks, so they are spliced in here; any PNG
 * reader (exiftool, PIL `img.text`, {@link readPngText}) shows them.
 * @param text keyword → value; keywords are 1–79 printable Latin-1 characters without leading,
 *   trailing or double spaces (PNG spec §11.3.4).
 * @throws InputError on a non-PNG buffer or an invalid keyword.
 */
export function addPngText(png: Uint8Array, text: Readonly<Record<string, string>>): Buffer {
  const buf = checkPng(png, 'addPngText');
  const ihdrEnd = 8 + 12 + buf.readUInt32BE(8);
  const chunks: Buffer[] = [];
  for (const [key, value] of Object.entries(text)) {
    if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(key) || key.startsWith(' ') || key.endsWith(' ') || key.includes('  ')) {
      throw new InputError(`addPngText: invalid PNG text keyword '${key}' (1-79 printable Latin-1 characters, no leading/trailing/double spaces)`, {
        option: 'text',
      });
    }
    // keyword \0, compression flag 0, method 0, language tag '' \0, translated keyword '' \0, UTF-8 text
    const body = Buffer.concat([Buffer.from(key, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(value, 'utf8')]);
    chunks.push(chunk('iTXt', body));
  }
  return Buffer.concat([buf.subarray(0, ihdrEnd), ...chunks, buf.subarray(ihdrEnd)]);
}

/**
 * Reads the text chunks (tEXt, and uncompressed or deflated iTXt / zTXt) of an encoded PNG.
 * @returns keyword → text, in file order (a repeated keyword keeps its last value).
 * @throws InputError on a non-PNG or truncated buffer.
 */
export function readPngText(png: Uint8Array): Record<string, string> {
  const buf = checkPng(png, 'readPngText');
  const out: Record<string, string> = {};
  let pos = 8;
  while (pos + 12 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > buf.length) throw new InputError(`readPngText: chunk '${type}' truncated`, { reason: 'truncated' });
    const body = buf.subarray(pos + 8, pos + 8 + len);
    const nul = body.indexOf(0);
    if (nul > 0) {
      const key = body.toString('latin1', 0, nul);
      if (type === 'tEXt') out[key] = body.toString('latin1', nul + 1);
      else if (type === 'zTXt') out[key] = zlib.inflateSync(body.subarray(nul + 2)).toString('latin1');
      else if (type === 'iTXt') {
        const compressed = body[nul + 1] === 1;
        const langEnd = body.indexOf(0, nul + 3);
        const transEnd = langEnd < 0 ? -1 : body.indexOf(0, langEnd + 1);
        if (transEnd >= 0) {
          const raw = body.subarray(transEnd + 1);
          out[key] = (compressed ? zlib.inflateSync(raw) : raw).toString('utf8');
        }
      }
    }
    if (type === 'IEND') break;
    pos += 12 + len;
  }
  return out;
}

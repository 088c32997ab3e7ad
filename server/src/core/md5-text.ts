/**
 * MD5 (RFC 1321) of a text written piece by piece as UTF-8 into one reused buffer. A big project
 * hashes every generic test's metadata (tens of thousands per load): building each hashed text as
 * a string, hashing it and cutting the hex apart made over a kilobyte of garbage per test. Here
 * the pieces go straight to bytes (natively, through a Buffer over the same memory) and the bytes
 * are hashed by node:crypto in one call: an MD5 written in JavaScript ran interpreted for most of a
 * CLI run (its tiering budget is raised) and cost ~75 ms of ol_dbt's parse for 3,868 tests.
 */
import * as crypto from 'node:crypto';

const utf8 = new TextEncoder();
/** node:crypto's one-shot `hash` (Node 20.12+), else a Hash object per digest. */
const oneShot = (crypto as unknown as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;
/** Pieces up to this many UTF-16 units are copied by `add` in JavaScript when they are ASCII. */
const SHORT = 64;
/** Texts shorter than this many bytes are hashed through a view kept for their length. */
const VIEWS = 1024;
const md5Hex: (bytes: Uint8Array) => string = oneShot ? (bytes) => oneShot('md5', bytes, 'hex') : (bytes) => crypto.createHash('md5').update(bytes).digest('hex');

export class Md5Text {
  private bytes = new Uint8Array(1024);
  /** The same memory as a Buffer: its native UTF-8 writer. */
  private buffer = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  private length = 0;
  /** `view`'s views of the bytes, by length (below `VIEWS`). */
  private views: Array<Uint8Array | undefined> = [];
  /** A high surrogate ending the last piece, paired with a low one starting the next (the text is one string to MD5). */
  private pendingHigh = 0;

  /** Starts a new text. */
  reset(): this {
    this.length = 0;
    this.pendingHigh = 0;
    return this;
  }

  /** Appends `text` as UTF-8 (a lone surrogate as U+FFFD, as Node encodes it). */
  add(text: string): this {
    // Room for the worst case (3 bytes per UTF-16 unit).
    this.ensure(this.length + text.length * 3 + 8);
    // A short ASCII piece (quotes, separators, names: most of what a test id hashes) is copied
    // here: a native write per piece cost more than the copy.
    if (text.length <= SHORT && this.pendingHigh === 0) {
      const bytes = this.bytes;
      const at = this.length;
      let i = 0;
      for (; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[at + i] = c;
      }
      if (i === text.length) {
        this.length = at + i;
        return this;
      }
      // Not ASCII: written whole by the native writer below (over the bytes copied so far).
    }
    let start = 0;
    let end = text.length;
    if (this.pendingHigh !== 0) {
      if (end === 0) return this;
      const next = text.charCodeAt(0);
      const paired = next >= 0xdc00 && next <= 0xdfff;
      this.length = this.putCodePoint(paired ? 0x10000 + ((this.pendingHigh - 0xd800) << 10) + (next - 0xdc00) : 0xfffd, this.length);
      if (paired) start = 1;
      this.pendingHigh = 0;
    }
    if (end > start) {
      // A high surrogate ending the piece waits for the next piece's first unit.
      const last = text.charCodeAt(end - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        this.pendingHigh = last;
        end--;
      }
    }
    if (end > start) this.length += this.buffer.write(start === 0 && end === text.length ? text : text.slice(start, end), this.length);
    return this;
  }

  /** Appends bytes encoded beforehand (`Md5Text.encode`): the pieces a caller writes into many hashes. */
  addBytes(encoded: Uint8Array): this {
    this.flushPending();
    this.ensure(this.length + encoded.length + 8);
    this.bytes.set(encoded, this.length);
    this.length += encoded.length;
    return this;
  }

  /** A text as UTF-8, for `addBytes`. */
  static encode(text: string): Uint8Array {
    return utf8.encode(text);
  }

  /** The last `chars` hex digits (1 to 32) of the MD5 of the text so far. */
  hexTail(chars = 32): string {
    this.flushPending();
    const hex = md5Hex(this.view(this.length));
    return chars >= 32 ? hex : hex.slice(32 - chars);
  }

  /**
   * The first `length` bytes as a view, one kept per length: hashed texts come in a few hundred
   * lengths, and a subarray made per digest (tens of thousands per load) cost more than the hash's call.
   */
  private view(length: number): Uint8Array {
    if (length >= VIEWS) return this.bytes.subarray(0, length);
    let view = this.views[length];
    if (view === undefined) this.views[length] = view = this.bytes.subarray(0, length);
    return view;
  }

  /** A high surrogate that no low one followed is U+FFFD. */
  private flushPending(): void {
    if (this.pendingHigh === 0) return;
    this.ensure(this.length + 8);
    this.length = this.putCodePoint(0xfffd, this.length);
    this.pendingHigh = 0;
  }

  private putCodePoint(cp: number, at: number): number {
    const bytes = this.bytes;
    if (cp >= 0x10000) {
      bytes[at++] = 0xf0 | (cp >> 18);
      bytes[at++] = 0x80 | ((cp >> 12) & 63);
      bytes[at++] = 0x80 | ((cp >> 6) & 63);
      bytes[at++] = 0x80 | (cp & 63);
    } else {
      bytes[at++] = 0xe0 | (cp >> 12);
      bytes[at++] = 0x80 | ((cp >> 6) & 63);
      bytes[at++] = 0x80 | (cp & 63);
    }
    return at;
  }

  private ensure(size: number): void {
    if (size <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(size, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.buffer = Buffer.from(grown.buffer, grown.byteOffset, grown.byteLength);
    // Views of the old bytes would hash stale memory.
    this.views = [];
  }
}

/**
 * MD5 (RFC 1321) of a text written piece by piece as UTF-8 into one reused buffer. A big project
 * hashes every generic test's metadata (tens of thousands per load): building each hashed text as
 * a string, hashing it natively and cutting the hex apart made over a kilobyte of garbage per
 * test. Here the pieces go straight to bytes and only the hex asked for becomes a string.
 */

const utf8 = new TextEncoder();
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

export class Md5Text {
  private bytes = new Uint8Array(1024);
  /** The same memory as 32-bit words, where the machine is little-endian as MD5 is (one read per word). */
  private words = littleEndian ? new Int32Array(this.bytes.buffer) : undefined;
  private length = 0;
  /** The digest as four little-endian words. */
  private readonly digest = new Int32Array(4);
  /** A high surrogate ending the last piece, paired with a low one starting the next (the text is one string to MD5). */
  private pendingHigh = 0;
  /** Reused char-code lists, by length, for the hex string. */
  private readonly hexCodes: number[][] = [];

  /** Starts a new text. */
  reset(): this {
    this.length = 0;
    this.pendingHigh = 0;
    return this;
  }

  /** Appends `text` as UTF-8 (a lone surrogate as U+FFFD, as Node encodes it). */
  add(text: string): this {
    // Room for the worst case (3 bytes per UTF-16 unit) plus the padding of the last block.
    this.ensure(this.length + text.length * 3 + 72);
    const bytes = this.bytes;
    let at = this.length;
    let i = 0;
    if (this.pendingHigh !== 0) {
      const next = text.length > 0 ? text.charCodeAt(0) : 0;
      if (text.length === 0) return this;
      at = this.putCodePoint(next >= 0xdc00 && next <= 0xdfff ? 0x10000 + ((this.pendingHigh - 0xd800) << 10) + (next - 0xdc00) : 0xfffd, at);
      if (next >= 0xdc00 && next <= 0xdfff) i = 1;
      this.pendingHigh = 0;
    }
    for (; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c < 0x80) {
        bytes[at++] = c;
        continue;
      }
      if (c < 0x800) {
        bytes[at++] = 0xc0 | (c >> 6);
        bytes[at++] = 0x80 | (c & 63);
        continue;
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        if (c <= 0xdbff && i + 1 === text.length) {
          this.pendingHigh = c;
          break;
        }
        const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          bytes[at++] = 0xf0 | (cp >> 18);
          bytes[at++] = 0x80 | ((cp >> 12) & 63);
          bytes[at++] = 0x80 | ((cp >> 6) & 63);
          bytes[at++] = 0x80 | (cp & 63);
          continue;
        }
        c = 0xfffd;
      }
      bytes[at++] = 0xe0 | (c >> 12);
      bytes[at++] = 0x80 | ((c >> 6) & 63);
      bytes[at++] = 0x80 | (c & 63);
    }
    this.length = at;
    return this;
  }

  /** Appends bytes encoded beforehand (`Md5Text.encode`): the pieces a caller writes into many hashes. */
  addBytes(encoded: Uint8Array): this {
    this.flushPending();
    this.ensure(this.length + encoded.length + 72);
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
    this.compute();
    const codes = (this.hexCodes[chars] ??= new Array<number>(chars).fill(0));
    const d = this.digest;
    for (let k = 0; k < chars; k++) {
      // Hex digit number (32 - chars + k): byte j of the digest is bits (j % 4) * 8 of word j >> 2, high nibble first.
      const digit = 32 - chars + k;
      const byte = (d[digit >> 3]! >>> (((digit >> 1) & 3) * 8)) & 255;
      codes[k] = HEX[digit & 1 ? byte & 15 : byte >> 4]!;
    }
    return String.fromCharCode.apply(null, codes);
  }

  /** A high surrogate that no low one followed is U+FFFD. */
  private flushPending(): void {
    if (this.pendingHigh === 0) return;
    this.ensure(this.length + 72);
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
    // A whole number of blocks, so the word view covers every byte.
    const grown = new Uint8Array(Math.ceil(Math.max(size, this.bytes.length * 2) / 64) * 64);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    if (this.words) this.words = new Int32Array(grown.buffer);
  }

  private compute(): void {
    const bytes = this.bytes;
    const words = this.words;
    const n = this.length;
    // Padding: 0x80, zeros to 56 mod 64, then the length in bits (little-endian, 64 bits).
    let end = n + 1;
    bytes[n] = 0x80;
    while (end % 64 !== 56) bytes[end++] = 0;
    const bits = n * 8;
    bytes[end++] = bits & 255;
    bytes[end++] = (bits >>> 8) & 255;
    bytes[end++] = (bits >>> 16) & 255;
    bytes[end++] = (bits >>> 24) & 255;
    const high = Math.floor(n / 0x20000000);
    bytes[end++] = high & 255;
    bytes[end++] = (high >>> 8) & 255;
    bytes[end++] = (high >>> 16) & 255;
    bytes[end++] = (high >>> 24) & 255;
    let a0 = 0x67452301;
    let b0 = 0xefcdab89 | 0;
    let c0 = 0x98badcfe | 0;
    let d0 = 0x10325476;
    for (let block = 0; block < end; block += 64) {
      const w0 = words ? words[(block >> 2) + 0]! : bytes[block + 0]! | (bytes[block + 1]! << 8) | (bytes[block + 2]! << 16) | (bytes[block + 3]! << 24);
      const w1 = words ? words[(block >> 2) + 1]! : bytes[block + 4]! | (bytes[block + 5]! << 8) | (bytes[block + 6]! << 16) | (bytes[block + 7]! << 24);
      const w2 = words ? words[(block >> 2) + 2]! : bytes[block + 8]! | (bytes[block + 9]! << 8) | (bytes[block + 10]! << 16) | (bytes[block + 11]! << 24);
      const w3 = words ? words[(block >> 2) + 3]! : bytes[block + 12]! | (bytes[block + 13]! << 8) | (bytes[block + 14]! << 16) | (bytes[block + 15]! << 24);
      const w4 = words ? words[(block >> 2) + 4]! : bytes[block + 16]! | (bytes[block + 17]! << 8) | (bytes[block + 18]! << 16) | (bytes[block + 19]! << 24);
      const w5 = words ? words[(block >> 2) + 5]! : bytes[block + 20]! | (bytes[block + 21]! << 8) | (bytes[block + 22]! << 16) | (bytes[block + 23]! << 24);
      const w6 = words ? words[(block >> 2) + 6]! : bytes[block + 24]! | (bytes[block + 25]! << 8) | (bytes[block + 26]! << 16) | (bytes[block + 27]! << 24);
      const w7 = words ? words[(block >> 2) + 7]! : bytes[block + 28]! | (bytes[block + 29]! << 8) | (bytes[block + 30]! << 16) | (bytes[block + 31]! << 24);
      const w8 = words ? words[(block >> 2) + 8]! : bytes[block + 32]! | (bytes[block + 33]! << 8) | (bytes[block + 34]! << 16) | (bytes[block + 35]! << 24);
      const w9 = words ? words[(block >> 2) + 9]! : bytes[block + 36]! | (bytes[block + 37]! << 8) | (bytes[block + 38]! << 16) | (bytes[block + 39]! << 24);
      const w10 = words ? words[(block >> 2) + 10]! : bytes[block + 40]! | (bytes[block + 41]! << 8) | (bytes[block + 42]! << 16) | (bytes[block + 43]! << 24);
      const w11 = words ? words[(block >> 2) + 11]! : bytes[block + 44]! | (bytes[block + 45]! << 8) | (bytes[block + 46]! << 16) | (bytes[block + 47]! << 24);
      const w12 = words ? words[(block >> 2) + 12]! : bytes[block + 48]! | (bytes[block + 49]! << 8) | (bytes[block + 50]! << 16) | (bytes[block + 51]! << 24);
      const w13 = words ? words[(block >> 2) + 13]! : bytes[block + 52]! | (bytes[block + 53]! << 8) | (bytes[block + 54]! << 16) | (bytes[block + 55]! << 24);
      const w14 = words ? words[(block >> 2) + 14]! : bytes[block + 56]! | (bytes[block + 57]! << 8) | (bytes[block + 58]! << 16) | (bytes[block + 59]! << 24);
      const w15 = words ? words[(block >> 2) + 15]! : bytes[block + 60]! | (bytes[block + 61]! << 8) | (bytes[block + 62]! << 16) | (bytes[block + 63]! << 24);
      let a = a0;
      let b = b0;
      let c = c0;
      let d = d0;
      let t: number;
      // RFC 1321's 64 steps, written out: function calls here are too many for the optimizer to inline.
      t = (a + ((b & c) | (~b & d)) + w0 + -680876936) | 0;
      a = (((t << 7) | (t >>> 25)) + b) | 0;
      t = (d + ((a & b) | (~a & c)) + w1 + -389564586) | 0;
      d = (((t << 12) | (t >>> 20)) + a) | 0;
      t = (c + ((d & a) | (~d & b)) + w2 + 606105819) | 0;
      c = (((t << 17) | (t >>> 15)) + d) | 0;
      t = (b + ((c & d) | (~c & a)) + w3 + -1044525330) | 0;
      b = (((t << 22) | (t >>> 10)) + c) | 0;
      t = (a + ((b & c) | (~b & d)) + w4 + -176418897) | 0;
      a = (((t << 7) | (t >>> 25)) + b) | 0;
      t = (d + ((a & b) | (~a & c)) + w5 + 1200080426) | 0;
      d = (((t << 12) | (t >>> 20)) + a) | 0;
      t = (c + ((d & a) | (~d & b)) + w6 + -1473231341) | 0;
      c = (((t << 17) | (t >>> 15)) + d) | 0;
      t = (b + ((c & d) | (~c & a)) + w7 + -45705983) | 0;
      b = (((t << 22) | (t >>> 10)) + c) | 0;
      t = (a + ((b & c) | (~b & d)) + w8 + 1770035416) | 0;
      a = (((t << 7) | (t >>> 25)) + b) | 0;
      t = (d + ((a & b) | (~a & c)) + w9 + -1958414417) | 0;
      d = (((t << 12) | (t >>> 20)) + a) | 0;
      t = (c + ((d & a) | (~d & b)) + w10 + -42063) | 0;
      c = (((t << 17) | (t >>> 15)) + d) | 0;
      t = (b + ((c & d) | (~c & a)) + w11 + -1990404162) | 0;
      b = (((t << 22) | (t >>> 10)) + c) | 0;
      t = (a + ((b & c) | (~b & d)) + w12 + 1804603682) | 0;
      a = (((t << 7) | (t >>> 25)) + b) | 0;
      t = (d + ((a & b) | (~a & c)) + w13 + -40341101) | 0;
      d = (((t << 12) | (t >>> 20)) + a) | 0;
      t = (c + ((d & a) | (~d & b)) + w14 + -1502002290) | 0;
      c = (((t << 17) | (t >>> 15)) + d) | 0;
      t = (b + ((c & d) | (~c & a)) + w15 + 1236535329) | 0;
      b = (((t << 22) | (t >>> 10)) + c) | 0;
      t = (a + ((b & d) | (c & ~d)) + w1 + -165796510) | 0;
      a = (((t << 5) | (t >>> 27)) + b) | 0;
      t = (d + ((a & c) | (b & ~c)) + w6 + -1069501632) | 0;
      d = (((t << 9) | (t >>> 23)) + a) | 0;
      t = (c + ((d & b) | (a & ~b)) + w11 + 643717713) | 0;
      c = (((t << 14) | (t >>> 18)) + d) | 0;
      t = (b + ((c & a) | (d & ~a)) + w0 + -373897302) | 0;
      b = (((t << 20) | (t >>> 12)) + c) | 0;
      t = (a + ((b & d) | (c & ~d)) + w5 + -701558691) | 0;
      a = (((t << 5) | (t >>> 27)) + b) | 0;
      t = (d + ((a & c) | (b & ~c)) + w10 + 38016083) | 0;
      d = (((t << 9) | (t >>> 23)) + a) | 0;
      t = (c + ((d & b) | (a & ~b)) + w15 + -660478335) | 0;
      c = (((t << 14) | (t >>> 18)) + d) | 0;
      t = (b + ((c & a) | (d & ~a)) + w4 + -405537848) | 0;
      b = (((t << 20) | (t >>> 12)) + c) | 0;
      t = (a + ((b & d) | (c & ~d)) + w9 + 568446438) | 0;
      a = (((t << 5) | (t >>> 27)) + b) | 0;
      t = (d + ((a & c) | (b & ~c)) + w14 + -1019803690) | 0;
      d = (((t << 9) | (t >>> 23)) + a) | 0;
      t = (c + ((d & b) | (a & ~b)) + w3 + -187363961) | 0;
      c = (((t << 14) | (t >>> 18)) + d) | 0;
      t = (b + ((c & a) | (d & ~a)) + w8 + 1163531501) | 0;
      b = (((t << 20) | (t >>> 12)) + c) | 0;
      t = (a + ((b & d) | (c & ~d)) + w13 + -1444681467) | 0;
      a = (((t << 5) | (t >>> 27)) + b) | 0;
      t = (d + ((a & c) | (b & ~c)) + w2 + -51403784) | 0;
      d = (((t << 9) | (t >>> 23)) + a) | 0;
      t = (c + ((d & b) | (a & ~b)) + w7 + 1735328473) | 0;
      c = (((t << 14) | (t >>> 18)) + d) | 0;
      t = (b + ((c & a) | (d & ~a)) + w12 + -1926607734) | 0;
      b = (((t << 20) | (t >>> 12)) + c) | 0;
      t = (a + (b ^ c ^ d) + w5 + -378558) | 0;
      a = (((t << 4) | (t >>> 28)) + b) | 0;
      t = (d + (a ^ b ^ c) + w8 + -2022574463) | 0;
      d = (((t << 11) | (t >>> 21)) + a) | 0;
      t = (c + (d ^ a ^ b) + w11 + 1839030562) | 0;
      c = (((t << 16) | (t >>> 16)) + d) | 0;
      t = (b + (c ^ d ^ a) + w14 + -35309556) | 0;
      b = (((t << 23) | (t >>> 9)) + c) | 0;
      t = (a + (b ^ c ^ d) + w1 + -1530992060) | 0;
      a = (((t << 4) | (t >>> 28)) + b) | 0;
      t = (d + (a ^ b ^ c) + w4 + 1272893353) | 0;
      d = (((t << 11) | (t >>> 21)) + a) | 0;
      t = (c + (d ^ a ^ b) + w7 + -155497632) | 0;
      c = (((t << 16) | (t >>> 16)) + d) | 0;
      t = (b + (c ^ d ^ a) + w10 + -1094730640) | 0;
      b = (((t << 23) | (t >>> 9)) + c) | 0;
      t = (a + (b ^ c ^ d) + w13 + 681279174) | 0;
      a = (((t << 4) | (t >>> 28)) + b) | 0;
      t = (d + (a ^ b ^ c) + w0 + -358537222) | 0;
      d = (((t << 11) | (t >>> 21)) + a) | 0;
      t = (c + (d ^ a ^ b) + w3 + -722521979) | 0;
      c = (((t << 16) | (t >>> 16)) + d) | 0;
      t = (b + (c ^ d ^ a) + w6 + 76029189) | 0;
      b = (((t << 23) | (t >>> 9)) + c) | 0;
      t = (a + (b ^ c ^ d) + w9 + -640364487) | 0;
      a = (((t << 4) | (t >>> 28)) + b) | 0;
      t = (d + (a ^ b ^ c) + w12 + -421815835) | 0;
      d = (((t << 11) | (t >>> 21)) + a) | 0;
      t = (c + (d ^ a ^ b) + w15 + 530742520) | 0;
      c = (((t << 16) | (t >>> 16)) + d) | 0;
      t = (b + (c ^ d ^ a) + w2 + -995338651) | 0;
      b = (((t << 23) | (t >>> 9)) + c) | 0;
      t = (a + (c ^ (b | ~d)) + w0 + -198630844) | 0;
      a = (((t << 6) | (t >>> 26)) + b) | 0;
      t = (d + (b ^ (a | ~c)) + w7 + 1126891415) | 0;
      d = (((t << 10) | (t >>> 22)) + a) | 0;
      t = (c + (a ^ (d | ~b)) + w14 + -1416354905) | 0;
      c = (((t << 15) | (t >>> 17)) + d) | 0;
      t = (b + (d ^ (c | ~a)) + w5 + -57434055) | 0;
      b = (((t << 21) | (t >>> 11)) + c) | 0;
      t = (a + (c ^ (b | ~d)) + w12 + 1700485571) | 0;
      a = (((t << 6) | (t >>> 26)) + b) | 0;
      t = (d + (b ^ (a | ~c)) + w3 + -1894986606) | 0;
      d = (((t << 10) | (t >>> 22)) + a) | 0;
      t = (c + (a ^ (d | ~b)) + w10 + -1051523) | 0;
      c = (((t << 15) | (t >>> 17)) + d) | 0;
      t = (b + (d ^ (c | ~a)) + w1 + -2054922799) | 0;
      b = (((t << 21) | (t >>> 11)) + c) | 0;
      t = (a + (c ^ (b | ~d)) + w8 + 1873313359) | 0;
      a = (((t << 6) | (t >>> 26)) + b) | 0;
      t = (d + (b ^ (a | ~c)) + w15 + -30611744) | 0;
      d = (((t << 10) | (t >>> 22)) + a) | 0;
      t = (c + (a ^ (d | ~b)) + w6 + -1560198380) | 0;
      c = (((t << 15) | (t >>> 17)) + d) | 0;
      t = (b + (d ^ (c | ~a)) + w13 + 1309151649) | 0;
      b = (((t << 21) | (t >>> 11)) + c) | 0;
      t = (a + (c ^ (b | ~d)) + w4 + -145523070) | 0;
      a = (((t << 6) | (t >>> 26)) + b) | 0;
      t = (d + (b ^ (a | ~c)) + w11 + -1120210379) | 0;
      d = (((t << 10) | (t >>> 22)) + a) | 0;
      t = (c + (a ^ (d | ~b)) + w2 + 718787259) | 0;
      c = (((t << 15) | (t >>> 17)) + d) | 0;
      t = (b + (d ^ (c | ~a)) + w9 + -343485551) | 0;
      b = (((t << 21) | (t >>> 11)) + c) | 0;
      a0 = (a0 + a) | 0;
      b0 = (b0 + b) | 0;
      c0 = (c0 + c) | 0;
      d0 = (d0 + d) | 0;
    }
    const out = this.digest;
    out[0] = a0;
    out[1] = b0;
    out[2] = c0;
    out[3] = d0;
  }
}

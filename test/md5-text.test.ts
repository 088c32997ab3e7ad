/**
 * The MD5 behind every generic test's unique id and short name (core/md5-text.ts) against
 * node:crypto's, on seeded random texts written in pieces: ASCII, multi-byte UTF-8, surrogate
 * pairs (also split across pieces), lone surrogates, and lengths around the 64-byte blocks.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Md5Text } from '../server/src/core/md5-text';

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

/** `count` pieces of `length()` units drawn from `alphabet`, each followed by `ending()`. */
function randomPieces(random: () => number, count: number, length: () => number, alphabet: readonly string[], ending: () => string = () => ''): string[] {
  const pieces: string[] = [];
  for (let p = 0; p < count; p++) {
    let piece = '';
    const units = length();
    for (let i = 0; i < units; i++) piece += alphabet[Math.floor(random() * alphabet.length)];
    pieces.push(piece + ending());
  }
  return pieces;
}

/** `pieces` added one by one give node:crypto's MD5 of their joined text. */
function assertHashOfPieces(md5: Md5Text, pieces: string[]): void {
  md5.reset();
  for (const piece of pieces) md5.add(piece);
  assert.equal(md5.hexTail(), createHash('md5').update(pieces.join(''), 'utf8').digest('hex'), JSON.stringify(pieces));
}

const ALPHABET = ['a', 'Z', '0', ' ', "'", '"', '\\', '\n', '\u00e9', '\u20ac', '\u4e2d', '\ud834\udd1e', '\ud800', '\udc00', '{'];

describe('Md5Text', () => {
  it('gives the MD5 of the UTF-8 text, as node:crypto does, however the text is cut into pieces', () => {
    const random = seeded(20261207);
    const md5 = new Md5Text();
    for (let n = 0; n < 3000; n++) {
      const pieces = randomPieces(random, 1 + Math.floor(random() * 4), () => Math.floor(random() * (n % 40 === 0 ? 700 : 80)), ALPHABET);
      assertHashOfPieces(md5, pieces);
    }
  });

  it('is exact at every length around the block boundaries, and gives the tail asked for', () => {
    const md5 = new Md5Text();
    for (let length = 0; length <= 200; length++) {
      const text = 'x'.repeat(length);
      const expected = createHash('md5').update(text).digest('hex');
      assert.equal(md5.reset().add(text).hexTail(), expected);
      assert.equal(md5.reset().add(text).hexTail(10), expected.slice(-10));
    }
  });

  it('pairs a surrogate split across two pieces, and encodes a lone one as U+FFFD', () => {
    const md5 = new Md5Text();
    assert.equal(md5.reset().add('a\ud834').add('\udd1eb').hexTail(), createHash('md5').update('a\ud834\udd1eb', 'utf8').digest('hex'));
    assert.equal(md5.reset().add('a\ud834').hexTail(), createHash('md5').update('a\ufffd', 'utf8').digest('hex'));
    assert.equal(md5.reset().add('\ud834').add('').add('x').hexTail(), createHash('md5').update('\ud834x', 'utf8').digest('hex'));
  });
});

describe('Md5Text.addBytes', () => {
  it('hashes pieces encoded beforehand as add does', () => {
    const md5 = new Md5Text();
    for (let round = 0; round < 2; round++) {
      for (const pieces of [["{'kwargs': {", "'column_name'", ': ', "'id'"], ['x\u00e9\u20ac', '\ud834\udd1e', ''], ['a\ud834', 'b']]) {
        md5.reset();
        for (const [i, piece] of pieces.entries()) {
          if (i % 2) md5.addBytes(Md5Text.encode(piece));
          else md5.add(piece);
        }
        assert.equal(md5.hexTail(), createHash('md5').update(pieces.join(''), 'utf8').digest('hex'), JSON.stringify(pieces));
      }
    }
  });
});

describe('Md5Text, ASCII pieces and repeated lengths', () => {
  it('hashes short ASCII pieces, pieces that turn non-ASCII late, and texts of one length again and again', () => {
    const random = seeded(8122026);
    const md5 = new Md5Text();
    const ascii = [..."abcXYZ019 _'\"{}[](),:.\\"];
    // Lengths around the copied pieces' limit (64 units); now and then one non-ASCII unit at a piece's end.
    const length = (): number => [0, 1, 2, 30, 63, 64, 65, 100][Math.floor(random() * 8)]!;
    const ending = (): string => (random() < 0.2 ? ['\u00e9', '\u20ac', '\ud834\udd1e', '\ud800'][Math.floor(random() * 4)]! : '');
    for (let n = 0; n < 2000; n++) assertHashOfPieces(md5, randomPieces(random, 1 + Math.floor(random() * 6), length, ascii, ending));
  });

  it('hashes the current text after its buffer grew, at lengths hashed before', () => {
    const md5 = new Md5Text();
    for (const text of ['a'.repeat(40), 'b'.repeat(40), 'c'.repeat(5000), 'd'.repeat(40), 'e'.repeat(5000), 'f'.repeat(40)]) {
      assert.equal(md5.reset().add(text).hexTail(), createHash('md5').update(text).digest('hex'), text.slice(0, 3));
    }
  });
});

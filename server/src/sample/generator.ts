/**
 * Deterministic generator of the sample project's landing data: the raw CSV files that the
 * `landing` source declares (models/models/sources.yml, `meta.landing.location`).
 *
 *   <outDir>/orders/orders_0001.csv
 *   <outDir>/products/products_0001.csv
 *   <outDir>/reviews/reviews_0001.csv
 *   <outDir>/users/users_0001.csv
 *
 * `outDir` is the landing directory itself (for the sample project: `models/landing-data`).
 *
 * - Same options (seed, sizes, batch) => byte-identical files. Pure Node, no dependencies.
 * - Batch 1 holds the history of all four tables. Batch k > 1 holds only NEW orders and
 *   reviews: every created_at is later than every row of batches < k (each batch owns a time
 *   window that starts where the previous one ends) and ids continue after the highest id of
 *   the earlier batches, so loading batch k after batch k-1 is an incremental load.
 * - Rows are written in created_at (and id) order, in chunks, so 10M orders need bounded
 *   memory. Each file is written as `<outDir>/.tmp-<pid>-<n>/<name>.csv.partial` and renamed
 *   into its table folder only when complete: a table folder never shows a half-written file.
 */
import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';

export interface GenerateOptions {
  /** The landing directory: table folders (orders/, products/, ...) are created inside it. */
  outDir: string;
  /** Orders in this batch (default 2,100). Reviews scale with it (about 1,100 per 2,100 orders). */
  orders?: number;
  /** PRNG seed (default 42). */
  seed?: number;
  /**
   * 1-based batch number (default 1). Batch k>1 generates only NEW orders and reviews whose
   * created_at is later than all rows of earlier batches, ids continuing after them, so a
   * second run is incremental.
   */
  batch?: number;
  /** Reviews in this batch (default: round(orders * 1100 / 2100)). */
  reviews?: number;
  /** Products (batch 1 only; default 200). */
  products?: number;
  /** Users (batch 1 only; default 2,500). */
  users?: number;
}

export interface GenerateResult {
  /** Absolute paths of the files written, in the order orders, products, reviews, users. */
  files: string[];
  /** Data rows written per table (header excluded). */
  rows: Record<string, number>;
}

export const LANDING_TABLES = ['orders', 'products', 'reviews', 'users'] as const;
export const CATEGORIES = ['Gadget', 'Gizmo', 'Doohickey', 'Widget'] as const;
export const SALES_CHANNELS = ['Affiliate', 'Facebook', 'Google', 'Organic', 'Twitter'] as const;

export const COLUMNS: Record<(typeof LANDING_TABLES)[number], readonly string[]> = {
  orders: ['id', 'created_at', 'user_id', 'product_id', 'quantity', 'unit_price'],
  products: ['id', 'created_at', 'title', 'category', 'ean', 'vendor', 'price'],
  reviews: ['id', 'created_at', 'reviewer', 'product_id', 'rating', 'body'],
  users: ['id', 'created_at', 'name', 'email', 'city', 'state', 'zip', 'birth_date', 'source'],
};

const DEFAULT_ORDERS = 2100;
const DEFAULT_PRODUCTS = 200;
const DEFAULT_USERS = 2500;
/** Orders reference users 1..ACTIVE_USERS only (as in the original data). */
const ACTIVE_USERS = 300;
const REVIEWS_PER_ORDER = 1100 / 2100;

const DAY = 86_400;
/** Batch 1 spans 2022-01-01 .. 2025-01-01 (UTC); batch k>1 spans the 30 days after batch k-1. */
const HISTORY_START = Date.UTC(2022, 0, 1) / 1000;
const HISTORY_END = Date.UTC(2025, 0, 1) / 1000;
const BATCH_SPAN = 30 * DAY;
/** Products and users were created before the first order. */
const CATALOGUE_START = Date.UTC(2019, 0, 1) / 1000;

const CHUNK_BYTES = 1 << 20;

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: small, fast, good enough for sample data; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One independent stream per (seed, table, batch) so tables do not depend on each other's draws. */
function streamFor(seed: number, table: string, batch: number): () => number {
  let h = 2166136261 ^ (seed >>> 0);
  const key = `${table}#${batch}`;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return mulberry32(h ^ (h >>> 16));
}

// ---------------------------------------------------------------------------------------------
// Formatting (hot paths: cached day strings and two-digit lookups)

const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? '0' : '') + i);

function dayString(epochDay: number): string {
  const d = new Date(epochDay * DAY * 1000);
  return `${d.getUTCFullYear()}-${TWO[d.getUTCMonth() + 1]}-${TWO[d.getUTCDate()]}`;
}

/** Formats epoch seconds as `YYYY-MM-DD HH:MM:SS` (UTC); caches the date of the last day seen. */
class TimestampFormatter {
  private day = -1;
  private prefix = '';
  format(epochSeconds: number): string {
    const day = Math.floor(epochSeconds / DAY);
    if (day !== this.day) {
      this.day = day;
      this.prefix = dayString(day) + ' ';
    }
    const s = epochSeconds - day * DAY;
    const h = (s / 3600) | 0;
    const m = ((s % 3600) / 60) | 0;
    return this.prefix + TWO[h] + ':' + TWO[m] + ':' + TWO[s % 60];
  }
}

/** Cents as a decimal with 2 places: 1999 -> "19.99". */
function money(cents: number): string {
  return ((cents / 100) | 0) + '.' + TWO[cents % 100];
}

/** RFC 4180 quoting: only fields holding a comma, quote or line break are quoted. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? '"' + value.replace(/"/g, '""') + '"' : value;
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[(rand() * items.length) | 0]!;
}

/**
 * Monotonic timestamps: row i of n in [start, end) lands at start + (i + u) * span / n with u
 * drawn in [0, 1), so the sequence never goes backwards and spreads evenly over the window.
 */
function timeAt(i: number, n: number, start: number, end: number, rand: () => number): number {
  return start + Math.floor(((i + rand()) * (end - start)) / n);
}

// ---------------------------------------------------------------------------------------------
// Word lists

const ADJECTIVES = ['Rustic', 'Sleek', 'Ergonomic', 'Practical', 'Durable', 'Heavy-Duty', 'Lightweight',
  'Small', 'Enormous', 'Mediocre', 'Synergistic', 'Incredible', 'Fantastic', 'Gorgeous', 'Intelligent',
  'Awesome', 'Aerodynamic', 'Handcrafted', 'Refined', 'Compact'];
const MATERIALS = ['Paper', 'Wooden', 'Steel', 'Concrete', 'Plastic', 'Cotton', 'Granite', 'Rubber',
  'Leather', 'Silk', 'Wool', 'Linen', 'Marble', 'Iron', 'Bronze', 'Copper', 'Aluminum', 'Glass'];
const NOUNS = ['Wallet', 'Lamp', 'Clock', 'Keyboard', 'Hat', 'Bottle', 'Bench', 'Knife', 'Shirt', 'Shoes',
  'Computer', 'Chair', 'Table', 'Car', 'Gloves', 'Pants', 'Coat', 'Bag', 'Plate', 'Watch', 'Toucan'];
const VENDOR_NAMES = ['Nolan', 'Balistreri', 'Kuhn', 'Schamberger', 'Herzog', 'Mosciski', 'Ortiz', 'Keebler',
  'Larson', 'Rowe', 'Prohaska', 'Zemlak', 'Weimann', 'Hills', 'Considine', 'Stiedemann', 'Gutmann', 'Bahringer'];
const VENDOR_SUFFIXES = ['and Sons', 'Group', 'LLC', 'Inc', 'and Daughters', 'Corp', 'GmbH', '& Co.'];
const FIRST_NAMES = ['Hudson', 'Domenica', 'Lina', 'Arnold', 'Dominique', 'Aracely', 'Mariam', 'Jeremy',
  'Sophie', 'Noah', 'Amara', 'Kenji', 'Zoe', 'Mateo', 'Priya', 'Oliver', 'Fatima', 'Liam', 'Chloé', "D'Angelo",
  'Ingrid', 'Tomás', 'Aisha', 'Lars', 'Mei', 'Rafael', 'Nadia', 'Elijah', 'Yuki', 'Grace'];
const LAST_NAMES = ['Borer', 'Williamson', 'Hamill', 'Schmeler', 'Cassin', 'Kulas', "O'Keefe", 'Ruecker',
  'Dach', 'Mayer', 'Lind', 'Quigley', 'Boyle', 'Feest', 'Rempel', 'Walsh', 'Nguyen', 'Müller', 'García', 'Kim'];
/** Reviewer handles: lower-case ASCII versions of the names. */
const handle = (n: string): string => n.normalize('NFD').toLowerCase().replace(/[^a-z]/g, '');
const HANDLE_FIRST = FIRST_NAMES.map(handle);
const HANDLE_LAST = LAST_NAMES.map(handle);
const CITIES: ReadonlyArray<readonly [string, string]> = [
  ['Wood River', 'NE'], ['Upper Sandusky', 'OH'], ['Searsboro', 'IA'], ['Calhoun', 'KY'], ['Dover', 'DE'],
  ['Portland', 'OR'], ['Austin', 'TX'], ['Madison', 'WI'], ['Boise', 'ID'], ['Santa Fe', 'NM'],
  ['Burlington', 'VT'], ['Savannah', 'GA'], ['Fargo', 'ND'], ['Tucson', 'AZ'], ['Ithaca', 'NY'],
  ['Duluth', 'MN'], ['Mobile', 'AL'], ['Eugene', 'OR'], ['Reno', 'NV'], ['Salem', 'MA'],
];
const REVIEW_OPENERS = ['Works as advertised', 'Not bad', 'Absolutely love it', 'Meh', 'Broke after a week',
  'Exactly what I needed', 'Five stars, no notes', 'Could be better', 'Great value', 'Disappointing'];
const REVIEW_MIDDLES = [
  'the packaging was fine, the product less so',
  'my kids use it every day',
  'it does one thing, and it does it well',
  'the "premium" finish scratches easily',
  'arrived early; setup took 5 minutes',
  'I bought two, one for the office',
  'it\'s heavier than it looks',
  'customer service said "wait and see", so I waited',
  'très bien, would buy again',
  'works, but the manual is useless',
];
const REVIEW_CLOSERS = ['Recommended.', 'Would not buy again.', 'Solid purchase!', 'Returning it.', 'Ok, I guess.',
  'Thanks, seller!', '10/10', 'Three words: "just buy it".', 'Value for money, 100%.', '—'];

// ---------------------------------------------------------------------------------------------
// Catalogue (derived from the seed alone, so any batch can recompute prices without reading files)

interface Product { id: number; createdAt: number; title: string; category: string; ean: string; vendor: string; priceCents: number }

function makeProducts(seed: number, count: number): Product[] {
  const rand = streamFor(seed, 'products', 1);
  const out: Product[] = [];
  for (let i = 0; i < count; i++) {
    const createdAt = timeAt(i, count, CATALOGUE_START, HISTORY_START, rand);
    const title = `${pick(rand, ADJECTIVES)} ${pick(rand, MATERIALS)} ${pick(rand, NOUNS)}`;
    const category = pick(rand, CATEGORIES);
    let ean = '';
    for (let d = 0; d < 13; d++) ean += d === 0 ? String(1 + ((rand() * 9) | 0)) : String((rand() * 10) | 0);
    const vendor = `${pick(rand, VENDOR_NAMES)} ${pick(rand, VENDOR_SUFFIXES)}`;
    const priceCents = 1000 + ((rand() * 9000) | 0); // 10.00 .. 99.99
    out.push({ id: i + 1, createdAt, title, category, ean, vendor, priceCents });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

interface TableWriterContext { tmpDir: string; outDir: string }

async function writeAll(fh: FileHandle, buf: Buffer, length: number): Promise<void> {
  let off = 0;
  while (off < length) {
    const { bytesWritten } = await fh.write(buf, off, length - off);
    off += bytesWritten;
  }
}

/**
 * Streams `rows` rows produced by `row(i)` into <table>/<table>_<batch>.csv: written under the
 * temp dir in chunks of CHUNK_BYTES bytes, then renamed into place.
 */
async function writeTable(
  ctx: TableWriterContext,
  table: (typeof LANDING_TABLES)[number],
  batch: number,
  rows: number,
  row: (i: number) => string,
): Promise<string> {
  const name = `${table}_${String(batch).padStart(4, '0')}.csv`;
  const tmp = path.join(ctx.tmpDir, `${name}.partial`); // matches no *.csv glob, even a recursive one
  const finalDir = path.join(ctx.outDir, table);
  const final = path.join(finalDir, name);
  const fh = await fsp.open(tmp, 'w');
  try {
    // Rows are encoded straight into one reusable buffer (no big concatenated strings: those
    // made the garbage collector the bottleneck at 10M rows).
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let pos = buf.write(COLUMNS[table].join(',') + '\n', 0);
    for (let i = 0; i < rows; i++) {
      const line = row(i);
      if (pos + line.length * 3 > CHUNK_BYTES) {
        await writeAll(fh, buf, pos);
        pos = 0;
      }
      pos += buf.write(line, pos);
    }
    if (pos > 0) await writeAll(fh, buf, pos);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.mkdir(finalDir, { recursive: true });
  await fsp.rename(tmp, final);
  return final;
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 0): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

/** Time window [start, end) (epoch seconds) of a batch. */
export function batchWindow(batch: number): { start: number; end: number } {
  if (batch <= 1) return { start: HISTORY_START, end: HISTORY_END };
  const start = HISTORY_END + (batch - 2) * BATCH_SPAN;
  return { start, end: start + BATCH_SPAN };
}

/**
 * Highest id already used by a table in batches < `batch`: read from the last row of each
 * earlier file when it exists in outDir (rows are written in id order), otherwise computed as
 * if every earlier batch had been generated with this batch's row count.
 */
async function idOffset(outDir: string, table: string, batch: number, rowsPerBatch: number): Promise<number> {
  let offset = 0;
  for (let b = 1; b < batch; b++) {
    const file = path.join(outDir, table, `${table}_${String(b).padStart(4, '0')}.csv`);
    const last = await lastId(file);
    offset = last ?? offset + rowsPerBatch;
  }
  return offset;
}

/** The id (first field) of the last data row of a CSV file written by this generator, if any. */
async function lastId(file: string): Promise<number | undefined> {
  let fh;
  try {
    fh = await fsp.open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n').filter((l) => l.length > 0);
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = /^(\d+),\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,/.exec(lines[i]!);
      if (m) return Number(m[1]);
    }
    return undefined;
  } finally {
    await fh.close();
  }
}

let tmpCounter = 0;

export async function generateLanding(opts: GenerateOptions): Promise<GenerateResult> {
  const outDir = path.resolve(opts.outDir);
  const seed = positiveInt('seed', opts.seed, 42);
  const batch = positiveInt('batch', opts.batch, 1, 1);
  const nOrders = positiveInt('orders', opts.orders, DEFAULT_ORDERS);
  const nReviews = positiveInt('reviews', opts.reviews, Math.round(nOrders * REVIEWS_PER_ORDER));
  const nProducts = positiveInt('products', opts.products, DEFAULT_PRODUCTS, 1);
  const nUsers = positiveInt('users', opts.users, DEFAULT_USERS, 1);
  const activeUsers = Math.min(nUsers, ACTIVE_USERS);
  const { start, end } = batchWindow(batch);

  const products = makeProducts(seed, nProducts);
  const files: string[] = [];
  const rows: Record<string, number> = {};

  await fsp.mkdir(outDir, { recursive: true });
  const tmpDir = path.join(outDir, `.tmp-${process.pid}-${tmpCounter++}`);
  await fsp.mkdir(tmpDir, { recursive: true });
  const ctx: TableWriterContext = { tmpDir, outDir };
  try {
    // orders -------------------------------------------------------------------------------
    {
      const rand = streamFor(seed, 'orders', batch);
      const ts = new TimestampFormatter();
      const first = (await idOffset(outDir, 'orders', batch, nOrders)) + 1;
      files.push(await writeTable(ctx, 'orders', batch, nOrders, (i) => {
        const t = timeAt(i, nOrders, start, end, rand);
        const r = rand();
        const userId = 1 + ((r * r * activeUsers) | 0); // a few loyal customers order a lot
        const product = products[(rand() * nProducts) | 0]!;
        // quantity 0..68, mostly small
        const q = rand();
        const quantity = q < 0.97 ? (q * q * 12) | 0 : 12 + (((q - 0.97) / 0.03) * 57) | 0;
        // unit price: list price, sometimes discounted (never negative)
        const discount = rand() < 0.2 ? 0.8 + 0.15 * rand() : 1;
        const unit = Math.round(product.priceCents * discount);
        return `${first + i},${ts.format(t)},${userId},${product.id},${quantity},${money(unit)}\n`;
      }));
      rows.orders = nOrders;
    }

    // products (batch 1 only) -------------------------------------------------------------------
    if (batch === 1) {
      const ts = new TimestampFormatter();
      files.push(await writeTable(ctx, 'products', batch, nProducts, (i) => {
        const p = products[i]!;
        return `${p.id},${ts.format(p.createdAt)},${csvField(p.title)},${p.category},${p.ean},${csvField(p.vendor)},${money(p.priceCents)}\n`;
      }));
      rows.products = nProducts;
    }

    // reviews -----------------------------------------------------------------------------------
    {
      const rand = streamFor(seed, 'reviews', batch);
      const ts = new TimestampFormatter();
      const first = (await idOffset(outDir, 'reviews', batch, nReviews)) + 1;
      files.push(await writeTable(ctx, 'reviews', batch, nReviews, (i) => {
        const t = timeAt(i, nReviews, start, end, rand);
        const reviewer = `${pick(rand, HANDLE_FIRST)}.${pick(rand, HANDLE_LAST)}${(rand() * 100) | 0}`;
        const productId = 1 + ((rand() * nProducts) | 0);
        const s = rand();
        const rating = s < 0.05 ? 1 : s < 0.12 ? 2 : s < 0.3 ? 3 : s < 0.62 ? 4 : 5;
        const opener = pick(rand, REVIEW_OPENERS);
        const middle = pick(rand, REVIEW_MIDDLES);
        const body = rand() < 0.5
          ? `${opener}, ${middle}. ${pick(rand, REVIEW_CLOSERS)}`
          : `${opener}. ${middle.charAt(0).toUpperCase()}${middle.slice(1)}.`;
        return `${first + i},${ts.format(t)},${reviewer},${productId},${rating},${csvField(body)}\n`;
      }));
      rows.reviews = nReviews;
    }

    // users (batch 1 only) ----------------------------------------------------------------------
    if (batch === 1) {
      const rand = streamFor(seed, 'users', batch);
      const ts = new TimestampFormatter();
      files.push(await writeTable(ctx, 'users', batch, nUsers, (i) => {
        const t = timeAt(i, nUsers, CATALOGUE_START, HISTORY_START, rand);
        const firstName = pick(rand, FIRST_NAMES);
        const lastName = pick(rand, LAST_NAMES);
        const name = `${firstName} ${lastName}`;
        const local = `${firstName}.${lastName}`.normalize('NFD').replace(/[^A-Za-z.]/g, '').toLowerCase();
        const email = `${local}.${i + 1}@example.com`;
        const [city, state] = pick(rand, CITIES);
        const zip = String(10000 + ((rand() * 90000) | 0));
        const birthDay = Math.floor((Date.UTC(1950, 0, 1) / 1000 + rand() * (Date.UTC(2005, 0, 1) - Date.UTC(1950, 0, 1)) / 1000) / DAY);
        const source = pick(rand, SALES_CHANNELS);
        return `${i + 1},${ts.format(t)},${csvField(name)},${email},${csvField(city)},${state},${zip},${dayString(birthDay)},${source}\n`;
      }));
      rows.users = nUsers;
    }
  } finally {
    await fsp.rm(tmpDir, { recursive: true, force: true });
  }
  return { files, rows };
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseYamlFast } from '../server/src/core/yaml-fast';
import { parseYamlFully, toJS, type YNode } from '../server/src/core/yaml-tree';

// -----------------------------------------------------------------------------------------------
// Differential checking against the library path

/** A comparable form of a tree: kinds, spans, values, key order and key spans. */
function shape(node: YNode | undefined): unknown {
  if (!node) return node;
  const span = [node.span.start, node.span.end];
  switch (node.kind) {
    case 'scalar':
      return { scalar: node.value, span };
    case 'seq':
      return { seq: node.items.map(shape), span };
    case 'map':
      return { map: [...node.entries].map(([k, e]) => [k, [e.keySpan.start, e.keySpan.end], shape(e.value)]), span };
  }
}

type Outcome = 'fast' | 'bail';

/** Asserts the fast path either bails or produces exactly the library's tree; returns which. */
function differential(text: string): Outcome {
  let fast;
  try {
    fast = parseYamlFast(text);
  } catch (err) {
    assert.fail(`parseYamlFast threw on ${JSON.stringify(text)}: ${(err as Error).stack}`);
  }
  if (fast === undefined) return 'bail';
  const slow = parseYamlFully(text);
  // The fast path takes only texts without errors; warnings (duplicate keys) must be the same.
  assert.ok(slow.problems.every((p) => p.severity === 'warning'), `fast path accepted text the library reports errors for: ${JSON.stringify(text)}`);
  assert.deepEqual(fast.problems, slow.problems, `warnings differ for ${JSON.stringify(text)}`);
  assert.deepEqual(shape(fast.root), shape(slow.root), `tree differs for ${JSON.stringify(text)}`);
  assert.deepEqual(toJS(fast.root), toJS(slow.root), `values differ for ${JSON.stringify(text)}`);
  return 'fast';
}

// -----------------------------------------------------------------------------------------------
// Hand-written corpus: [title, text]; all of these must take the fast path.

const corpus: Array<[string, string]> = [
  ['empty file', ''],
  ['only comments', '# a comment\n\n  # another\n'],
  ['only blank lines', '\n\n   \n'],
  ['version only, no trailing newline', 'version: 2'],
  [
    'sources with tables, columns, tests, freshness',
    `version: 2

sources:
  - name: jaffle_shop
    description: Raw data from the shop
    database: raw
    schema: jaffle_shop
    loaded_at_field: _etl_loaded_at
    freshness:
      warn_after: {count: 12, period: hour}
      error_after: {count: 24, period: hour}
    tables:
      - name: orders
        identifier: orders_v2
        columns:
          - name: id
            tests:
              - unique
              - not_null
          - name: status
            tests:
              - accepted_values:
                  values: ['placed', 'shipped', 'completed', 'returned']
      - name: customers
        freshness: null
`,
  ],
  [
    'models with config and meta',
    `version: 2
models:
  - name: stg_orders
    description: "Staged orders"
    config:
      materialized: incremental
      unique_key: order_id
      tags: ["daily", 'finance']
      meta:
        owner: "@data-team"
        contains_pii: false
        priority: 1
    columns:
      - name: order_id
        data_tests: [unique, not_null]
      - name: amount
        description: Amount in dollars
        data_tests:
          - dbt_utils.accepted_range:
              min_value: 0
              inclusive: true
`,
  ],
  [
    'sequences at the parent key indent',
    `models:
- name: a
  columns:
  - name: id
    tests:
    - unique
  - name: b
- name: c
`,
  ],
  [
    'unit tests with flow rows',
    `unit_tests:
  - name: test_is_valid_email_address
    description: "Check my is_valid_email_address logic captures all known edge cases"
    model: dim_customers
    given:
      - input: ref('stg_customers')
        rows:
          - {email: cool@example.com,    email_top_level_domain: example.com}
          - {email: cool@unknown.com,    email_top_level_domain: unknown.com}
          - {email: badgmail.com,        email_top_level_domain: gmail.com}
      - input: ref('top_level_email_domains')
        rows: [{id: 1}, {id: 2, tld: 'example.com'}]
    expect:
      rows:
        - {email: cool@example.com,    is_valid_email_address: true}
        - {email: missingdot@gmailcom, is_valid_email_address: false}
`,
  ],
  [
    'unit test csv block scalar rows',
    `unit_tests:
  - name: csv_rows
    model: m
    given:
      - input: ref('a')
        format: csv
        rows: |
          id,name
          1,alice
          2,bob
    expect:
      format: csv
      rows: |
        id,name
        1,alice
`,
  ],
  [
    'dbt_project.yml with + configs',
    `name: 'jaffle_shop'
version: '1.0.0'
config-version: 2

profile: 'jaffle_shop'

model-paths: ["models"]
seed-paths: ["seeds"]
clean-targets:
  - "target"
  - "dbt_packages"

models:
  jaffle_shop:
    +materialized: view
    staging:
      +materialized: view
      +schema: staging
    marts:
      +materialized: table
      +tags: ['marts']
`,
  ],
  [
    'vars with lists and dicts',
    `vars:
  start_date: '2020-01-01'
  payment_methods: ['card', 'cash', 'voucher']
  nested:
    a: [1, 2, 3]
    b: {x: 1, y: [true, false, null]}
  empty_list: []
  empty_map: {}
  trailing_comma: [a, b, ]
`,
  ],
  [
    'multi-line flow collections',
    `vars:
  long_list: [
    'a',
    'b',
    "c"
  ]
  long_map: {
      x: 1,
      y: 2
    }
after: 1
`,
  ],
  [
    'flow closing bracket at key indent',
    `a: [
  1, 2,
  3
]
b: {x: [1,
  2]}
`,
  ],
  ['json-style flow map', `vars: {"key":"value", "n":1, "l":[1,2]}\n`],
  [
    'multi-line flow sequence of double-quoted strings continued by a backslash',
    `models:
  - name: m
    columns:
      - name: highest_education
        data_tests:
          - accepted_values:
              values: ["Doctorate", "Master''s or professional degree", "Bachelor''s degree",
                "Associate degree", "Secondary/high school", "Junior secondary/junior\\
                \\ high/middle school", "Elementary/primary school", "No formal education",
                "Other education", ""]
`,
  ],
  [
    'backslash continuation inside a flow list in project vars',
    `vars:
  platforms: ["Bootcamps", "xPro", "MITx\\
        \\ Online", "MicroMasters", "edX.org"]
  after: 1
`,
  ],
  [
    'multi-line quoted scalars inside flow collections (folding, blank lines, escapes)',
    `a: {x: 'single
    folded''s

    after blank', y: "tab\\t then
      next line\\
      \\ joined \\u00e9",
  z: ["one
    two", 'three']}
b: [ "end
  of flow" ]
`,
  ],
  ['quoted scalars spanning lines in flow collections, LF', 'a: ["x\\\n   \\ y", \'s\n\n   t\', "p\n    q  \n\n  r"]\nb: {k: "v\\\n   w", m: }\n'],
  ['quoted scalars spanning lines in flow collections, CRLF', 'a: ["x\\\r\n   \\ y", \'s\r\n\r\n   t\', "p\r\n    q  \r\n\r\n  r"]\r\nb: {k: "v\\\r\n   w", m: }\r\n'],
  [
    'single-pair mappings in flow sequences',
    `models:
  - name: m
    tests: [elementary.schema_changes: {severity: warn, tags: [elementary]}]
    columns:
      - {name: a, tests: [not_null, accepted_values: {values: [1, 2]}, "quoted key": x, k : v, e:]}
a: [x, k: v, y, ]
b: [ "k":v , 'j': [1]]
c: [ "id": , b, k:, j:]
`,
  ],
  [
    'flow map keys without values (a comma inside a plain scalar ends it)',
    `columns:
  - {name: as_of_date, description: Date the snapshot is computed as of (query date, UTC)., data_type: Date}
  - {c}
  - {b: 1, c }
  - {"q", b: 1, 'r'}
`,
  ],
  [
    'flow map keys without values',
    `rows:
  - { "id": , "col1": "abc", "col2": "def" }
  - {id: , x: {"y":}, z:   }
  - { "id":
      , b: 1 }
`,
  ],
  [
    'quoted strings with escapes',
    `a: "tab\\there"
b: "newline\\nhere"
c: "quote \\" and backslash \\\\"
d: "unicode \\u00e9 \\x41 \\U0001F600"
e: 'it''s'
f: '"double" in single'
g: "'single' in double"
h: "{{ ref('x') }}"
i: '{{ var("y") }}'
`,
  ],
  [
    'quoted keys',
    `'single key': 1
"double key": 2
"with: colon": 3
'with # hash': 4
"": empty
`,
  ],
  [
    'comments everywhere',
    `# leading comment
version: 2 # trailing
# between
models: # after key
  # before item
  - name: a # after value
    # inside item
    description: b
      # indented comment after value
  # at seq indent
  - name: c
    columns:
      - name: x
      # same indent as item
    # under map
# trailing at root
`,
  ],
  ['CRLF line endings', 'version: 2\r\nmodels:\r\n  - name: a\r\n    description: "x"\r\n    tags: [a, b]\r\n    sql: |\r\n      select 1\r\n      from t\r\n\r\n# c\r\n'],
  ['trailing spaces', 'a: 1   \nb:   \n  c: x  \n  d: "y"  \n  e: [1]  \n'],
  ['no trailing newline nested', 'a:\n  b:\n    - x\n    - y'],
  ['unicode', 'name: café\ndescription: "日本語のテキスト"\nemoji: 😀 party\nkey_ü: Grüße\n'],
  [
    'core schema scalars',
    `n1: null
n2: Null
n3: NULL
n4: ~
n5:
b1: true
b2: True
b3: TRUE
b4: false
b5: FALSE
b6: yes
b7: no
i1: 0
i2: -17
i3: +5
i4: 0x1F
i5: 0o17
i6: 007
i7: 12345678901234567890
f1: 1.5
f2: .5
f3: -1.
f4: 1e3
f5: 6.02E+23
f6: .inf
f7: -.Inf
f8: .NaN
f9: 1.50
s1: 1_000
s2: 0x
s3: 2020-01-01
s4: 1.2.3
s5: "123"
s6: '1.5'
`,
  ],
  ['numeric and bool keys', '1: one\n1.50: x\ntrue: t\nnull: n\n0x10: hex\n'],
  [
    'multi-line plain scalars',
    `description: This is a long
  description that spans

  several lines
    with odd indentation
other: x
`,
  ],
  [
    'multi-line quoted scalars',
    `a: 'first line
  second line

  third'
b: "first
  second \\
  joined
  \\ttab"
`,
  ],
  [
    'block scalars with chomping and indicators',
    `literal: |
  line 1
    indented
  line 3
folded: >
  folded
  text

  para
    more
  back
strip: |-
  x

keep: |+
  x


clip_trailing: |
  y


explicit: |2
    four spaces
  two
folded_strip: >-
  a
  b
last: end
`,
  ],
  ['block scalar at end of file', 'sql: |\n  select 1\n  from t'],
  ['block scalar keep at end of file', 'sql: |+\n  select 1\n\n'],
  ['block scalar with header comment', 'sql: >- # folded\n  a\n  b\n'],
  ['block scalar in sequence', 'steps:\n  - |\n    one\n  - >\n    two\n    three\n'],
  ['leading document start', '---\nversion: 2\n'],
  ['document start with comment', '# c\n--- # start\n\nversion: 2\n'],
  ['root sequence', '- a\n- b: 1\n  c: 2\n- [x, y]\n'],
  ['nested compact maps', '- name: a\n  config:\n    x: 1\n  tags:\n  - t\n- name: b\n'],
  ['item on the next line after dash', '-\n  name: a\n  x: 1\n- b\n'],
  ['empty values', 'a:\nb:\n  c:\n  d: 1\ne:\n'],
  ['key with spaces before colon', 'a  : 1\n"b" : 2\n'],
  ['plain scalars with indicators inside', 'a: b:c\nd: http://x.y/z?q=1#frag\ne: a#b\nf: -x\ng: ?y\nh: :z\ni: x - y\nj: 50%\n'],
  ['deep nesting', 'a:\n  b:\n    c:\n      d:\n        e:\n          f: [1, {g: [2]}]\n'],
  ['trailing comments in nested collections', 'a:\n  b:\n    c: 1\n    # x\nd: 2\n'],
  ['trailing comments before dedent', 'a:\n  b:\n    c: 1\n    # x\n  d: 2\n'],
  ['indented comment absorbed by value', 'a:\n  b: 1\n    # indented\n\n    # again\n  # not\nc: 2\n'],
  ['comment after last item of sequence', 'a:\n  - x\n  # c\n  - y\nb:\n  - z\n  # tail\n'],
  ['whitespace-only lines', 'a:\n  \n  b: 1\n    \n  c: 2\n  \n'],
  [
    'freshness and meta mix',
    `sources:
  - name: s
    freshness:
      warn_after:
        count: 1
        period: day
    meta: {owner: 'x', tier: 1}
    tables:
      - name: t
        columns:
          - name: c
            meta:
              pii: true
            constraints:
              - type: not_null
`,
  ],
  ['flow map with spaces before colon', 'a: {x : 1, "y" : 2, \'z\':3}\nb: [ 1 , 2 ]\n'],
  ['flow with blank lines inside', 'a: [\n  1,\n\n  2\n  ]\n'],
  ['comment after dash', '- # c\n  a: 1\n  b: 2\n- x\n'],
  ['empty items and values with comments', 'a:\n  tests:\n  # - unique\n  - x\n  -\n  # tail\nb: # nothing\n# c\nc:\n  d: # e\n'],
  ['values on the line after the key', 'a:\n  plain value\n  continued\nb:\n  "quoted"\nc:\n  [1, 2]\nd:\n  - x\n'],
  ['nested sequences on the next line', 'a:\n  -\n    - x\n    - y\n  - z\n'],
  ['odd indentation', 'a:\n   b:\n      - c: 1\n        d: 2\n   e: 3\n'],
  ['comments with tabs and quoted tabs', 'a: "x\ty" # c\twith tab\n#\ttab comment\nb: \'\tz\'\n'],
  ['docs block references', 'models:\n  - name: m\n    description: \'{{ doc("m") }}\'\n    docs:\n      show: false\n      node_color: "#ff0000"\n'],
  ['anchor and alias', 'a: &x 1\nb: *x\n'],
  ['merge key', 'base: {a: 1}\nm:\n  <<: {b: 2}\n'],
  ['duplicate key (a warning)', 'a: 1\na: 2\n'],
  [
    'anchor holder, merge followed by an override, merge not first, merged list',
    `version: 2
x-common-fields:
  - &id_col
    name: id
    description: The key
    data_tests:
      - not_null
  - &base_cfg {materialized: table, tags: [a]}
models:
  - name: m
    config:
      <<: *base_cfg
      materialized: view
    columns:
      - <<: *id_col
        name: id2
      - *id_col
      - name: id3
        <<: *id_col
      - {<<: [*id_col, *base_cfg], x: 1}
`,
  ],
  ['anchored scalars, flows and block scalars', 'a: &s plain\nb: &q "quoted"\nc: &f [1, *s]\nd: &m {k: *q}\ne: &bs |\n  text\nf: [*s, *q, *f, *m, *bs]\n'],
  ['anchor with a comment before its map', 'a: &x # c\n  k: 1\nb: *x\n'],
  ['one-character keys merged twice keep the first', 'a: &a {x: 1, name: p}\nb: &b {x: 2, name: q}\nc: {<<: [*a, *b]}\ne:\n  k: 1\n  <<: [*a, *b]\n'],
];

/** Texts the fast path must hand to the library. */
const bailCorpus: Array<[string, string]> = [
  ['tag', 'a: !!str 1\n'],
  ['unknown alias', 'a: *x\n'],
  ['anchor on a key', '&k a: 1\n'],
  ['anchored empty value', 'a: &x\nb: 1\n'],
  ['merge of a scalar', 'a: &x 1\nb:\n  <<: *x\n'],
  ['duplicate anchor (PyYAML refuses it)', 'a: &x 1\nb: &x 2\nc: *x\n'],
  ['complex key', '? a\n: b\n'],
  ['directive', '%YAML 1.2\n---\na: 1\n'],
  ['two documents', 'a: 1\n---\nb: 2\n'],
  ['tab indentation', 'a:\n\tb: 1\n'],
  ['unterminated quote', "a: 'x\n"],
  ['bad indentation', 'a: 1\n  b: 2\n'],
  ['root scalar', 'just text\n'],
  ['nested map on key line', 'a: b: c\n'],
  ['quoted scalar in a flow list continued below its parent', 'a: ["x\ny"]\n'],
  ['multi-line quoted key in a flow map', 'a: {"x\n  y": 1}\n'],
  ['tab in a multi-line quoted scalar in a flow list', 'a: ["x\n  \ty"]\n'],
];

describe('yaml-fast: corpus', () => {
  for (const [title, text] of corpus) {
    it(title, () => {
      assert.equal(differential(text), 'fast', `expected the fast path for ${JSON.stringify(text)}`);
    });
  }
  for (const [title, text] of bailCorpus) {
    it(`bails: ${title}`, () => {
      assert.equal(parseYamlFast(text), undefined);
    });
  }
  it('reads a backslash-continued string in a multi-line flow list as one value', () => {
    const text = 'platforms: ["xPro", "MITx\\\n        \\ Online", "Master\'\'s\n  degree"]\n';
    const fast = parseYamlFast(text);
    assert.ok(fast, 'expected the fast path');
    assert.deepEqual(toJS(fast.root), { platforms: ['xPro', 'MITx Online', "Master''s degree"] });
  });
  it('corpus has 40+ fast cases', () => {
    assert.ok(corpus.length >= 40, String(corpus.length));
  });
});

// -----------------------------------------------------------------------------------------------
// Seeded generator of dbt-like documents

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = [
  'name', 'description', 'columns', 'data_tests', 'tests', 'config', 'meta', 'tags', 'materialized', '+materialized',
  '+schema', 'freshness', 'warn_after', 'count', 'period', 'loaded_at_field', 'identifier', 'database', 'schema',
  'tables', 'version', 'vars', 'given', 'input', 'rows', 'expect', 'format', 'owner', 'enabled', 'docs', 'constraints',
  'type', 'alias', 'accepted_values', 'values', 'arguments', 'relationships', 'to', 'field', 'severity', 'where',
];
const ODD_KEYS = ["'quoted key'", '"dq key"', '"a: b"', "'it''s'", '1', 'true', 'null', '01', '1.50', 'a b', 'x-y', 'k.v', '"é"'];
const PLAIN = [
  'orders', 'The primary key', "ref('x')", 'hello world', 'a:b', 'http://example.com/x', 'a#b', '12', '-3', '+4', '0x1F',
  '0o17', '1.5', '.5', '1e3', '-.inf', '.nan', 'true', 'False', 'NULL', '~', 'null', 'yes', '2020-01-01', 'café',
  '日本語', '😀 emoji', 'x-y', '-x', ':x', '?x', 'a,b', 'a]b', 'a}b', 'table', 'view', 'incremental', 'hour', 'day',
  'not_null', 'unique', '100%', 'a - b',
];
const SQ = ["'x'", "'it''s'", "'a \"b\"'", "'{{ ref(\"x\") }}'", "'# hash'", "''", "'2020-01-01'", "'1'", "'true'", "'a: b'"];
const DQ = ['"x"', '"tab\\tend"', '"nl\\n"', '"q\\"q"', '"bs\\\\"', '"\\u00e9"', '"\\x41"', '""', '"{{ var(\'v\') }}"', '"#ff0000"', '"a: b"'];

class Gen {
  private readonly r: () => number;
  /** Anchors written so far, and whether each holds a block or flow map (mergeable). */
  private readonly anchors: Array<{ name: string; map: boolean }> = [];
  private anchorCount = 0;
  constructor(seed: number) {
    this.r = mulberry32(seed);
  }
  /** Sometimes an anchor (`&aN `) to put before a value; `done` registers it once the value is written. */
  anchor(map: boolean): { text: string; done: () => void } {
    if (!this.chance(0.12)) return { text: '', done: () => undefined };
    const name = `a${this.anchorCount++}`;
    return { text: `&${name}`, done: () => void this.anchors.push({ name, map }) };
  }
  alias(mapOnly: boolean): string | undefined {
    const pool = this.anchors.filter((a) => !mapOnly || a.map);
    return pool.length > 0 ? `*${this.pick(pool).name}` : undefined;
  }
  /** A merge key value: one map alias or a flow list of them. */
  mergeValue(): string | undefined {
    const one = this.alias(true);
    if (!one || this.chance(0.6)) return one;
    return `[${one}, ${this.alias(true)}]`;
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  int(a: number, b: number): number {
    return a + Math.floor(this.r() * (b - a + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }
  sp(n: number): string {
    return ' '.repeat(n);
  }
  trail(): string {
    return this.chance(0.05) ? this.sp(this.int(1, 3)) : '';
  }
  comment(): string {
    return this.pick(['# note', '#', '# TODO: fix', '# -- x: y', "# it's", '#\ttab', '#x']);
  }
  /** Optional comment / blank lines before an item at `indent`. */
  trivia(lines: string[], indent: number): void {
    while (this.chance(0.12)) {
      const k = this.int(0, 3);
      if (k === 0) lines.push('');
      else if (k === 1) lines.push(this.sp(this.int(0, indent + 2)));
      else lines.push(this.sp(this.pick([0, indent, indent + 2, indent + 4, Math.max(0, indent - 2)])) + this.comment());
    }
  }
  key(): string {
    return this.chance(0.08) ? this.pick(ODD_KEYS) : this.pick(KEYS);
  }
  scalar(indent: number): string {
    const k = this.r();
    if (k < 0.55) return this.pick(PLAIN);
    if (k < 0.7) return this.pick(SQ);
    if (k < 0.85) return this.pick(DQ);
    if (k < 0.9) return `${this.pick(PLAIN)} ${this.pick(PLAIN)}\n${this.sp(indent + 2)}${this.pick(PLAIN)}${this.chance(0.3) ? `\n\n${this.sp(indent + 3)}more` : ''}`;
    if (k < 0.95) return `'multi\n${this.sp(indent + 2)}line''s${this.chance(0.3) ? `\n\n${this.sp(indent + 1)}end` : ''}'`;
    return `"multi\n${this.sp(indent + 2)}line\\t${this.chance(0.3) ? `\\\n${this.sp(indent + 4)}joined` : ''}"`;
  }
  flow(indent: number, depth: number, multiline: boolean): string {
    const isMap = this.chance(0.4);
    const n = this.int(0, 4);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      let v: string;
      if (depth < 2 && this.chance(0.15)) v = this.flow(indent, depth + 1, false);
      else if (this.chance(0.12)) v = this.flowQuotedLines(indent);
      else if (isMap && this.chance(0.08)) v = '';
      else {
        v = this.pick([...PLAIN.filter((p) => !/[,\]}#:]|^[-?]/.test(p) && !p.includes(' ')), ...SQ, ...DQ.filter((d) => !d.includes("'"))]);
      }
      const key = this.chance(0.15) ? `"k${i}"` : `k${i}`;
      // A key without a value in a flow map (`{a: 1, c}`); a single-pair mapping in a flow sequence (`[k: v]`).
      if (isMap && this.chance(0.06)) parts.push(key);
      else if (isMap || this.chance(0.1)) parts.push(`${key}${this.chance(0.1) ? ' ' : ''}:${this.chance(0.9) ? ' ' : '  '}${v}`);
      else parts.push(v);
    }
    const [open, close] = isMap ? ['{', '}'] : ['[', ']'];
    if (!multiline || n === 0) return `${open}${parts.join(this.pick([', ', ',', ' , ']))}${this.chance(0.05) && n > 0 ? ', ' : ''}${close}`;
    const inner = this.sp(indent + this.pick([1, 2, 2, 3]));
    const sep = this.chance(0.2) ? ',\n\n' : this.chance(0.2) ? ', ' : ',\n';
    return `${open}\n${parts.map((p) => inner + p).join(sep)}\n${this.sp(this.pick([indent, indent + 1, indent + 2]))}${close}`;
  }
  /** A quoted scalar spanning lines inside a flow collection (rarely continued at the parent's indent: an error). */
  flowQuotedLines(indent: number): string {
    const cont = (): string => '\n' + (this.chance(0.15) ? '\n' : '') + this.sp(this.chance(0.05) ? indent : indent + this.int(1, 6));
    const k = this.r();
    if (k < 0.4) return `"Junior secondary/junior\\${cont()}\\ high/middle school"`;
    if (k < 0.6) return `"MITx\\${cont()}Online\\t${cont()}x\\u00e9 "`;
    if (k < 0.8) return `'Master''s ${cont()}degree${this.chance(0.3) ? cont() + "end'" : "'"}`;
    return `"plain ${cont()}folded${this.chance(0.3) ? '\\' : ''}${cont()}end"`;
  }
  blockScalar(indent: number): string {
    const mode = this.pick(['|', '>']);
    const chomp = this.pick(['', '', '-', '+']);
    const explicit = this.chance(0.15) ? String(this.int(1, 3)) : '';
    const header = mode + (this.chance(0.5) ? chomp + explicit : explicit + chomp) + (this.chance(0.1) ? ' # hdr' : '');
    const base = indent + (explicit ? Number(explicit) : this.pick([2, 2, 4]));
    const lines: string[] = [];
    while (this.chance(0.15)) lines.push(this.sp(this.int(0, base)));
    lines.push(this.sp(base) + 'first');
    const n = this.int(0, 5);
    for (let i = 0; i < n; i++) {
      const k = this.r();
      if (k < 0.6) lines.push(this.sp(base) + this.pick(['select 1', 'id,name', '1,alice', 'from {{ ref("x") }}', 'a: b', '# not a comment', '- item', 'tab\there']));
      else if (k < 0.75) lines.push(this.sp(base + 2) + 'more indented');
      else if (k < 0.9) lines.push('');
      else lines.push(this.sp(this.int(0, base + 3)));
    }
    while (this.chance(0.2)) lines.push(this.chance(0.5) ? '' : this.sp(this.int(0, base + 2)));
    return header + '\n' + lines.join('\n');
  }
  /** Value after `key:` (starts with a space or a newline). */
  value(indent: number, depth: number, lines: string[], prefix: string): void {
    const k = this.r();
    const alias = this.chance(0.06) ? this.alias(false) : undefined;
    if (alias) {
      lines.push(`${prefix}: ${alias}${this.trail()}${this.chance(0.1) ? ' ' + this.comment() : ''}`);
    } else if (depth < 5 && k < 0.22) {
      const a = this.anchor(true);
      lines.push(prefix + ':' + (a.text ? ' ' + a.text : '') + this.trail() + (this.chance(0.08) ? ' ' + this.comment() : ''));
      this.trivia(lines, indent);
      this.map(indent + this.pick([2, 2, 4, 1, 3]), depth + 1, lines);
      a.done();
    } else if (depth < 5 && k < 0.4) {
      lines.push(prefix + ':' + this.trail());
      this.trivia(lines, indent);
      this.seq(indent + this.pick([0, 2, 2, 4]), depth + 1, lines);
    } else if (k < 0.47) {
      lines.push(`${prefix}: ${this.blockScalar(indent)}`);
    } else if (k < 0.57) {
      const flow = this.flow(indent, 0, this.chance(0.2));
      const a = this.anchor(flow.startsWith('{'));
      lines.push(`${prefix}: ${a.text ? a.text + ' ' : ''}${flow}${this.trail()}`);
      a.done();
    } else if (k < 0.6) {
      lines.push(prefix + ':' + this.trail() + (this.chance(0.2) ? ' ' + this.comment() : ''));
    } else if (k < 0.63) {
      lines.push(prefix + ':' + this.trail());
      this.trivia(lines, indent);
      const v = this.chance(0.7) ? this.scalar(indent + 2) : this.flow(indent + 2, 0, this.chance(0.3));
      lines.push(this.sp(indent + this.pick([1, 2, 4])) + v + this.trail());
    } else {
      const a = this.anchor(false);
      lines.push(`${prefix}:${this.chance(0.05) ? '   ' : ' '}${a.text ? a.text + ' ' : ''}${this.scalar(indent)}${this.trail()}${this.chance(0.1) ? ' ' + this.comment() : ''}`);
      a.done();
    }
  }
  map(indent: number, depth: number, lines: string[], first?: string): void {
    const n = this.int(1, 5);
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      const merge = this.chance(0.08) ? this.mergeValue() : undefined;
      const key = merge ? '<<' : this.key();
      // A repeated key now and then: a warning, the last one wins.
      if (used.has(key) && !this.chance(0.1)) continue;
      used.add(key);
      if (i > 0 || first === undefined) this.trivia(lines, indent);
      const prefix = i === 0 && first !== undefined ? first + key : this.sp(indent) + key;
      if (merge) lines.push(`${prefix}: ${merge}${this.trail()}`);
      else this.value(indent, depth, lines, prefix);
    }
  }
  seq(indent: number, depth: number, lines: string[]): void {
    const n = this.int(1, 4);
    for (let i = 0; i < n; i++) {
      if (i > 0) this.trivia(lines, indent);
      const dash = this.sp(indent) + '-' + this.pick([' ', ' ', '   ']);
      const k = this.r();
      if (depth < 5 && this.chance(0.04)) {
        // nested sequence: on the next line, rarely on the dash line
        if (this.chance(0.2)) lines.push(dash + '- ' + this.scalar(indent + 2));
        else {
          lines.push(this.sp(indent) + '-' + (this.chance(0.3) ? ' ' + this.comment() : ''));
          this.seq(indent + this.pick([1, 2, 4]), depth + 1, lines);
        }
        continue;
      }
      if (depth < 5 && this.chance(0.04)) {
        lines.push(this.sp(indent) + '- ' + this.comment());
        this.map(indent + 2, depth + 1, lines);
        continue;
      }
      const alias = this.chance(0.05) ? this.alias(false) : undefined;
      if (alias) lines.push(dash + alias + this.trail());
      else if (depth < 5 && this.chance(0.05)) {
        // An anchored map starting on the line after its dash (the anchor-holder idiom).
        const a = this.anchor(true);
        lines.push(this.sp(indent) + '-' + (a.text ? ' ' + a.text : '') + this.trail());
        this.map(indent + 2, depth + 1, lines);
        a.done();
      } else if (depth < 5 && k < 0.45) this.map(indent + dash.length - indent, depth + 1, lines, dash);
      else if (k < 0.52) lines.push(dash + this.flow(indent, 0, false));
      else if (k < 0.56) lines.push(dash.trimEnd() + ' ' + this.blockScalar(indent));
      else if (depth < 5 && k < 0.6) {
        lines.push(this.sp(indent) + '-' + this.trail());
        this.trivia(lines, indent);
        this.map(indent + 2, depth + 1, lines);
      } else if (k < 0.63) {
        lines.push(this.sp(indent) + '-' + this.trail() + (this.chance(0.3) ? ' ' + this.comment() : ''));
      } else if (k < 0.65) {
        lines.push(this.sp(indent) + '-' + this.trail());
        lines.push(this.sp(indent + this.pick([1, 2])) + this.scalar(indent + 2));
      } else lines.push(dash + this.scalar(indent) + this.trail() + (this.chance(0.1) ? ' ' + this.comment() : ''));
    }
  }
  document(): string {
    const lines: string[] = [];
    this.trivia(lines, 0);
    if (this.chance(0.1)) lines.push('---');
    if (this.chance(0.1)) this.seq(0, 0, lines);
    else this.map(0, 0, lines);
    this.trivia(lines, 0);
    let text = lines.join(this.chance(0.15) ? '\r\n' : '\n');
    if (this.chance(0.85)) text += '\n';
    return text;
  }
}

/** Random edits that tend to break YAML in interesting ways. */
function mutate(text: string, r: () => number): string {
  const pieces = [':', '-', "'", '"', '[', ']', '{', '}', ' ', '  ', '\n', '\t', '#', '|', '>', ',', '&a', '*a', '!', '? ', '\r\n', '\\', '- ', ': ', '---\n'];
  let t = text;
  const edits = 1 + Math.floor(r() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (t.length + 1));
    const k = r();
    if (k < 0.4 && t.length > 0) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 3));
    else if (k < 0.9) t = t.slice(0, at) + pieces[Math.floor(r() * pieces.length)]! + t.slice(at);
    else {
      // indent or dedent a line
      const ls = t.split('\n');
      const li = Math.floor(r() * ls.length);
      ls[li] = r() < 0.5 ? '  ' + ls[li] : ls[li]!.replace(/^ {1,2}/, '');
      t = ls.join('\n');
    }
  }
  return t;
}

/** YAML_FAST_FUZZ scales the fuzz counts; YAML_FAST_SEED explores other seeds (long local runs). */
const SCALE = Number(process.env.YAML_FAST_FUZZ ?? '1');
const SEED = Number(process.env.YAML_FAST_SEED ?? '0');

describe('yaml-fast: generated documents', () => {
  it('match the library on seeded random dbt-like documents', (t) => {
    let fast = 0;
    let merged = 0;
    let flowLines = 0;
    let flowEmpty = 0;
    const total = Math.round(600 * SCALE);
    for (let seed = 1; seed <= total; seed++) {
      const text = new Gen(SEED * 1_000_003 + seed).document();
      if (differential(text) === 'fast') {
        fast++;
        if (text.includes('<<: ') && text.includes(': *a')) merged++;
        if (/junior\\\r?\n|Master''s \r?\n|MITx\\\r?\n|plain \r?\n/.test(text)) flowLines++;
        if (/:\s+[,}]/.test(text)) flowEmpty++;
      }
    }
    t.diagnostic(`fast path taken for ${fast}/${total} generated documents (${merged} with aliases and merge keys, ${flowLines} with quoted scalars spanning lines in flow collections, ${flowEmpty} with empty flow map values)`);
    // The generator mostly writes the subset; the fast path must really be taken, anchors included.
    assert.ok(fast >= total * 0.6, `fast path taken for only ${fast}/${total}`);
    assert.ok(merged >= total * 0.05, `fast path taken for only ${merged} documents with merge keys`);
    assert.ok(flowLines >= total * 0.05, `fast path taken for only ${flowLines} documents with multi-line quoted scalars in flow collections`);
    assert.ok(flowEmpty >= total * 0.02, `fast path taken for only ${flowEmpty} documents with empty flow map values`);
  });

  it('mutation fuzz: never throws; any tree it returns equals the library', (t) => {
    const r = mulberry32(424242 + SEED);
    const total = Math.round(3000 * SCALE);
    let fast = 0;
    for (let i = 0; i < total; i++) {
      const base = r() < 0.3 ? corpus[Math.floor(r() * corpus.length)]![1] : new Gen(SEED * 1_000_003 + 100000 + i).document();
      if (differential(mutate(base, r)) === 'fast') fast++;
    }
    t.diagnostic(`fast path taken for ${fast}/${total} mutated documents`);
    assert.ok(fast > 0);
  });
});

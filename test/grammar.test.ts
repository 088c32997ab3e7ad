/**
 * The Jinja-SQL grammar, tokenized with the same TextMate engine VS Code uses (vscode-textmate +
 * Oniguruma), compared with reviewed snapshots: each token with its scopes.
 */
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as oniguruma from 'vscode-oniguruma';
import * as textmate from 'vscode-textmate';
import { assertGolden, testPath } from './support/golden';

async function loadGrammar(): Promise<textmate.IGrammar> {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (p: string[]) => new oniguruma.OnigScanner(p), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: async (scopeName: string) => {
      if (scopeName === 'source.sql.jinja') return textmate.parseRawGrammar(readFileSync(testPath('..', 'syntaxes', 'jinja-sql.tmLanguage.json'), 'utf8'), 'jinja-sql.tmLanguage.json');
      // VS Code supplies source.sql; here plain SQL text stays unscoped so the snapshots show Jinja only.
      if (scopeName === 'source.sql') return textmate.parseRawGrammar(JSON.stringify({ scopeName: 'source.sql', patterns: [] }), 'sql.json');
      return null;
    },
  });
  const grammar = await registry.loadGrammar('source.sql.jinja');
  if (!grammar) throw new Error('grammar did not load');
  return grammar;
}

const SAMPLES: Record<string, string> = {
  'ref-and-source': "select * from {{ ref('silver_orders') }} join {{ source(\"landing\", 'orders') }}",
  'config-kwargs': "{{ config(materialized='incremental', unique_key=['id'], enabled=true) }}",
  'control-flow': "{%- if is_incremental() %}\nwhere created_at > (select max(created_at) from {{ this }})\n{% endif -%}",
  'comment-and-macro': "{# a note #}\nselect {{ multiply_columns_and_round('quantity', 'unit_price', 2) | trim }} as amount",
  'whitespace-control': '{{- var("x") ~ "_suffix" -}}',
};

describe('Jinja-SQL grammar snapshots', () => {
  for (const [name, text] of Object.entries(SAMPLES)) {
    it(name, async () => {
      const grammar = await loadGrammar();
      let state = textmate.INITIAL;
      const out: string[] = [];
      for (const line of text.split('\n')) {
        const r = grammar.tokenizeLine(line, state);
        for (const t of r.tokens) {
          const piece = line.slice(t.startIndex, t.endIndex);
          if (piece.trim() === '') continue;
          out.push(`${JSON.stringify(piece).padEnd(30)} ${t.scopes.slice(1).join(' ')}`);
        }
        state = r.ruleStack;
      }
      assertGolden(testPath('goldens', 'grammar', `${name}.txt`), `${text}\n---\n${out.join('\n')}\n`);
    });
  }
});

// Renders result rows as one aligned Markdown table (readable in a terminal, pasteable into docs).
const COLS = [
  ['scenario', 'scenario'],
  ['case', 'measure'],
  ['nodeark', 'nodeark'],
  ['baseline', 'baseline'],
  ['ratio', 'ratio / delta'],
  ['budget', 'budget'],
  ['verdict', 'verdict'],
];

const width = (s) => [...s].length;

export function renderTable(rows) {
  const cells = rows.map((r) => COLS.map(([k]) => String(r[k] ?? '').replaceAll('|', '\\|')));
  const heads = COLS.map(([, h]) => h);
  const w = heads.map((h, i) => Math.max(width(h), ...cells.map((c) => width(c[i]))));
  const line = (c) => `| ${c.map((x, i) => x + ' '.repeat(w[i] - width(x))).join(' | ')} |`;
  return [line(heads), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

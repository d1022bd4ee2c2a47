import type { ColumnType, Datum } from '@softswitch/configdb/values';
import { datumToBare, datumToJsonText, datumToString } from './value.js';

export type TableFormat = 'list' | 'table' | 'csv' | 'json' | 'html';
export type DataFormat = 'string' | 'bare' | 'json';

export interface OutputOptions {
  format: TableFormat;
  data: DataFormat;
  headings: boolean;
}

export interface Cell {
  datum: Datum;
  type: ColumnType;
}

function cellText(c: Cell, data: DataFormat): string {
  if (data === 'bare') return datumToBare(c.datum, c.type);
  if (data === 'json') return JSON.stringify(datumToJsonText(c.datum, c.type));
  return datumToString(c.datum, c.type);
}

function csvQuote(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Prints rows the way ovs-vsctl's table module does for list/find. */
export function renderRows(headings: string[], rows: Cell[][], o: OutputOptions): string {
  switch (o.format) {
    case 'json':
      return `${JSON.stringify({ data: rows.map((r) => r.map((c) => datumToJsonText(c.datum, c.type))), headings })}\n`;
    case 'csv': {
      const lines: string[] = [];
      if (o.headings) lines.push(headings.map(csvQuote).join(','));
      for (const r of rows) lines.push(r.map((c) => csvQuote(cellText(c, o.data))).join(','));
      return lines.map((l) => `${l}\n`).join('');
    }
    case 'table': {
      const texts = rows.map((r) => r.map((c) => cellText(c, o.data)));
      const widths = headings.map((h, i) => Math.max(o.headings ? h.length : 0, ...texts.map((t) => t[i].length)));
      const line = (cells: string[]) =>
        cells
          .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
          .join(' ')
          .replace(/\s+$/, '');
      const out: string[] = [];
      if (o.headings) {
        out.push(line(headings));
        out.push(line(widths.map((w) => '-'.repeat(w))));
      }
      for (const t of texts) out.push(line(t));
      return out.map((l) => `${l}\n`).join('');
    }
    default: {
      const blocks = rows.map((r) =>
        r
          .map((c, i) => {
            const v = cellText(c, o.data);
            return o.headings ? `${headings[i].padEnd(20)}: ${v}` : v;
          })
          .join('\n'),
      );
      return blocks.length ? `${blocks.join('\n\n')}\n` : '';
    }
  }
}

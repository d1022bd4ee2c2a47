import type { TableStats } from '@softswitch/openflow';

type Of = typeof import('@softswitch/openflow');

function sameFeatures(a: TableStats, b: TableStats): boolean {
  return a.wildcards === b.wildcards && a.maxEntries === b.maxEntries;
}

function sameStats(a: TableStats, b: TableStats): boolean {
  return a.activeCount === b.activeCount && a.lookupCount === b.lookupCount && a.matchedCount === b.matchedCount;
}

/**
 * dump-tables output as ovs-ofctl prints it: a table whose statistics and features equal the
 * previous one's is "ditto" (unnamed runs collapse to "tables A...B: ditto"); OpenFlow 1.0
 * features repeated from the previous table print as "(same features)".
 */
export function formatTableStatsReply(of: Of, header: string, tables: TableStats[], version: number): string {
  // OpenFlow 1.1/1.2 statistics carry each table's features: printed as table features are.
  if (version === 2 || version === 3) return `${header}${of.formatTableStats1112(tables, version)}`;
  let s = header;
  let first = -1;
  let last = -1;
  const finishDittos = () => {
    if (first < 0) return;
    s += first === last ? `\n  table ${first}: ditto\n` : `\n  tables ${first}...${last}: ditto\n`;
    first = -1;
  };
  for (let i = 0; i < tables.length; i++) {
    const t = tables[i];
    const prev = i > 0 ? tables[i - 1] : undefined;
    const ditto = prev !== undefined && sameStats(t, prev) && sameFeatures(t, prev);
    if (ditto && !t.name) {
      if (first < 0) first = t.tableId;
      last = t.tableId;
      continue;
    }
    finishDittos();
    s += `\n  table ${t.tableId}${t.name ? ` ("${t.name}")` : ''}:`;
    if (ditto) {
      s += ' ditto';
      continue;
    }
    s += `\n    active=${t.activeCount}, lookup=${t.lookupCount}, matched=${t.matchedCount}\n`;
    if (version === 1) {
      if (prev && sameFeatures(t, prev)) s += '    (same features)\n';
      else {
        // The library prints the OpenFlow 1.0 "matching" block; take it from there.
        const lines = of.formatMultipartReply({ mp: 'table', tables: [{ ...t, name: undefined }] }, 1).split('\n');
        s += `${lines.slice(3).join('\n')}\n`;
      }
    }
  }
  finishDittos();
  return s.endsWith('\n') ? s : `${s}\n`;
}

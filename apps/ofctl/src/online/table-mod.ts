import { UserError } from '@softswitch/cli-kit';
import type { TableDesc } from '@softswitch/openflow';
import { vlogLine } from '../offline/vlog.js';
import type { ProtocolOptions } from '../protocol-flags.js';
import type { OfConnection } from './connection.js';
import { parseCInt } from './ct-flush-zone.js';
import { openSwitch, versionBitmap } from './session.js';
import { tableDescRequest } from './table-desc.js';

type Of = typeof import('@softswitch/openflow');

const ALL_TABLES = 255;
/** OVS's OFPTT_MAX: with "all", OpenFlow 1.4+ mod-table walks tables 0 to 253. */
const OFPTT_MAX = 254;
const V11_12 = (1 << 2) | (1 << 3);
const V14_15 = (1 << 5) | (1 << 6);
/** OpenFlow 1.1/1.2 table-miss configs. */
const MISS: Record<string, number> = { controller: 0, continue: 1, drop: 2 };

/** A parsed mod-table request; undefined eviction/vacancy: leave as the table has it. */
export interface TableModRequest {
  tableId: number;
  miss?: number;
  eviction?: boolean;
  evictionFlags?: number;
  vacancy?: { on: boolean; down: number; up: number };
  /** Version bitmap able to carry it. */
  versions: number;
}

/** OVS's str_to_int (base 0) for a vacancy percentage. */
function percent(text: string | undefined, which: string): number {
  if (text === undefined) throw new UserError(`Vacancy ${which} value missing`);
  const n = parseCInt(text);
  if (!(n >= 0 && n <= 100)) throw new UserError(`Invalid vacancy ${which} value "${text}"`);
  return n;
}

/** OVS's parse_ofp_table_mod: the table (a number or "all") and one setting. */
export function parseTableMod(tableText: string, setting: string, warn: (s: string) => void): TableModRequest {
  let tableId: number;
  if (tableText.toLowerCase() === 'all') tableId = ALL_TABLES;
  else if (/^\d+$/.test(tableText)) {
    tableId = Number(tableText);
    if (tableId > 255) {
      warn(`table ${tableId} is outside the supported range 0 through 255`);
      throw new UserError(`unknown table "${tableText}"`);
    }
  } else throw new UserError(`unknown table "${tableText}"`);
  if (setting in MISS && Object.hasOwn(MISS, setting)) return { tableId, miss: MISS[setting], versions: V11_12 };
  if (setting === 'evict' || setting === 'noevict') return { tableId, eviction: setting === 'evict', versions: V14_15 };
  if (setting === 'novacancy') return { tableId, vacancy: { on: false, down: 0, up: 0 }, versions: V14_15 };
  const word = setting.split(':')[0];
  if ('vacancy'.startsWith(word)) {
    // strtok: the text after the first ':', split at commas (empty pieces skipped).
    const rest = setting.includes(':') ? setting.slice(setting.indexOf(':') + 1) : '';
    const parts = rest.split(',').filter((p) => p !== '');
    const down = percent(parts[0], 'down');
    const up = percent(parts[1], 'up');
    if (down > up)
      throw new UserError('Invalid vacancy range, vacancy up should be greater than vacancy down (OFPBPC_BAD_VALUE)');
    return { tableId, vacancy: { on: true, down, up }, versions: V14_15 };
  }
  throw new UserError(`invalid table_mod setting ${setting}`);
}

const VERSION_NAMES = ['', 'OpenFlow10', 'OpenFlow11', 'OpenFlow12', 'OpenFlow13', 'OpenFlow14', 'OpenFlow15'];
const bitmapNames = (bitmap: number) => VERSION_NAMES.filter((_, v) => v && bitmap & (1 << v));

/** The table's current description (OVS's fetch_table_desc). */
async function fetchTableDesc(of: Of, conn: OfConnection, tableId: number): Promise<TableDesc | undefined> {
  const request = tableDescRequest(of, conn);
  for (const r of await conn.transact(request)) {
    const m = of.decodeMessage(r);
    if (m.type !== 'multipart_reply' || m.body.mp !== 'table_desc') throw new UserError('received bad reply');
    const found = m.body.tables.find((t) => t.tableId === tableId);
    if (found) return found;
  }
  return undefined;
}

/**
 * OVS's merge of the current settings: a request that sets eviction keeps the table's vacancy;
 * one that sets vacancy keeps its eviction (and, with "all", carries that on to later tables).
 */
function merge(of: Of, tm: TableModRequest, td: TableDesc | undefined): void {
  const on = (bit: number) => ((td?.config ?? 0) & bit) !== 0;
  if (tm.eviction !== undefined) {
    tm.vacancy = { on: on(of.OFPTC14_VACANCY_EVENTS), down: td?.vacancy?.down ?? 0, up: td?.vacancy?.up ?? 0 };
  } else if (tm.vacancy !== undefined) {
    tm.eviction = on(of.OFPTC14_EVICTION);
    tm.evictionFlags = td?.evictionFlags;
  }
}

function encodeTableMod(of: Of, tm: TableModRequest, version: number, xid: number): Uint8Array {
  if (version < 5) {
    const config = version <= 3 ? (tm.miss ?? 0) : 0;
    return of.encodeMessage({ type: 'table_mod', version, xid, tableId: tm.tableId, config });
  }
  const config = (tm.eviction ? of.OFPTC14_EVICTION : 0) | (tm.vacancy?.on ? of.OFPTC14_VACANCY_EVENTS : 0);
  const props = {
    evictionFlags: tm.evictionFlags,
    vacancy: tm.vacancy?.on ? { down: tm.vacancy.down, up: tm.vacancy.up } : undefined,
  };
  return of.encodeMessage({ type: 'table_mod', version, xid, tableId: tm.tableId, config, props });
}

/** mod-table SWITCH TABLE SETTING, as ovs-ofctl's ofctl_mod_table. */
export async function runModTable(
  spec: string,
  tableText: string,
  setting: string,
  flags: ProtocolOptions & { rundir?: string },
): Promise<void> {
  const of = await import('@softswitch/openflow');
  const { runOnline } = await import('./run.js');
  const tm = parseTableMod(tableText, setting, (s) => process.stderr.write(vlogLine(1, 'ofp_table', 'WARN', s)));
  const allowed = versionBitmap(of, flags);
  if (!(allowed & tm.versions)) {
    throw new UserError(
      `table_mod '${setting}' requires one of the OpenFlow versions ${bitmapNames(tm.versions).join(', ')}`,
    );
  }
  const usable = { ...flags, protocols: bitmapNames(allowed & tm.versions).join(',') };
  await runOnline(async (track) => {
    // ovs-ofctl looks up table names first (a hello and a table-features request).
    const conn = track(await openSwitch(of, spec, usable, 2));
    const send = (t: TableModRequest) => conn.transactNoReply(encodeTableMod(of, t, conn.version, conn.takeXid()));
    if (!(allowed & V14_15)) return send(tm);
    const tables = tm.tableId === ALL_TABLES ? Array.from({ length: OFPTT_MAX }, (_, i) => i) : [tm.tableId];
    for (const tableId of tables) {
      tm.tableId = tableId;
      merge(of, tm, await fetchTableDesc(of, conn, tableId));
      await send(tm);
    }
  });
}

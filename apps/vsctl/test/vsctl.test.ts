import { parseSchema } from '@softswitch/configdb';
import { describe, expect, it } from 'vitest';
import { parseArgv } from '../src/argv.js';
import { renderRows } from '../src/output.js';
import { datumToBare, datumToString, parseDatum, stringNeedsQuotes } from '../src/value.js';

const schema = parseSchema({
  name: 'S',
  version: '1.0.0',
  tables: {
    T: {
      columns: {
        name: { type: 'string' },
        tags: { type: { key: { type: 'integer', minInteger: 0, maxInteger: 4095 }, min: 0, max: 4096 } },
        opt: { type: { key: 'integer', min: 0, max: 1 } },
        ids: { type: { key: 'string', value: 'string', min: 0, max: 'unlimited' } },
        mode: { type: { key: { type: 'string', enum: ['set', ['secure', 'standalone']] }, min: 0, max: 1 } },
      },
    },
  },
});
const col = (c: string) => schema.tables.get('T')?.columns.get(c)?.type as never;

describe('value syntax', () => {
  it('quotes strings exactly when ovs-vsctl does', () => {
    expect(['br0', 'a-b.c_d', 'ab9'].map(stringNeedsQuotes)).toEqual([false, false, false]);
    expect(['1', '9abc', 'x y', '', 'true', 'tcp:1.2.3.4'].map(stringNeedsQuotes)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
  });

  it('parses and prints sets, maps and optional values', () => {
    const tags = parseDatum('[3 1, 2]', col('tags'));
    expect(tags).toEqual({ keys: [1, 2, 3] });
    expect(datumToString(tags, col('tags'))).toBe('[1, 2, 3]');
    expect(datumToString(parseDatum('1,2', col('tags')), col('tags'))).toBe('[1, 2]');
    const ids = parseDatum('{b="x y", a=1}', col('ids'));
    expect(datumToString(ids, col('ids'))).toBe('{a="1", b="x y"}');
    expect(datumToBare(ids, col('ids'))).toBe('a=1 b=x y');
    expect(datumToString(parseDatum('5', col('opt')), col('opt'))).toBe('5');
    expect(datumToString(parseDatum('[]', col('opt')), col('opt'))).toBe('[]');
  });

  it('rejects values the column cannot hold, with ovs-vsctl messages', () => {
    expect(() => parseDatum('4096', col('tags'))).toThrow(
      'constraint violation: 4096 is not in the valid range 0 to 4095 (inclusive)',
    );
    expect(() => parseDatum('bogus', col('mode'))).toThrow(
      'constraint violation: bogus is not one of the allowed values ([secure, standalone])',
    );
    expect(() => parseDatum('1 2', col('opt'))).toThrow('1 2: 2 value(s) specified but the maximum number is 1');
    expect(() => parseDatum('x', col('opt'))).toThrow('"x" is not a valid integer');
  });
});

describe('command line', () => {
  it('keeps global options, per-command options and -- chains apart', () => {
    const { global, commands } = parseArgv([
      '--db=unix:/x',
      '--no-wait',
      '--columns=name',
      'list',
      'bridge',
      '--',
      '--may-exist',
      'add-br',
      'br0',
      '--',
      'set',
      'bridge',
      'br0',
      'stp_enable=true',
    ]);
    expect(global).toMatchObject({ db: 'unix:/x', noWait: true });
    expect(commands.map((c) => [c.name, c.args, [...c.options]])).toEqual([
      ['list', ['bridge'], [['--columns', 'name']]],
      ['add-br', ['br0'], [['--may-exist', true]]],
      ['set', ['bridge', 'br0', 'stp_enable=true'], []],
    ]);
  });

  it('rejects unknown commands, options and argument counts like ovs-vsctl', () => {
    expect(() => parseArgv(['frob'])).toThrow("unknown command 'frob'; use --help for help");
    expect(() => parseArgv(['--if-exists', 'add-br', 'b'])).toThrow("'add-br' command has no '--if-exists' option");
    expect(() => parseArgv(['list-br', 'x'])).toThrow("'list-br' command takes at most 0 arguments");
    expect(() => parseArgv(['create', 'qos'])).toThrow("'create' command requires at least 2 arguments");
  });
});

describe('table output', () => {
  const cells = [
    [
      { datum: { keys: ['br0'] }, type: col('name') },
      { datum: { keys: [] }, type: col('mode') },
    ],
  ];
  it('prints list, table, csv and json as ovs-vsctl does', () => {
    const o = { data: 'string' as const, headings: true };
    expect(renderRows(['name', 'fail_mode'], cells, { ...o, format: 'list' })).toBe(
      'name                : br0\nfail_mode           : []\n',
    );
    expect(renderRows(['name', 'fail_mode'], cells, { ...o, format: 'table' })).toBe(
      'name fail_mode\n---- ---------\nbr0  []\n',
    );
    expect(renderRows(['name', 'fail_mode'], cells, { ...o, format: 'csv' })).toBe('name,fail_mode\nbr0,[]\n');
    expect(renderRows(['name', 'fail_mode'], cells, { ...o, format: 'json' })).toBe(
      '{"data":[["br0",["set",[]]]],"headings":["name","fail_mode"]}\n',
    );
  });
});

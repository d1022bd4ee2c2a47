import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Connection, connectRemote } from '@softswitch/jsonrpc';
import { type ConfigDbServerHandle, parseSchema, startConfigDbServer } from '../src/index.js';

/** A small schema exercising every feature: root/non-root, strong/weak refs, indexes, maps, enums. */
export const TEST_SCHEMA = parseSchema({
  name: 'Test',
  version: '1.0.0',
  tables: {
    Root: {
      isRoot: true,
      maxRows: 1,
      columns: {
        children: { type: { key: { type: 'uuid', refTable: 'Child' }, min: 0, max: 'unlimited' } },
        counter: { type: 'integer' },
      },
    },
    Child: {
      indexes: [['name']],
      columns: {
        name: { type: 'string', mutable: false },
        tag: { type: { key: { type: 'integer', minInteger: 0, maxInteger: 4095 }, min: 0, max: 1 } },
        mode: { type: { key: { type: 'string', enum: ['set', ['a', 'b']] }, min: 0, max: 1 } },
        tags: { type: { key: 'integer', min: 0, max: 3 } },
        options: { type: { key: 'string', value: 'string', min: 0, max: 'unlimited' } },
        peer: { type: { key: { type: 'uuid', refTable: 'Child', refType: 'weak' }, min: 0, max: 1 } },
        status: { type: { key: 'string', value: 'string', min: 0, max: 'unlimited' }, ephemeral: true },
      },
    },
    Log: {
      isRoot: true,
      columns: { text: { type: 'string' }, n: { type: 'integer' } },
    },
  },
});

export interface Fixture {
  dir: string;
  dbFile: string;
  socket: string;
  handle: ConfigDbServerHandle;
  connect(): Promise<Connection>;
  close(): Promise<void>;
}

export async function startFixture(
  dir = mkdtempSync(join(tmpdir(), 'configdb-unit-')),
  maxMessageBytes?: number,
): Promise<Fixture> {
  const dbFile = join(dir, 'test.db');
  const socket = join(dir, 'db.sock');
  const handle = await startConfigDbServer({
    dbFile,
    schema: TEST_SCHEMA,
    remotes: [`punix:${socket}`],
    maxMessageBytes,
  });
  const conns: Connection[] = [];
  return {
    dir,
    dbFile,
    socket,
    handle,
    async connect() {
      const c = await connectRemote(`unix:${socket}`);
      conns.push(c);
      return c;
    },
    async close() {
      for (const c of conns) c.close();
      await handle.close();
    },
  };
}

export function cleanup(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Waits for the next notification named `method` on `conn`. */
export function nextNotification(conn: Connection, method: string): Promise<unknown[]> {
  return new Promise((resolve) => {
    const on = (m: string, params: unknown[]) => {
      if (m !== method) return;
      conn.off('notification', on);
      resolve(params);
    };
    conn.on('notification', on);
  });
}

import { parseSchema } from './schema.js';

/** The `_Server` database's schema (OVS's _server.ovsschema, version 1.2.0). */
export const SERVER_SCHEMA = parseSchema({
  name: '_Server',
  version: '1.2.0',
  tables: {
    Database: {
      isRoot: true,
      columns: {
        name: { type: 'string' },
        model: { type: { key: { type: 'string', enum: ['set', ['standalone', 'clustered', 'relay']] } } },
        connected: { type: 'boolean' },
        leader: { type: 'boolean' },
        schema: { type: { key: { type: 'string' }, min: 0, max: 1 } },
        cid: { type: { key: { type: 'uuid' }, min: 0, max: 1 } },
        sid: { type: { key: { type: 'uuid' }, min: 0, max: 1 } },
        index: { type: { key: { type: 'integer' }, min: 0, max: 1 } },
      },
    },
  },
});

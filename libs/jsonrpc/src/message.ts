/** JSON-RPC 1.0 messages as Open vSwitch exchanges them. */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type Id = JsonValue;

export type Message =
  | { type: 'request'; method: string; params: JsonValue[]; id: Id }
  | { type: 'notification'; method: string; params: JsonValue[] }
  | { type: 'reply'; result: JsonValue; id: Id }
  | { type: 'error'; error: JsonValue; id: Id };

export class ProtocolError extends Error {}

/** Classifies a parsed JSON text; throws ProtocolError for anything JSON-RPC 1.0 does not allow. */
export function decodeMessage(json: unknown): Message {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ProtocolError('message is not a JSON object');
  }
  const m = json as Record<string, JsonValue>;
  for (const key of Object.keys(m)) {
    if (key !== 'method' && key !== 'params' && key !== 'result' && key !== 'error' && key !== 'id') {
      throw new ProtocolError(`message has unexpected member "${key}"`);
    }
  }
  if ('method' in m) {
    if (typeof m.method !== 'string') throw new ProtocolError('"method" is not a string');
    if (!Array.isArray(m.params)) throw new ProtocolError('"params" is not a JSON array');
    if (!('id' in m)) throw new ProtocolError('request has no "id"');
    if (m.id === null) return { type: 'notification', method: m.method, params: m.params };
    return { type: 'request', method: m.method, params: m.params, id: m.id };
  }
  if (!('id' in m)) throw new ProtocolError('reply has no "id"');
  if ('error' in m && m.error !== null) return { type: 'error', error: m.error, id: m.id };
  if (!('result' in m)) throw new ProtocolError('reply has neither "result" nor "error"');
  return { type: 'reply', result: m.result, id: m.id };
}

export function encodeMessage(msg: Message): string {
  switch (msg.type) {
    case 'request':
      return JSON.stringify({ method: msg.method, params: msg.params, id: msg.id });
    case 'notification':
      return JSON.stringify({ method: msg.method, params: msg.params, id: null });
    case 'reply':
      return JSON.stringify({ id: msg.id, result: msg.result, error: null });
    case 'error':
      return JSON.stringify({ id: msg.id, result: null, error: msg.error });
  }
}

/** JSON-RPC 1.0 messages as Open vSwitch exchanges them. */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type Id = JsonValue;

/**
 * A JSON text already serialised (a cached schema, a monitor update shared by many clients):
 * sent as it is wherever a result or a parameter may appear. `toJSON` keeps it correct inside
 * values that are serialised the ordinary way.
 */
export class RawJson {
  constructor(readonly text: string) {}

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** A result or parameter: a JSON value, or one already serialised. */
export type Payload = JsonValue | RawJson;

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
  for (const key in m) {
    if (key !== 'method' && key !== 'params' && key !== 'result' && key !== 'error' && key !== 'id') {
      throw new ProtocolError(`message has unexpected member "${key}"`);
    }
  }
  if (m.method !== undefined) {
    if (typeof m.method !== 'string') throw new ProtocolError('"method" is not a string');
    if (!Array.isArray(m.params)) throw new ProtocolError('"params" is not a JSON array');
    if (m.id === undefined) throw new ProtocolError('request has no "id"');
    if (m.id === null) return { type: 'notification', method: m.method, params: m.params };
    return { type: 'request', method: m.method, params: m.params, id: m.id };
  }
  if (!('id' in m)) throw new ProtocolError('reply has no "id"');
  if ('error' in m && m.error !== null) return { type: 'error', error: m.error, id: m.id };
  if (!('result' in m)) throw new ProtocolError('reply has neither "result" nor "error"');
  return { type: 'reply', result: m.result, id: m.id };
}

function idText(id: Id): string {
  // Most ids are small integers.
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  return JSON.stringify(id) ?? 'null';
}

/** One value as JSON text (a RawJson as it is). */
export function payloadText(v: Payload | undefined): string {
  if (v instanceof RawJson) return v.text;
  return JSON.stringify(v) ?? 'null';
}

function paramsText(params: Payload[]): string {
  let text = '[';
  for (let i = 0; i < params.length; i++) text += (i ? ',' : '') + payloadText(params[i]);
  return `${text}]`;
}

/** A reply's JSON text (what encodeMessage gives for a reply, without building the message). */
export function encodeReply(id: Id, result: Payload): string {
  return `{"id":${idText(id)},"result":${payloadText(result)},"error":null}`;
}

/** A notification's JSON text. */
export function encodeNotification(method: string, params: Payload[]): string {
  return `{"method":${JSON.stringify(method)},"params":${paramsText(params)},"id":null}`;
}

export function encodeMessage(msg: Message): string {
  switch (msg.type) {
    case 'request':
      return `{"method":${JSON.stringify(msg.method)},"params":${paramsText(msg.params)},"id":${idText(msg.id)}}`;
    case 'notification':
      return encodeNotification(msg.method, msg.params);
    case 'reply':
      return encodeReply(msg.id, msg.result);
    case 'error':
      return `{"id":${idText(msg.id)},"result":null,"error":${payloadText(msg.error)}}`;
  }
}

import { Duplex, PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  Connection,
  DEFERRED,
  decodeMessage,
  encodeMessage,
  FramingError,
  JsonFramer,
  type Message,
  RawJson,
  RpcError,
} from '../src/index.js';

const texts = [
  { method: 'echo', params: [], id: 'echo' },
  { id: 1, result: { s: 'brace } in "string" \\ ]', n: [1, [2, { a: [] }]] }, error: null },
  { method: 'update', params: ['x', { t: { u: { new: { name: 'é ünïcode ✓ 🙂' } } } }], id: null },
];
const stream = Buffer.from(`${texts.map((t) => JSON.stringify(t)).join('')}  \n${JSON.stringify(texts[0])}`);

describe('JsonFramer', () => {
  it('frames back-to-back texts whole', () => {
    expect(new JsonFramer().push(stream)).toEqual([...texts, texts[0]]);
  });

  it('frames identically when the stream is cut at every byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const f = new JsonFramer();
      const got = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
      expect(got).toEqual([...texts, texts[0]]);
    }
  });

  it('frames identically when fed one byte at a time', () => {
    const f = new JsonFramer();
    const got: unknown[] = [];
    for (let i = 0; i < stream.length; i++) got.push(...f.push(stream.subarray(i, i + 1)));
    expect(got).toEqual([...texts, texts[0]]);
    expect(f.pending).toBe(false);
  });

  it('takes a chunk holding one whole text at once, and falls back to scanning otherwise', () => {
    const one = Buffer.from(JSON.stringify(texts[1]));
    const f = new JsonFramer();
    expect(f.push(one)).toEqual([texts[1]]);
    // Two texts, one with "}{" inside a string, and a text split across chunks.
    expect(f.push(Buffer.from('{"a":"}{"}{"b":2}'))).toEqual([{ a: '}{' }, { b: 2 }]);
    expect(f.push(Buffer.from('{"c":{"d":1}'))).toEqual([]);
    expect(f.push(Buffer.from('}'))).toEqual([{ c: { d: 1 } }]);
    expect(() => f.push(Buffer.from('{"a":1]'))).toThrowError(/malformed JSON text/);
  });

  it('rejects garbage between texts with the byte offset', () => {
    const f = new JsonFramer();
    expect(() => f.push(Buffer.from('{"a":1} x'))).toThrowError(
      /unexpected character 'x' outside a JSON text at byte 8/,
    );
  });

  it('rejects malformed JSON inside balanced brackets', () => {
    expect(() => new JsonFramer().push(Buffer.from('{"a":}'))).toThrowError(FramingError);
  });

  it('rejects messages over the size limit, even before they end', () => {
    const f = new JsonFramer(16);
    expect(() => f.push(Buffer.from('{"a":"0123456789'))).not.toThrow();
    expect(() => f.push(Buffer.from('0123456789'))).toThrowError(/exceeds 16 bytes/);
  });
});

describe('encodeMessage', () => {
  it('writes pre-serialised values as they are, and the same JSON as JSON.stringify otherwise', () => {
    const reply: Message = { type: 'reply', result: { a: [1, 'x'] }, id: 'i' };
    expect(JSON.parse(encodeMessage(reply))).toEqual({ id: 'i', result: { a: [1, 'x'] }, error: null });
    const raw = encodeMessage({ type: 'reply', result: new RawJson('{"a":[1,"x"]}') as never, id: 7 });
    expect(raw).toBe('{"id":7,"result":{"a":[1,"x"]},"error":null}');
    expect(JSON.stringify({ v: new RawJson('[1]') })).toBe('{"v":[1]}');
  });
});

describe('decodeMessage', () => {
  it('classifies requests, notifications, replies and errors', () => {
    expect(decodeMessage({ method: 'm', params: [], id: 3 }).type).toBe('request');
    expect(decodeMessage({ method: 'm', params: [], id: null }).type).toBe('notification');
    expect(decodeMessage({ result: 1, error: null, id: 3 }).type).toBe('reply');
    expect(decodeMessage({ result: null, error: 'x', id: 3 }).type).toBe('error');
  });
  it('rejects what JSON-RPC 1.0 does not allow', () => {
    expect(() => decodeMessage([1])).toThrow(/not a JSON object/);
    expect(() => decodeMessage({ method: 'm', params: {}, id: 1 })).toThrow(/params/);
    expect(() => decodeMessage({ method: 'm', params: [] })).toThrow(/no "id"/);
  });
});

function pair(): [Connection, Connection] {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  const a = Duplex.from({ readable: bToA, writable: aToB });
  const b = Duplex.from({ readable: aToB, writable: bToA });
  return [new Connection(a), new Connection(b)];
}

describe('Connection', () => {
  it('matches replies to requests, answers echo, delivers notifications', async () => {
    const [client, server] = pair();
    server.handler = (method, params) => {
      if (method === 'add') return (params[0] as number) + (params[1] as number);
      throw new RpcError({ error: 'unknown method' });
    };
    const notes: unknown[] = [];
    client.on('notification', (m, p) => notes.push([m, p]));
    const [sum, echo] = await Promise.all([client.request('add', [2, 3]), client.request('echo', ['hi'])]);
    expect(sum).toBe(5);
    expect(echo).toEqual(['hi']);
    await expect(client.request('nope', [])).rejects.toThrow(/unknown method/);
    server.notify('update', ['x']);
    await new Promise((r) => setImmediate(r));
    expect(notes).toEqual([['update', ['x']]]);
    client.close();
  });

  it('writes the replies to requests that arrive together with one write, in order', async () => {
    const writes: string[] = [];
    const sink = new Duplex({
      read() {},
      write(chunk, _enc, done) {
        writes.push(String(chunk));
        done();
      },
    });
    const server = new Connection(sink);
    server.handler = (method, params) => (method === 'later' ? Promise.resolve(params[0]) : params[0]);
    sink.push('{"method":"now","params":[1],"id":1}{"method":"now","params":[2],"id":2}');
    sink.push('{"method":"later","params":[3],"id":3}');
    await new Promise((r) => setImmediate(r));
    const replies = writes.flatMap((w) => new JsonFramer().push(Buffer.from(w)));
    expect(replies.map((r) => (r as { result: unknown }).result)).toEqual([1, 2, 3]);
    expect(writes.length).toBeLessThan(3);
    server.notify('bye', []);
    server.close(); // what was queued is written before the end
    expect(writes.at(-1)).toContain('"bye"');
  });

  it('closes on malformed input and fails pending requests', async () => {
    const [client, server] = pair();
    const closed = new Promise((r) => server.on('close', r));
    const pending = server.request('never', []);
    client.stream.write('{"method":]');
    await closed;
    await expect(pending).rejects.toThrow(/closed|malformed/);
  });

  it('lets a handler answer later with DEFERRED and reply()', async () => {
    const [client, server] = pair();
    let later: (() => void) | undefined;
    server.handler = (_m, params, conn, id) => {
      later = () => conn.reply(id, new RawJson(JSON.stringify(params)));
      return DEFERRED;
    };
    const pending = client.request('x', [1, 2]);
    await new Promise((r) => setTimeout(r, 10));
    later?.();
    await expect(pending).resolves.toEqual([1, 2]);
  });
});

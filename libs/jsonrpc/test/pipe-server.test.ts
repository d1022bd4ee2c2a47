import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Connection, connectRemote, listenPipe, type PipeServer, type PipeStream, RawJson } from '../src/index.js';

let dir: string;
let server: PipeServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jsonrpc-pipe-'));
});
afterEach(async () => {
  if (server) await new Promise<void>((r) => server?.close(() => r()));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Serves JSON-RPC on a pipe handle; `big` answers with `n` bytes of text. */
function serve(path: string, closes: string[]): PipeServer {
  const s = listenPipe(path, (stream: PipeStream) => {
    const conn = new Connection(stream);
    conn.handler = (method, params) =>
      method === 'big' ? new RawJson(`"${'x'.repeat(params[0] as number)}"`) : params;
    conn.on('close', () => closes.push('closed'));
    stream.start();
  });
  // The server relies on this: the fast path must exist on the Node it runs on.
  if (!s) throw new Error("listenPipe: Node's pipe handles are not in the expected shape");
  return s;
}

it('serves JSON-RPC sessions on the pipe handle: replies in order, large replies whole, closes on EOF', async () => {
  const path = join(dir, 's.sock');
  const closes: string[] = [];
  server = serve(path, closes);
  const c = await connectRemote(`unix:${path}`);
  expect(await c.request('same', [1, 'two', { three: [3] }])).toEqual([1, 'two', { three: [3] }]);
  // Pipelined requests, and a reply far larger than the socket buffer (written in parts).
  const big = 8 * 1024 * 1024;
  const replies = await Promise.all([c.request('big', [big]), c.request('same', ['é ✓'])]);
  expect((replies[0] as string).length).toBe(big);
  expect(replies[1]).toEqual(['é ✓']);
  c.close();
  await expect.poll(() => closes).toEqual(['closed']);
});

it('keeps every reply whole when small writes (done at once) and large ones (left to libuv) interleave across sessions', async () => {
  const path = join(dir, 's.sock');
  server = serve(path, []);
  const sessions = await Promise.all([connectRemote(`unix:${path}`), connectRemote(`unix:${path}`)]);
  const replies = await Promise.all(
    sessions.flatMap((c, k) =>
      Array.from({ length: 20 }, (_, i) =>
        i % 3 === 0 ? c.request('big', [300_000 + i]) : c.request('same', [k, i, 'x'.repeat(i * 100)]),
      ),
    ),
  );
  replies.forEach((r, j) => {
    const [k, i] = [Math.floor(j / 20), j % 20];
    if (i % 3 === 0) expect((r as string).length).toBe(300_000 + i);
    else expect(r).toEqual([k, i, 'x'.repeat(i * 100)]);
  });
  for (const c of sessions) c.close();
});

it('reports bind errors and calls back on a second close, as net.Server does', async () => {
  const path = join(dir, 's.sock');
  server = serve(path, []);
  expect(() => serve(path, [])).toThrow(/EADDRINUSE/);
  const s = server;
  await new Promise<void>((r) => s.close(() => r()));
  await new Promise<void>((r) => s.close(() => r()));
  server = undefined;
  // The socket file is gone with the server: a new one binds.
  await new Promise<void>((resolve, reject) => {
    const n = createServer().listen(path, () => n.close(() => resolve()));
    n.once('error', reject);
  });
});

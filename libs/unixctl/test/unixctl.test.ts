import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  resolveControlSocket,
  UnixctlCommandError,
  UnixctlServer,
  UnixctlServerError,
  UnixctlUnreachableError,
  unixctlCall,
} from '../src/index.js';

describe('unixctl server and client', () => {
  const servers: UnixctlServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  async function serve(setup?: (s: UnixctlServer) => void): Promise<string> {
    const server = new UnixctlServer('testd (softswitch) 9.9');
    setup?.(server);
    const path = join(mkdtempSync(join(tmpdir(), 'unixctl-')), 'testd.ctl');
    await server.listen(path);
    servers.push(server);
    return path;
  }

  it('answers version and lists commands the way ovs-appctl prints them', async () => {
    const path = await serve((s) => s.register('fdb/show', 'bridge', 1, 1, ([br]) => `fdb of ${br}`));
    expect(await unixctlCall(path, 'version', [])).toBe('testd (softswitch) 9.9\n');
    expect(await unixctlCall(path, 'list-commands', [])).toBe(
      'The available commands are:\n' +
        '  fdb/show                bridge\n' +
        '  list-commands           \n' +
        '  version                 \n',
    );
    expect(await unixctlCall(path, 'fdb/show', ['br0'])).toBe('fdb of br0\n');
  });

  it('refuses unknown commands and wrong argument counts with Open vSwitch wording', async () => {
    const path = await serve((s) => s.register('two', 'A B', 2, 2, () => 'ok'));
    await expect(unixctlCall(path, 'nope', [])).rejects.toThrow(
      new UnixctlServerError('"nope" is not a valid command (use "list-commands" to see a list of valid commands)\n'),
    );
    await expect(unixctlCall(path, 'two', ['a'])).rejects.toThrow('"two" command requires at least 2 arguments\n');
    await expect(unixctlCall(path, 'two', ['a', 'b', 'c'])).rejects.toThrow(
      '"two" command takes at most 2 arguments\n',
    );
  });

  it('turns a failing handler into an error reply and keeps serving', async () => {
    const path = await serve((s) => {
      s.register('fail', '', 0, 0, () => {
        throw new UnixctlCommandError('no such bridge');
      });
      s.register('crash', '', 0, 0, () => {
        throw new TypeError('boom');
      });
    });
    await expect(unixctlCall(path, 'fail', [])).rejects.toThrow('no such bridge\n');
    await expect(unixctlCall(path, 'crash', [])).rejects.toThrow('internal error: boom\n');
    expect(await unixctlCall(path, 'version', [])).toBe('testd (softswitch) 9.9\n');
  });

  it('times out on a command that never answers', async () => {
    const path = await serve((s) => s.register('hang', '', 0, 0, () => new Promise<string>(() => {})));
    await expect(unixctlCall(path, 'hang', [], 100)).rejects.toBeInstanceOf(UnixctlUnreachableError);
  });

  it('reports an unreachable socket', async () => {
    await expect(unixctlCall('/nonexistent/x.ctl', 'version', [])).rejects.toBeInstanceOf(UnixctlUnreachableError);
  });

  it('resolves names to <rundir>/<name>.ctl and paths to themselves', () => {
    expect(resolveControlSocket('/a/b.ctl', '/run')).toBe('/a/b.ctl');
    expect(resolveControlSocket('switchd', '/run')).toBe('/run/switchd.ctl');
  });
});

import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { Connection, RpcError } from '@softswitch/jsonrpc';

/** A command's failure: its message goes back to the client as the error reply. */
export class UnixctlCommandError extends Error {}

export type UnixctlHandler = (args: string[]) => string | Promise<string>;

interface Command {
  usage: string;
  minArgs: number;
  maxArgs: number;
  handler: UnixctlHandler;
}

/** Open vSwitch ends every reply and error text with a newline; clients print it verbatim. */
function withNewline(text: string): string {
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

/**
 * The control socket every softswitch daemon serves (`<rundir>/<name>.ctl`). It speaks the same
 * JSON-RPC dialect as Open vSwitch's unixctl, so the real `ovs-appctl -t PATH` works against it
 * and softswitch's `appctl` works against real Open vSwitch daemons.
 */
export class UnixctlServer {
  private readonly commands = new Map<string, Command>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private path: string | undefined;

  constructor(readonly versionText: string) {
    this.register('list-commands', '', 0, 0, () => this.listCommands());
    this.register('version', '', 0, 0, () => versionText);
  }

  register(name: string, usage: string, minArgs: number, maxArgs: number, handler: UnixctlHandler): void {
    this.commands.set(name, { usage, minArgs, maxArgs, handler });
  }

  get commandNames(): string[] {
    return [...this.commands.keys()].sort();
  }

  async listen(path: string): Promise<void> {
    rmSync(path, { force: true }); // a stale socket from a crashed daemon would make listen fail
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(path, 0o600);
    this.server = server;
    this.path = path;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    if (this.path) rmSync(this.path, { force: true });
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const conn = new Connection(socket);
    conn.handler = (method, params) => this.dispatch(method, params);
  }

  private async dispatch(method: string, params: unknown[]): Promise<string> {
    const command = this.commands.get(method);
    if (!command) {
      throw new RpcError(`"${method}" is not a valid command (use "list-commands" to see a list of valid commands)\n`);
    }
    if (params.some((p) => typeof p !== 'string')) throw new RpcError('command has non-string argument\n');
    if (params.length < command.minArgs) {
      throw new RpcError(`"${method}" command requires at least ${command.minArgs} arguments\n`);
    }
    if (params.length > command.maxArgs) {
      throw new RpcError(`"${method}" command takes at most ${command.maxArgs} arguments\n`);
    }
    try {
      return withNewline(await command.handler(params as string[]));
    } catch (err) {
      if (err instanceof UnixctlCommandError) throw new RpcError(withNewline(err.message));
      throw new RpcError(withNewline(`internal error: ${(err as Error).message}`));
    }
  }

  private listCommands(): string {
    const lines = this.commandNames.map((name) => `  ${name.padEnd(23)} ${this.commands.get(name)!.usage}\n`);
    return `The available commands are:\n${lines.join('')}`;
  }
}

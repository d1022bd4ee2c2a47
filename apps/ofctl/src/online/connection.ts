import { connect, type Socket } from 'node:net';
import { UnreachableError, UserError } from '@softswitch/cli-kit';
import type { OpenFlowMessage } from '@softswitch/openflow';
import type { SwitchTarget } from './target.js';

type Of = typeof import('@softswitch/openflow');

/** An OpenFlow error reply: printed as ovs-ofctl prints it (the error and the request it names). */
export class OpenFlowErrorReply extends Error {
  readonly exitCode = 1;
  constructor(readonly text: string) {
    super(text);
  }
}

/**
 * One client connection to a switch, as ovs-ofctl's vconn: hello with a version bitmap, the
 * highest common version, then requests matched to replies by xid. Xids count up from 1 (the
 * hello), like ovs-ofctl, so printed `(xid=0x..)` headers match; `skipXids` reproduces the
 * numbers ovs-ofctl spends on its name-lookup connections.
 */
export class OfConnection {
  private readonly framer;
  private readonly queue: Uint8Array[] = [];
  private waiter?: () => void;
  private failure?: Error;
  private nextXid = 1;
  version = 0;
  /** Answer echo requests inside receive() (off for monitor and snoop, which print them). */
  autoEcho = true;

  private constructor(
    private readonly of: Of,
    private readonly socket: Socket,
    readonly target: SwitchTarget,
  ) {
    this.framer = new of.Framer();
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const m of this.framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)))
          this.queue.push(m);
      } catch (e) {
        this.failure = e as Error;
      }
      this.wake();
    });
    socket.on('error', (e) => {
      this.failure ??= e;
      this.wake();
    });
    socket.on('close', () => {
      this.failure ??= new UnreachableError(`${target.name}: connection closed by peer`);
      this.wake();
    });
  }

  /** Connects and negotiates a version from `versionBitmap` (bit N = wire version N). */
  static async open(of: Of, target: SwitchTarget, versionBitmap: number, skipXids = 0): Promise<OfConnection> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = target.kind === 'unix' ? connect(target.path) : connect(target.port, target.host);
      s.once('connect', () => resolve(s));
      s.once('error', (e: NodeJS.ErrnoException) =>
        reject(new UnreachableError(`connecting to ${target.name} (${describeErrno(e)})`)),
      );
    });
    const c = new OfConnection(of, socket, target);
    c.nextXid += skipXids;
    const ours = 31 - Math.clz32(versionBitmap);
    c.sendMessage({ type: 'hello', version: ours, xid: c.takeXid(), bitmap: versionBitmap });
    const hello = await c.receive();
    const m = of.tryDecodeMessage(hello);
    if (m instanceof of.OpenFlowDecodeError || m.type !== 'hello') {
      c.close();
      throw new UnreachableError(`${target.name}: expected hello from the switch`);
    }
    const theirs = m.bitmap ? m.bitmap : (2 << m.version) - 2;
    const common = versionBitmap & theirs;
    if (!common) {
      c.close();
      // ovs-ofctl logs the mismatch, then fails the connection with EPROTO (exit status 1).
      process.stderr.write(
        `${target.name}: version negotiation failed (we support ${describeVersions(versionBitmap)}, peer supports version 0x${hex2(m.version)})\n`,
      );
      throw new UserError(`${target.spec ?? target.name}: failed to connect to socket (Protocol error)`);
    }
    c.version = 31 - Math.clz32(common);
    return c;
  }

  takeXid(): number {
    return this.nextXid++;
  }

  /** Spends xids as ovs-ofctl's extra connections would (their hellos and lookups). */
  skipXids(n: number): void {
    this.nextXid += n;
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  sendMessage(m: OpenFlowMessage): void {
    this.socket.write(this.of.encodeMessage(m));
  }

  /** The next message from the switch, answering echo requests on the way. */
  async receive(): Promise<Uint8Array> {
    for (;;) {
      const m = this.queue.shift();
      if (m) {
        if (m[1] === 2 /* OFPT_ECHO_REQUEST */ && this.autoEcho) {
          const reply = m.slice();
          reply[1] = 3;
          this.socket.write(reply);
          continue;
        }
        return m;
      }
      if (this.failure)
        throw this.failure instanceof UnreachableError
          ? this.failure
          : new UnreachableError(`${this.target.name}: ${this.failure.message}`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }

  /** The next message carrying `xid`; other messages (async events) are dropped. */
  async receiveFor(xid: number): Promise<Uint8Array> {
    for (;;) {
      const m = await this.receive();
      if (new DataView(m.buffer, m.byteOffset, m.byteLength).getUint32(4) === xid) return m;
    }
  }

  /**
   * Sends a request and collects its replies until one without the multipart "more" flag.
   * An error reply throws OpenFlowErrorReply with ovs-ofctl's text.
   */
  async transact(request: Uint8Array): Promise<Uint8Array[]> {
    const xid = new DataView(request.buffer, request.byteOffset, request.byteLength).getUint32(4);
    this.sendRaw(request);
    const replies: Uint8Array[] = [];
    for (;;) {
      const r = await this.receiveFor(xid);
      if (r[1] === 1) throw new OpenFlowErrorReply(this.of.ofpPrint(r));
      replies.push(r);
      if (!isMultipartWithMore(r)) return replies;
    }
  }

  /** Sends `request` then a barrier; resolves at the barrier reply, throws on an error for either. */
  async transactNoReply(request: Uint8Array): Promise<void> {
    const reqXid = new DataView(request.buffer, request.byteOffset, request.byteLength).getUint32(4);
    this.sendRaw(request);
    const barrierXid = this.takeXid();
    this.sendMessage({ type: 'barrier_request', version: this.version, xid: barrierXid });
    for (;;) {
      const r = await this.receive();
      const xid = new DataView(r.buffer, r.byteOffset, r.byteLength).getUint32(4);
      if (xid === reqXid && r[1] === 1) throw new OpenFlowErrorReply(this.of.ofpPrint(r));
      if (xid === barrierXid) {
        if (r[1] === 1) throw new OpenFlowErrorReply(this.of.ofpPrint(r));
        return;
      }
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}

function isMultipartWithMore(b: Uint8Array): boolean {
  const reply = b[0] === 1 ? 17 : 19;
  return b[1] === reply && b.length >= 12 && (b[11] & 1) === 1;
}

function describeErrno(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'ECONNREFUSED':
      return 'Connection refused';
    case 'EACCES':
      return 'Permission denied';
    default:
      return e.message;
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** How OVS words a version bitmap in its negotiation warning. */
function describeVersions(bitmap: number): string {
  const versions: number[] = [];
  for (let v = 1; v < 32; v++) if (bitmap & (1 << v)) versions.push(v);
  if (versions.length === 1) return `version 0x${hex2(versions[0])}`;
  const max = versions[versions.length - 1];
  if (versions.length === max) return `version 0x${hex2(max)} and earlier`;
  return `versions ${versions.map((v) => `0x${hex2(v)}`).join(', ')}`;
}

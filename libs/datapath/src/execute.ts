/**
 * Compiled datapath actions: an action list turned once (at flow install) into an array of steps
 * run per packet with no allocation of their own (the libs/packet writers that change a frame's
 * length — push/pop of VLAN and MPLS — allocate the new frame, as they must).
 */
import {
  type ParsedPacket,
  popMpls,
  popVlan,
  pushMpls,
  pushVlan,
  read32,
  sctpChecksum,
  setArpOp,
  setArpSha,
  setArpSpa,
  setArpTha,
  setArpTpa,
  setEthDst,
  setEthSrc,
  setIcmpCode,
  setIcmpType,
  setIpTos,
  setIpTtl,
  setIpv4Dst,
  setIpv4Src,
  setIpv6Dst,
  setIpv6Label,
  setIpv6Src,
  setMplsLabel,
  setMplsTc,
  setMplsTtl,
  setNdSll,
  setNdTarget,
  setNdTll,
  setTpDst,
  setTpSrc,
  W,
  write32,
  writeSctpChecksum,
} from '@softswitch/packet';
import { type DpAction, formatActions, rewritesInPlace } from './actions.js';
import type { DropReason } from './drop-reasons.js';
import { type AttrField, fieldMasked, KEY_ATTRS } from './odp-key.js';

/** What running actions needs from the datapath. */
export interface ExecContext {
  /** The packet being processed; writers update its bytes and key. */
  pkt: ParsedPacket;
  /** Bytes the next output keeps (0: whole packet). */
  truncate: number;
  output(port: number, frame: Uint8Array): void;
  userspace(args: string, frame: Uint8Array, pkt: ParsedPacket): void;
  drop(reason: DropReason): void;
  /** Runs the packet through datapath meter `id`: false if the meter drops it. */
  meter?(id: number, bytes: number): boolean;
  /** Set by a step that consumed the packet (a meter drop): the remaining steps do not run. */
  stop?: boolean;
}

type Step = (ctx: ExecContext) => void;

/** An action list ready to run: the list itself, its text and its steps. */
export interface CompiledActions {
  readonly actions: readonly DpAction[];
  readonly text: string;
  readonly steps: readonly Step[];
  /**
   * When the list is nothing but `output`s (the usual translation): their ports, in order. Running
   * the steps then sends the unchanged frame to each, so a caller may queue it itself.
   */
  readonly outputs: Int32Array | undefined;
}

type MacSetter = (pkt: ParsedPacket, hi: number, lo: number) => void;
type Ip6Setter = (pkt: ParsedPacket, addr: Uint32Array) => void;
type ScalarSetter = (pkt: ParsedPacket, v: number) => void;

/**
 * ICMP type/code, written only when the whole 8-byte ICMP header is there (Open vSwitch leaves
 * shorter ones alone).
 */
const icmpWriter =
  (write: ScalarSetter): ScalarSetter =>
  (pkt, v) => {
    if (pkt.offsets.l4 >= 0 && pkt.offsets.end - pkt.offsets.l4 >= 8) write(pkt, v);
  };

/**
 * SCTP ports as Open vSwitch rewrites them: the CRC32c is updated by the difference between
 * the correct checksums before and after, so a wrong checksum stays wrong by the same amount.
 */
const sctpWriter =
  (write: ScalarSetter): ScalarSetter =>
  (pkt, v) => {
    const { l4, end } = pkt.offsets;
    if (l4 < 0 || end - l4 < 12) return write(pkt, v);
    const p = pkt.data;
    const received = read32(p, l4 + 8);
    writeSctpChecksum(p, l4, sctpChecksum(p, l4, end));
    const before = read32(p, l4 + 8);
    write(pkt, v);
    const data = pkt.data;
    write32(data, l4 + 8, (received ^ before ^ read32(data, l4 + 8)) >>> 0);
  };

/** Writer for each settable `attr.field`. */
const WRITERS: Record<string, MacSetter | Ip6Setter | ScalarSetter> = {
  'eth.src': setEthSrc,
  'eth.dst': setEthDst,
  'ipv4.src': setIpv4Src,
  'ipv4.dst': setIpv4Dst,
  'ipv4.tos': setIpTos,
  'ipv4.ttl': setIpTtl,
  'ipv6.src': setIpv6Src,
  'ipv6.dst': setIpv6Dst,
  'ipv6.label': setIpv6Label,
  'ipv6.tclass': setIpTos,
  'ipv6.hlimit': setIpTtl,
  'tcp.src': setTpSrc,
  'tcp.dst': setTpDst,
  'udp.src': setTpSrc,
  'udp.dst': setTpDst,
  'sctp.src': sctpWriter(setTpSrc),
  'sctp.dst': sctpWriter(setTpDst),
  'icmp.type': icmpWriter(setIcmpType),
  'icmp.code': icmpWriter(setIcmpCode),
  'icmpv6.type': setIcmpType,
  'icmpv6.code': setIcmpCode,
  'arp.sip': setArpSpa,
  'arp.tip': setArpTpa,
  'arp.op': setArpOp,
  'arp.sha': setArpSha,
  'arp.tha': setArpTha,
  'nd.target': setNdTarget,
  'nd.sll': setNdSll,
  'nd.tll': setNdTll,
};

/**
 * One field's masked write: new = value | (current & ~mask). As in Open vSwitch, `value` is not
 * masked again: bits outside the mask that a hand-written action sets are set.
 */
function fieldStep(attr: string, fd: AttrField, key: Uint32Array, mask: Uint32Array): Step {
  const writer = WRITERS[`${attr}.${fd.name}`];
  if (writer === undefined) throw new Error(`set(${attr}(${fd.name}=...)) is not supported by this datapath`);
  const w = fd.word;
  if (fd.kind === 'mac') {
    const set = writer as MacSetter;
    const mHi = mask[w] & 0xffff;
    const mLo = mask[w + 1];
    const vHi = key[w] & 0xffff;
    const vLo = key[w + 1];
    return ({ pkt }) => set(pkt, (pkt.key[w] & ~mHi) | vHi, ((pkt.key[w + 1] & ~mLo) | vLo) >>> 0);
  }
  if (fd.kind === 'ipv6') {
    const set = writer as Ip6Setter;
    const scratch = new Uint32Array(4);
    const m = mask.slice(w, w + 4);
    const v = key.slice(w, w + 4);
    return ({ pkt }) => {
      for (let i = 0; i < 4; i++) scratch[i] = (pkt.key[w + i] & ~m[i]) | v[i];
      set(pkt, scratch);
    };
  }
  const set = writer as ScalarSetter;
  const full = fd.bits === 32 ? 0xffffffff : (1 << fd.bits) - 1;
  const m = fd.bits === 32 ? mask[w] : (mask[w] >>> fd.shift) & full;
  const v = fd.bits === 32 ? key[w] : (key[w] >>> fd.shift) & full;
  const shift = fd.shift;
  return ({ pkt }) => {
    const cur = fd.bits === 32 ? pkt.key[w] : (pkt.key[w] >>> shift) & full;
    set(pkt, ((cur & ~m) | v) >>> 0);
  };
}

/** Runs `inner` on a copy of the packet, leaving it (and a pending truncation) as it was. */
function runOnCopy(ctx: ExecContext, inner: readonly Step[]): void {
  const { pkt } = ctx;
  const data = pkt.data;
  const key = pkt.key.slice();
  const offsets = { ...pkt.offsets };
  const truncate = ctx.truncate;
  pkt.data = data.slice();
  for (const s of inner) s(ctx);
  pkt.data = data;
  pkt.key.set(key);
  Object.assign(pkt.offsets, offsets);
  ctx.truncate = truncate;
}

function compileList(actions: readonly DpAction[]): Step[] {
  const steps: Step[] = [];
  actions.forEach((a, i) => {
    const laterRewrites = rewritesInPlace(actions.slice(i + 1));
    switch (a.type) {
      case 'output': {
        const port = a.port;
        steps.push((ctx) => {
          let frame = ctx.pkt.data;
          if (laterRewrites) frame = frame.slice();
          if (ctx.truncate > 0) {
            if (frame.length > ctx.truncate) frame = frame.subarray(0, ctx.truncate);
            ctx.truncate = 0;
          }
          ctx.output(port, frame);
        });
        break;
      }
      case 'drop':
        steps.push((ctx) => ctx.drop('drop_action'));
        break;
      case 'set':
        if (a.attr === 'mpls') {
          // New LSE = value | (current & ~mask); the bottom-of-stack bit is the packet's own.
          const m = a.mask[W.MPLS0];
          const v = a.key[W.MPLS0];
          steps.push(({ pkt }) => {
            if (pkt.offsets.l2_5 < 0) return;
            const lse = (v | (pkt.key[W.MPLS0] & ~m)) >>> 0;
            setMplsLabel(pkt, lse >>> 12);
            setMplsTc(pkt, (lse >>> 9) & 7);
            setMplsTtl(pkt, lse & 0xff);
          });
          break;
        }
        for (const fd of KEY_ATTRS[a.attr as Exclude<typeof a.attr, 'mpls'>] as readonly AttrField[]) {
          if (fieldMasked(a.mask, fd)) steps.push(fieldStep(a.attr, fd, a.key, a.mask));
        }
        break;
      case 'push_vlan': {
        const tci = (a.pcp << 13) | (a.cfi ? 0x1000 : 0) | a.vid;
        const tpid = a.tpid;
        steps.push(({ pkt }) => pushVlan(pkt, tpid, tci));
        break;
      }
      case 'pop_vlan':
        steps.push(({ pkt }) => popVlan(pkt));
        break;
      case 'push_mpls': {
        const { ethType, label, tc, ttl } = a;
        steps.push(({ pkt }) => {
          pushMpls(pkt, ethType);
          setMplsLabel(pkt, label);
          setMplsTc(pkt, tc);
          setMplsTtl(pkt, ttl);
        });
        break;
      }
      case 'pop_mpls': {
        const t = a.ethType;
        steps.push(({ pkt }) => popMpls(pkt, t));
        break;
      }
      case 'userspace': {
        const args = a.args;
        steps.push((ctx) => ctx.userspace(args, ctx.pkt.data.slice(), ctx.pkt));
        break;
      }
      case 'recirc':
        // Recirculation needs recirc_id in the key, which the libs/packet layout does not have.
        steps.push((ctx) => ctx.drop('recirc_error'));
        break;
      case 'meter': {
        const id = a.id;
        steps.push((ctx) => {
          if (ctx.meter !== undefined && !ctx.meter(id, ctx.pkt.data.length)) {
            ctx.drop('meter');
            ctx.stop = true;
          }
        });
        break;
      }
      case 'set_priority':
        // No port here has queues: nothing to do (see the action's definition).
        break;
      case 'trunc': {
        const max = a.max;
        steps.push((ctx) => {
          ctx.truncate = max;
        });
        break;
      }
      case 'clone': {
        const inner = compileList(a.actions);
        steps.push((ctx) => runOnCopy(ctx, inner));
        break;
      }
      case 'check_pkt_len': {
        // As OVS's odp_execute_check_pkt_len: the branch by the frame's length; in place only
        // as the last action (nothing after it can see what the branch did to the packet).
        const { size } = a;
        const gt = compileList(a.gt);
        const le = compileList(a.le);
        const last = i === actions.length - 1;
        steps.push((ctx) => {
          // The length as it would be sent (after a pending trunc), less Ethernet padding.
          let length = ctx.pkt.data.length;
          if (ctx.truncate > 0 && length > ctx.truncate) length = ctx.truncate;
          const branch = length - ctx.pkt.offsets.l2Pad > size ? gt : le;
          if (last) for (let k = 0; k < branch.length && !ctx.stop; k++) branch[k](ctx);
          else runOnCopy(ctx, branch);
        });
        break;
      }
    }
  });
  return steps;
}

export function compileActions(actions: readonly DpAction[]): CompiledActions {
  const onlyOutputs =
    actions.length > 0 &&
    actions.every((a) => a.type === 'output' && Number.isInteger(a.port) && a.port >= 0 && a.port <= 0x7fffffff);
  return {
    actions,
    text: formatActions(actions),
    steps: compileList(actions),
    outputs: onlyOutputs ? Int32Array.from(actions, (a) => (a as { port: number }).port) : undefined,
  };
}

/** Runs compiled actions on `ctx.pkt`. An empty list drops the packet (counted as `drop_action`). */
export function runActions(compiled: CompiledActions, ctx: ExecContext): void {
  const steps = compiled.steps;
  ctx.truncate = 0;
  if (steps.length === 0) {
    ctx.drop('drop_action');
    return;
  }
  ctx.stop = false;
  for (let i = 0; i < steps.length && !ctx.stop; i++) steps[i](ctx);
}

import { createFlowKey, extractFlow, formatFlow } from '@softswitch/packet';
import type { CaptureRecord } from './capture-stream.js';

const key = createFlowKey();

/** `HH:MM:SS.ffffff`, local time, as tcpdump prints a timestamp. */
export function formatCaptureTime(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  const micros = String(Number((ns / 1000n) % 1_000_000n)).padStart(6, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${micros}`;
}

/** The packet's flow in Open vSwitch's flow syntax (`tcp,dl_src=...,tp_dst=80`). */
export function describeCapturedFrame(data: Uint8Array): string {
  extractFlow(data, 0, key);
  return formatFlow(key);
}

/** One live line: time, port, direction, flow, length. */
export function formatCaptureLine(port: string, r: CaptureRecord): string {
  return `${formatCaptureTime(r.timestampNs)} ${port} ${r.direction === 'rx' ? 'rx' : 'tx'} ${describeCapturedFrame(r.data)} len=${r.originalLength}`;
}

/** The same as JSON (`--format json`: one object per line). */
export function captureRecordJson(port: string, r: CaptureRecord): Record<string, unknown> {
  return {
    time: Number(r.timestampNs / 1000n) / 1e6,
    port,
    direction: r.direction,
    flow: describeCapturedFrame(r.data),
    length: r.originalLength,
    packet: Buffer.from(r.data).toString('hex'),
  };
}

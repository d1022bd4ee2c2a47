import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { renderJson, renderTable, UserError } from '@softswitch/cli-kit';
import { createFlowKey, extractFlow, formatFlow } from '@softswitch/packet';
import { readCaptureFile } from '@softswitch/pcap';
import { DpctlCommand } from '../dpctl-command.js';
import { formatPercent } from '../live/format-rate.js';
import { followReplay, type ReplayStatus, type ReplaySummary } from '../live/replay-job.js';

/** The first difference between what a port should have sent and what it sent. */
interface PortDifference {
  port: string;
  expectedPackets: number;
  actualPackets: number;
  /** Index of the first differing packet (a missing packet counts as differing). */
  index: number;
  expected: string | undefined;
  actual: string | undefined;
}

export default class Replay extends DpctlCommand {
  static override summary = "Replay a capture through a bridge's datapath (dpctl/replay), optionally checking outputs.";
  static override description =
    'switchd reads PCAP and feeds its frames, in batches of 32, as received on IN_PORT of BRIDGE. ' +
    'With --out, what every port of the bridge transmits is written to DIR/<port>.pcap; with --expect, ' +
    'each DIR/<port>.pcap there is compared with what the port sent (exit 1 on any difference).';
  static override strict = false;
  static override usage =
    'replay PCAP --bridge BR --in-port PORT [--loop N] [--rate PPS] [--out DIR] [--expect DIR] [--threads N] [--format json]';
  static override flags = {
    bridge: Flags.string({ char: 'b', description: 'bridge to replay into', required: true }),
    'in-port': Flags.string({ char: 'i', description: 'input port (OpenFlow port number or name)', required: true }),
    loop: Flags.integer({ description: 'replay the capture N times', default: 1, min: 1 }),
    rate: Flags.string({ description: 'send PPS packets per second (default: as fast as possible)' }),
    out: Flags.string({ description: 'write each port’s transmitted frames to DIR/<port>.pcap' }),
    expect: Flags.string({ description: 'compare each DIR/<port>.pcap with what that port transmitted' }),
    threads: Flags.integer({ description: 'datapath threads to spread the packets over (default 1)', min: 1, max: 64 }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Replay);
    const [pcap] = this.positional(argv, 1, 1, Replay.usage);
    const rate = flags.rate === undefined ? undefined : Number(flags.rate);
    if (rate !== undefined && (!Number.isFinite(rate) || rate <= 0))
      throw new UserError(`--rate: "${flags.rate}" is not a number of packets per second > 0`);
    // switchd reads and writes the files itself, from its own working directory: pass absolute paths.
    const tempOut = flags.expect !== undefined && flags.out === undefined;
    const outDir =
      flags.out !== undefined ? resolve(flags.out) : tempOut ? mkdtempSync(join(tmpdir(), 'replay-')) : undefined;
    // Ctrl-C is ours from before the job exists, so that no interrupt can leave it running in switchd.
    const interrupt = catchInterrupts();
    try {
      const showProgress = flags.format !== 'json' && process.stdout.isTTY === true;
      // ink takes longer to load than a short replay lasts: load it before the job starts.
      const progress = showProgress ? await import('../live/replay-progress-view.js') : undefined;
      if (interrupt.happened()) throw new UserError('replay: interrupted before it started');
      const args = [flags.bridge, flags['in-port'], resolve(pcap), '--loop', String(flags.loop), '--format', 'json'];
      if (rate !== undefined) args.push('--rate', String(rate));
      if (outDir !== undefined) args.push('--out', outDir);
      if (flags.threads !== undefined) args.push('--threads', String(flags.threads));
      args.push('--detach');
      const { job, total } = JSON.parse(await this.send(flags, 'dpctl/replay', args)) as { job: number; total: number };
      const view = progress?.startReplayProgress(total, `replay ${flags.bridge}:${flags['in-port']}`);
      let final: ReplayStatus;
      try {
        final = await followReplay(
          (c, a) => this.send(flags, c, a),
          job,
          (s) => view?.update(s),
          interrupt.interrupted,
        );
      } finally {
        view?.stop();
      }
      if (final.state === 'failed' || final.summary === undefined)
        throw new UserError(`replay: ${final.error ?? 'switchd gave no summary'}`);
      const summary = final.summary;
      const differences =
        flags.expect !== undefined && outDir !== undefined ? await compareOutputs(resolve(flags.expect), outDir) : [];
      if (flags.format === 'json')
        this.log(renderJson(flags.expect === undefined ? summary : { ...summary, differences }));
      else {
        this.log(renderSummary(summary));
        if (flags.expect !== undefined) this.log(renderDifferences(differences));
      }
      if (differences.length > 0)
        throw new UserError(`replay: ${differences.length} port(s) differ from ${flags.expect}`);
      if (final.state === 'cancelled') throw new UserError(`replay: interrupted after ${summary.packets} packets`);
    } finally {
      interrupt.dispose();
      if (tempOut && outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
    }
  }
}

/**
 * Catches SIGINT (Ctrl-C) until dispose(): the first one resolves `interrupted` (the replay is
 * cancelled in switchd and its counts still printed), a second one ends dpctl at once (130).
 * `process.on`, not `once`: ink's signal-exit, loaded with the progress view, re-raises a
 * signal that has no other listener left, which would kill dpctl before it could cancel.
 */
function catchInterrupts(): { interrupted: Promise<void>; happened: () => boolean; dispose: () => void } {
  let count = 0;
  let resolveInterrupted: () => void = () => undefined;
  const interrupted = new Promise<void>((r) => {
    resolveInterrupted = r;
  });
  const onSigint = () => {
    count++;
    if (count === 1) resolveInterrupted();
    else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  return {
    interrupted,
    happened: () => count > 0,
    dispose: () => {
      process.off('SIGINT', onSigint);
    },
  };
}

function renderSummary(s: ReplaySummary): string {
  const rows: (string | number)[][] = [
    ['packets', s.packets],
    ['elapsed (ms)', s.elapsedMs],
    ['packets/s', s.packetsPerSecond],
    ['hit', s.hit],
    ['EMC hit rate', formatPercent(s.emcHits ?? 0, s.packets)],
    ['megaflow hit rate', formatPercent(s.megaflowHits ?? 0, s.packets)],
    // SMC hits are megaflow hits found through the signature cache (other_config:smc-enable).
    ...(s.smcHits ? [['  of which SMC', formatPercent(s.smcHits, s.packets)]] : []),
    ['missed', s.missed],
    ['lost', s.lost],
    ['upcalls', s.upcalls],
  ];
  for (const [reason, n] of Object.entries(s.drops)) rows.push([`drop ${reason}`, n]);
  for (const [port, n] of Object.entries(s.outputs ?? {})) rows.push([`output ${port}`, n]);
  return renderTable([`replay ${s.bridge} in_port ${s.inPort}`, 'value'], rows);
}

function renderDifferences(diffs: PortDifference[]): string {
  if (diffs.length === 0) return 'outputs match the expected captures';
  let out = '';
  for (const d of diffs) {
    out += `port ${d.port}: expected ${d.expectedPackets} packets, got ${d.actualPackets}; first difference at packet ${d.index}\n`;
    out += `  expected: ${d.expected ?? '(none)'}\n`;
    out += `  actual:   ${d.actual ?? '(none)'}\n`;
  }
  return out.trimEnd();
}

/** Each `<port>.pcap` of `expectDir` against the same file in `outDir` (missing: nothing sent). */
async function compareOutputs(expectDir: string, outDir: string): Promise<PortDifference[]> {
  let names: string[];
  try {
    names = readdirSync(expectDir).filter((n) => n.endsWith('.pcap'));
  } catch (err) {
    throw new UserError(`--expect ${expectDir}: ${(err as Error).message}`);
  }
  const diffs: PortDifference[] = [];
  for (const name of names.sort()) {
    const expected = await readCaptureFile(join(expectDir, name));
    const actualPath = join(outDir, name);
    const actual = existsSync(actualPath) ? await readCaptureFile(actualPath) : [];
    const n = Math.max(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      const e = expected[i]?.data;
      const a = actual[i]?.data;
      if (e !== undefined && a !== undefined && Buffer.from(e).equals(a)) continue;
      diffs.push({
        port: name.slice(0, -'.pcap'.length),
        expectedPackets: expected.length,
        actualPackets: actual.length,
        index: i,
        expected: describeFrame(e),
        actual: describeFrame(a),
      });
      break;
    }
  }
  return diffs;
}

/** A frame as its flow, plus its bytes when the flows read the same. */
function describeFrame(frame: Uint8Array | undefined): string | undefined {
  if (frame === undefined) return undefined;
  const key = createFlowKey();
  extractFlow(frame, 0, key);
  return `${formatFlow(key)} len=${frame.length} ${Buffer.from(frame).toString('hex')}`;
}

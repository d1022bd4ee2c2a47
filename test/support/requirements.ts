import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

/** What a test needs from the machine: root, and/or binaries on PATH. */
export interface Needs {
  root?: boolean;
  binaries?: string[];
}

function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Why the machine cannot run such a test, or undefined when it can. */
export function missingRequirement(needs: Needs): string | undefined {
  if (needs.root && process.getuid?.() !== 0) return 'needs root';
  const missing = (needs.binaries ?? []).filter((b) => !hasBinary(b));
  if (missing.length)
    return `needs ${missing.join(', ')} (Debian: openvswitch-switch, openvswitch-testcontroller, iperf3, iputils-ping, tcpdump)`;
  return undefined;
}

/**
 * `describe` for tests that need root or the Open vSwitch binaries. On a workstation without
 * them the suite is skipped with the reason in its name; under CI=true it fails loudly instead,
 * because CI installs everything and a skipped differential test there hides a regression.
 */
export function describeNeeding(needs: Needs, name: string, body: () => void): void {
  const reason = missingRequirement(needs);
  if (!reason) {
    describe(name, body);
  } else if (process.env.CI) {
    describe(name, () => {
      it(`cannot run under CI: ${reason}`, () => {
        throw new Error(`${name}: ${reason}`);
      });
    });
  } else {
    describe.skip(`${name} [skipped: ${reason}]`, body);
  }
}

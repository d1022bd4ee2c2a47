import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bridge } from './bridge.js';

type StartListener = (options: {
  path: string;
  bridge: Bridge;
  log?: (m: string) => void;
}) => Promise<{ close(): Promise<void> }>;

export interface OpenFlowHookup {
  open(bridge: Bridge): void;
  close(bridge: Bridge): void;
}

/**
 * Starts an OpenFlow listener on `<rundir>/<bridge>.mgmt` per bridge when the listener module
 * (`./openflow/`) is present; without it the switch runs with no OpenFlow connections.
 */
export async function openFlowHookup(rundir: string, log: (m: string) => void): Promise<OpenFlowHookup | undefined> {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidate = ['index.js', 'index.ts'].map((f) => join(here, 'openflow', f)).find((p) => existsSync(p));
  if (!candidate) return undefined;
  let start: StartListener | undefined;
  try {
    const mod = (await import(candidate)) as { startOpenFlowListener?: StartListener };
    start = mod.startOpenFlowListener;
  } catch (err) {
    log(`OpenFlow listener unavailable: ${(err as Error).message}`);
  }
  if (!start) return undefined;
  const begin = start;
  return {
    open(bridge) {
      begin({ path: join(rundir, `${bridge.name}.mgmt`), bridge, log })
        .then((l) => {
          bridge.listener = l;
        })
        .catch((err: Error) => log(`${bridge.name}: OpenFlow listener: ${err.message}`));
    },
    close(bridge) {
      void bridge.listener?.close().catch(() => undefined);
      bridge.listener = undefined;
    },
  };
}

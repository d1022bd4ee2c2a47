import { join } from 'node:path';
import type { Bridge } from './bridge.js';
import { startOpenFlowListener } from './openflow/index.js';

export interface OpenFlowHookup {
  open(bridge: Bridge): void;
  close(bridge: Bridge): void;
}

/** Starts an OpenFlow listener on `<rundir>/<bridge>.mgmt` per bridge, and stops it with the bridge. */
export async function openFlowHookup(rundir: string, log: (m: string) => void): Promise<OpenFlowHookup> {
  return {
    open(bridge) {
      startOpenFlowListener({ path: join(rundir, `${bridge.name}.mgmt`), bridge, log })
        .then((listener) => {
          bridge.listener = listener;
          listener.setControllers(bridge.controllers);
        })
        .catch((err: Error) => log(`${bridge.name}: OpenFlow listener: ${err.message}`));
    },
    close(bridge) {
      void bridge.listener?.close().catch(() => undefined);
      bridge.listener = undefined;
    },
  };
}

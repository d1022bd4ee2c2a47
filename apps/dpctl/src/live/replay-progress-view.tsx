import { render } from 'ink';
import type { ReplayStatus } from './replay-job.js';
import { ReplayProgress } from './replay-progress.js';

/** The progress bar on the terminal: redrawn in place per status, removed by stop(). */
export function startReplayProgress(
  total: number,
  label: string,
): { update: (s: ReplayStatus) => void; stop: () => void } {
  const instance = render(<ReplayProgress label={label} done={0} total={total} packetsPerSecond={0} elapsedMs={0} />, {
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    update: (s) =>
      instance.rerender(
        <ReplayProgress
          label={`replay ${s.bridge}:${s.inPort}`}
          done={s.packets}
          total={s.total}
          packetsPerSecond={s.packetsPerSecond}
          elapsedMs={s.elapsedMs}
        />,
      ),
    stop: () => {
      instance.unmount();
      instance.cleanup();
    },
  };
}

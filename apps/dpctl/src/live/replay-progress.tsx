import { Box, Text } from 'ink';
import { formatCount, formatElapsed } from './format-rate.js';

export interface ReplayProgressProps {
  /** Packets replayed so far, and in all. */
  done: number;
  total: number;
  packetsPerSecond: number;
  elapsedMs: number;
  /** Characters of the bar itself. */
  width?: number;
  label?: string;
}

/** The bar alone: `████░░░░░░` for 40% in 10 cells. */
export function progressBar(done: number, total: number, width: number): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(fraction * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
}

/**
 * The replay's progress line, redrawn in place by ink while switchd works: packets done of
 * total, percent, rate and elapsed time, as
 * `replay br0:p1 ████░░░░░░ 1200/3000 packets  40% 24.0k pkt/s 0.05 s`.
 */
export function ReplayProgress({ done, total, packetsPerSecond, elapsedMs, width = 30, label }: ReplayProgressProps) {
  const percent = total > 0 ? Math.floor((done * 100) / total) : 100;
  return (
    <Box>
      {label !== undefined && <Text>{label} </Text>}
      <Text color="green">{progressBar(done, total, width)}</Text>
      <Text>
        {' '}
        {done}/{total} packets {String(percent).padStart(3)}% {formatCount(packetsPerSecond)} pkt/s{' '}
        {formatElapsed(elapsedMs)}
      </Text>
    </Box>
  );
}

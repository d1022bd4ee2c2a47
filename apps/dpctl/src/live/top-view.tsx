import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useState } from 'react';
import {
  alignColumns,
  cacheLines,
  FLOW_HEADER,
  flowCells,
  PORT_HEADER,
  portCells,
  type TopSnapshot,
} from './top-model.js';

/** One frame of the live view: cache line, port table, busiest megaflows. */
export function TopView({ snapshot, footer }: { snapshot: TopSnapshot | undefined; footer?: string }) {
  if (snapshot === undefined) return <Text dimColor>waiting for the first interval…</Text>;
  const [portHead, ...portRows] = alignColumns([PORT_HEADER, ...snapshot.ports.map(portCells)]);
  const [flowHead, ...flowRows] = alignColumns([FLOW_HEADER, ...snapshot.megaflows.map(flowCells)]);
  const [counts, hits] = cacheLines(snapshot);
  return (
    <Box flexDirection="column">
      <Text bold>{counts}</Text>
      <Text>{hits}</Text>
      <Box flexDirection="column" marginTop={1}>
        <Text inverse>{portHead}</Text>
        {portRows.map((line, i) => (
          <Text key={`${snapshot.ports[i].bridge}/${snapshot.ports[i].name}`}>{line}</Text>
        ))}
      </Box>
      <Box flexDirection="column" marginTop={1}>
        <Text inverse>{flowHead}</Text>
        {flowRows.length === 0 ? <Text dimColor>(no megaflows)</Text> : null}
        {flowRows.map((line, i) => (
          <Text key={snapshot.megaflows[i].ufid} wrap="truncate-end">
            {line}
          </Text>
        ))}
      </Box>
      {footer !== undefined && <Text dimColor>{footer}</Text>}
    </Box>
  );
}

export interface TopAppProps {
  /** Gives the next snapshot (waits one interval); a rejection ends the view with that error. */
  next: () => Promise<TopSnapshot>;
  onError: (err: Error) => void;
  intervalText: string;
}

/** The refreshing view: a new snapshot each interval, `q` (or Ctrl-C) quits. */
export function TopApp({ next, onError, intervalText }: TopAppProps) {
  const { exit } = useApp();
  const [snapshot, setSnapshot] = useState<TopSnapshot | undefined>(undefined);
  useInput((input, key) => {
    if (input === 'q' || (key.ctrl && input === 'c')) exit();
  });
  useEffect(() => {
    let stopped = false;
    const loop = async () => {
      while (!stopped) {
        try {
          const s = await next();
          if (!stopped) setSnapshot(s);
        } catch (err) {
          onError(err as Error);
          exit();
          return;
        }
      }
    };
    void loop();
    return () => {
      stopped = true;
    };
  }, [next, onError, exit]);
  return <TopView snapshot={snapshot} footer={`every ${intervalText} — q to quit`} />;
}

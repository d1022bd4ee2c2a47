import { readdirSync, readFileSync } from 'node:fs';

/** Linux's USER_HZ: the unit of the CPU times in /proc/PID/stat. */
const CLOCK_TICKS = 100;

/** Fields of /proc/PID/stat after the command name (which may hold spaces), field 3 first. */
function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU seconds (user + system, all threads) process `pid` has used so far. */
export function processCpuSeconds(pid: number): number {
  const f = statFields(pid);
  return (Number(f[11]) + Number(f[12])) / CLOCK_TICKS; // fields 14 and 15
}

/** Minor page faults (all threads) process `pid` has taken so far: each a page touched for the first time. */
export function processMinorFaults(pid: number): number {
  return Number(statFields(pid)[7]); // field 10
}

/**
 * As processCpuSeconds, finer: from the scheduler's nanosecond counts of each thread where the
 * kernel keeps them (what one short request costs is less than a clock tick), else in ticks.
 */
export function processCpuSecondsFine(pid: number): number {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    }
    return ns / 1e9;
  } catch {
    return processCpuSeconds(pid);
  }
}

/**
 * CPU seconds used by this process's children that have been waited for (cutime + cstime):
 * the difference around a spawnSync is that command's CPU time, less noisy than its wall time
 * on a shared machine.
 */
export function childrenCpuSeconds(): number {
  const f = statFields('self');
  return (Number(f[13]) + Number(f[14])) / CLOCK_TICKS; // fields 16 and 17
}

/** Seconds rounded to the millisecond (differences of tick counts carry float noise). */
export function roundToMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

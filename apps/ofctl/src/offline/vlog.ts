/** One OVS log line as it reaches stderr: time (whole seconds, UTC), sequence number, module, level, text. */
export function vlogLine(seq: number, module: string, level: string, text: string): string {
  const time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return `${time}|${String(seq).padStart(5, '0')}|${module}|${level}|${text}\n`;
}

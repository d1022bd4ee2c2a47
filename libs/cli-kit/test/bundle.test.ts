import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundledCommands, loadBundledCommand, useBundledCommands } from '../src/bundle.js';
import { launch } from '../src/launch.js';

/** Stands for an oclif command class: a function with a static run(). */
const fakeCommand = () => Object.assign(() => {}, { run: () => {} });
const DumpFlows = fakeCommand();
const ParseNxMatch = fakeCommand();
const TopicSub = fakeCommand();

/** A registration like a bundle entry's, recording which command chunks were imported. */
function register() {
  const imported: string[] = [];
  const loader = (id: string, module: Record<string, unknown>) => async () => {
    imported.push(id);
    return module;
  };
  const commands: Record<string, unknown> = {};
  useBundledCommands({
    file: '/nowhere/main.bundle.js',
    commands,
    loaders: {
      'dump-flows': loader('dump-flows', { default: DumpFlows }),
      'parse-nx-match': loader('parse-nx-match', { helper: () => 0, ParseNxMatch }),
      'topic:sub': loader('topic:sub', { default: TopicSub }),
    },
    aliases: { 'parse-nxm': 'parse-nx-match' },
  });
  return { commands, imported };
}

describe('loadBundledCommand', () => {
  it('imports only the command about to run and hands oclif its class by id', async () => {
    const { commands, imported } = register();
    await loadBundledCommand(['dump-flows', 'br0', '--rsort=priority']);
    expect(imported).toEqual(['dump-flows']);
    expect(commands).toEqual({ 'dump-flows': DumpFlows });
    expect(bundledCommands()?.file).toBe('/nowhere/main.bundle.js');
  });

  it('files an alias under the id oclif loads, and finds a class exported by name', async () => {
    const { commands } = register();
    await loadBundledCommand(['parse-nxm']);
    expect(commands).toEqual({ 'parse-nx-match': ParseNxMatch });
  });

  it('joins the words of a command in a topic', async () => {
    const { commands } = register();
    await loadBundledCommand(['topic', 'sub', 'arg']);
    expect(commands).toEqual({ 'topic:sub': TopicSub });
  });

  it('leaves help, flags, unknown words and inherited names to oclif', async () => {
    const { commands, imported } = register();
    for (const args of [[], ['--help'], ['--version'], ['nosuch', 'dump-flows'], ['constructor'], ['topic']]) {
      await loadBundledCommand(args);
    }
    expect(imported).toEqual([]);
    expect(commands).toEqual({});
  });
});

describe('launch', () => {
  const appDir = mkdtempSync(join(tmpdir(), 'cli-kit-launch-'));
  const dist = join(appDir, 'dist');
  mkdirSync(join(dist, 'lib'), { recursive: true });
  afterAll(() => rmSync(appDir, { recursive: true, force: true }));

  /** Each build's main records which one ran. */
  const ran = () => (globalThis as { launched?: string[] }).launched ?? [];
  const writeMain = (file: string, name: string) =>
    writeFileSync(
      join(dist, file),
      `export async function main(argv) { (globalThis.launched ??= []).push(${JSON.stringify(name)} + ' ' + argv.join(' ')); }\n`,
    );
  const setMtime = (file: string, seconds: number) => utimesSync(join(dist, file), seconds, seconds);
  const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');
  const launched = async (arg: string) => {
    await launch(appDir, 'tool', [arg]);
    return ran().at(-1);
  };

  it('runs the bundle while it is newer than every file it was made from', async () => {
    writeMain('main.js', 'dist');
    writeMain('main.bundle.js', 'bundle');
    writeFileSync(join(dist, 'lib', 'input.js'), 'v1');
    const inputs = { 'lib/input.js': sha1('v1'), 'main.js': sha1(readFileSync(join(dist, 'main.js'), 'utf8')) };
    writeFileSync(join(dist, 'bundle-inputs.json'), JSON.stringify(inputs));
    setMtime('lib/input.js', 1_000);
    setMtime('main.js', 1_000);
    setMtime('main.bundle.js', 2_000);
    expect(await launched('a')).toBe('bundle a');
  });

  it('still runs the bundle when a build wrote an input again unchanged', async () => {
    writeFileSync(join(dist, 'lib', 'input.js'), 'v1');
    setMtime('lib/input.js', 3_000);
    expect(await launched('b')).toBe('bundle b');
  });

  it('runs the per-file build once an input changed (a bare tsc) or is gone', async () => {
    writeFileSync(join(dist, 'lib', 'input.js'), 'v2');
    setMtime('lib/input.js', 3_000);
    expect(await launched('c')).toBe('dist c');
    rmSync(join(dist, 'lib', 'input.js'));
    expect(await launched('d')).toBe('dist d');
  });

  it('runs the per-file build while the list of inputs is missing or half written', async () => {
    writeFileSync(join(dist, 'bundle-inputs.json'), '{"main.j');
    expect(await launched('e')).toBe('dist e');
    rmSync(join(dist, 'bundle-inputs.json'));
    expect(await launched('f')).toBe('dist f');
  });
});

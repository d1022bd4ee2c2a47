import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Runs an app from its build, for the launchers in bin/: the single-file bundle
 * (scripts/bundle-clis.mjs) while everything it was made from is as it was then, else the
 * per-file build in dist/ (a bare `tsc` rebuild leaves the bundle behind; running it would run
 * old code). Imports nothing beyond node: so that it costs next to nothing before the app loads.
 */
export async function launch(appDir: string, tool: string, argv: string[]): Promise<void> {
  const main = (await currentBundle(join(appDir, 'dist'))) ?? join(appDir, 'dist', 'main.js');
  if (!existsSync(main)) {
    console.error(`${tool}: not built yet; run \`npm run build\` in the softswitch checkout first`);
    process.exit(2);
  }
  const app = await import(pathToFileURL(main).href);
  await app.main(argv);
}

/**
 * The bundle in `dist` if it is current, else undefined (also while a build is rewriting it).
 * Only inputs written after the bundle are read and compared by content: a rebuild that wrote
 * the same files again (turbo then finds nothing to do) leaves the bundle current.
 */
export async function currentBundle(dist: string): Promise<string | undefined> {
  const bundle = join(dist, 'main.bundle.js');
  const built = statSync(bundle, { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return undefined;
  let inputs: Record<string, string>;
  try {
    inputs = JSON.parse(readFileSync(join(dist, 'bundle-inputs.json'), 'utf8'));
  } catch {
    return undefined;
  }
  const touched = Object.keys(inputs).filter(
    (p) => (statSync(join(dist, p), { throwIfNoEntry: false })?.mtimeMs ?? Number.POSITIVE_INFINITY) > built,
  );
  if (touched.length === 0) return bundle;
  const { createHash } = await import('node:crypto');
  for (const p of touched) {
    const file = join(dist, p);
    if (!existsSync(file) || createHash('sha1').update(readFileSync(file)).digest('hex') !== inputs[p])
      return undefined;
  }
  return bundle;
}

#!/usr/bin/env node
// Writes oclif.manifest.json for the app in the current directory, as `oclif manifest` would:
// with a manifest, oclif loads only the command being run instead of importing every command,
// which is most of a CLI's cold start.
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.cwd();
const manifestPath = join(dir, 'oclif.manifest.json');
rmSync(manifestPath, { force: true }); // a stale manifest would be read back instead of the commands
const require = createRequire(join(dir, 'package.json'));
const { Config } = await import(pathToFileURL(require.resolve('@oclif/core')).href);
const config = await Config.load({ root: dir, devPlugins: false, userPlugins: false });
const plugin = config.plugins.get(config.pjson.name);
writeFileSync(manifestPath, `${JSON.stringify(plugin.manifest, null, 2)}\n`);

#!/usr/bin/env node
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from '@softswitch/cli-kit/launch';

await launch(join(dirname(fileURLToPath(import.meta.url)), '..'), 'vsctl', process.argv.slice(2));

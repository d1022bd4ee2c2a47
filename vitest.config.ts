import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const root = import.meta.dirname;

// Tests import workspace libraries by name; point those names at the sources so tests never
// depend on a stale build.
const alias = [
  { find: /^@softswitch\/([a-z0-9-]+)$/, replacement: join(root, 'libs/$1/src/index.ts') },
  { find: /^@softswitch\/([a-z0-9-]+)\/([a-z0-9-]+)$/, replacement: join(root, 'libs/$1/src/$2.ts') },
];

const packageDirs = ['libs', 'apps'].flatMap((group) =>
  readdirSync(join(root, group))
    .filter((name) => existsSync(join(root, group, name, 'package.json')))
    .map((name) => `${group}/${name}`),
);

export default defineConfig({
  resolve: { alias },
  test: {
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      ...packageDirs.map((dir) => ({
        extends: true as const,
        test: { name: dir.split('/')[1], root: join(root, dir), include: ['test/**/*.test.{ts,tsx}'] },
      })),
      { extends: true as const, test: { name: 'system', root: join(root, 'test'), include: ['**/*.test.{ts,tsx}'] } },
    ],
  },
});

// Compiles src/ to plain JavaScript in dist/ (for the container image, which carries no
// TypeScript tooling), copies the files src/ reads at run time (message catalogues, the
// word list) beside the compiled code, and builds the stylesheet.
import { execFileSync } from 'node:child_process'
import { cpSync, readdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
const src = path.join(root, 'src')
const dist = path.join(root, 'dist')

rmSync(dist, { recursive: true, force: true })
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' })
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue
  const from = path.join(entry.parentPath, entry.name)
  cpSync(from, path.join(dist, path.relative(src, from)))
}
execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/build-css.ts')], { stdio: 'inherit' })

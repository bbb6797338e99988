/** The built stylesheets as the server sends them, for tests that read CSS. */
import { readFileSync } from 'node:fs'
import { assetPath } from '../../src/web/static-files.js'

/** The compiled stylesheet `name` (`reporter.css`, `workspace.css`); `npm run build:css` must have run. */
export function builtStylesheet (name: string): string {
  return readFileSync(new URL(`../../templates/static/dist/${assetPath(name).slice('/static/'.length)}`, import.meta.url), 'utf8')
}

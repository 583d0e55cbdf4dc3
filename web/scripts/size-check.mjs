// Fails when the initial JavaScript (the entry chunk and every chunk it imports statically, gzipped)
// exceeds the budget. Reads Vite's manifest from `npm run build` (dist/.vite/manifest.json).
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join } from 'node:path'

const BUDGET_BYTES = 150 * 1024
const dist = new URL('../dist/', import.meta.url).pathname
let manifest
try {
  manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'))
} catch {
  console.error('size: no dist/.vite/manifest.json — run `npm run build` first')
  process.exit(2)
}

const entries = Object.entries(manifest).filter(([, chunk]) => chunk.isEntry)
const initial = new Set()
function visit(key) {
  const chunk = manifest[key]
  if (!chunk || initial.has(chunk.file)) return
  initial.add(chunk.file)
  for (const imported of chunk.imports ?? []) visit(imported)
}
for (const [key] of entries) visit(key)

let total = 0
for (const file of [...initial].sort()) {
  const size = gzipSync(readFileSync(join(dist, file)), { level: 9 }).length
  total += size
  console.log(`  ${file}  ${(size / 1024).toFixed(1)} KB gzipped`)
}
const verdict = total <= BUDGET_BYTES ? 'within' : 'OVER'
console.log(`initial JavaScript: ${(total / 1024).toFixed(1)} KB gzipped (${initial.size} files), ${verdict} the ${BUDGET_BYTES / 1024} KB budget`)
process.exit(total <= BUDGET_BYTES ? 0 : 1)

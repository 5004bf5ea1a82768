import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

// schema/*.graphql at the project root is the one source of the schema (codegen reads it too).
// Found by walking up, so it works from src/ under tsx and from dist/src/ after a build.
export function schemaDir (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'schema')
    if (existsSync(join(candidate, 'schema.graphql'))) return candidate
    dir = dirname(dir)
  }
  throw new Error('schema/schema.graphql not found above src/graphql')
}

export function loadSchema (): string {
  const dir = schemaDir()
  return readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort().map((f) => readFileSync(join(dir, f), 'utf8')).join('\n')
}

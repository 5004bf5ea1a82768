import { execFileSync } from 'node:child_process'
import { readdirSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

// The server under test runs as compiled JavaScript, as `npm start` runs it: under the tsx
// loader it starts ~35 MB heavier, which scenario 8 (peak RSS) would count against it. Files are
// transpiled one to one (no bundling) with esbuild (a devDependency), which takes a
// second; without it, tsc does the same in half a minute.

function tsFiles (dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...tsFiles(path))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path)
  }
  return out
}

/**
 * Compiles `srcDir` (and the migrations next to it) into `outDir`, keeping the layout, and
 * returns the path of the compiled server entry. The schema is found by walking up from the
 * compiled files, so outDir stays inside the project.
 */
export async function buildService (srcDir: string, outDir: string): Promise<{ root: string, tool: string, seconds: number }> {
  const started = Date.now()
  const root = dirname(resolve(srcDir))
  const entryPoints = [...tsFiles(resolve(srcDir)), ...tsFiles(join(root, 'migrations'))]
  rmSync(outDir, { recursive: true, force: true })
  let tool: string
  try {
    const esbuild = await import('esbuild')
    await esbuild.build({ entryPoints, outdir: outDir, outbase: root, format: 'esm', platform: 'node', target: 'node20', bundle: false, logLevel: 'silent' })
    tool = `esbuild ${esbuild.version}`
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err
    execFileSync(process.execPath, [resolve('node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { stdio: 'ignore' })
    tool = 'tsc'
  }
  statSync(join(outDir, relative(root, resolve(srcDir)), 'server.js'))
  return { root: join(outDir, relative(root, resolve(srcDir))), tool, seconds: (Date.now() - started) / 1000 }
}

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The layout docs/code-map.md describes: small pipeline files, dependencies one way. */
const SRC = path.resolve(__dirname, '../../src');

const lines = (file: string) => fs.readFileSync(file, 'utf8').split('\n').length - 1;
const tsFiles = (dir: string) =>
  fs
    .readdirSync(path.join(SRC, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(SRC, dir, f));
const imports = (file: string) =>
  [...fs.readFileSync(file, 'utf8').matchAll(/from '([^']+)'|import\('([^']+)'\)/g)].map((m) => m[1] ?? m[2]);

describe('code structure', () => {
  it('keeps the service thin and every pipeline file small', () => {
    expect(lines(path.join(SRC, 'pipeline/service.ts'))).toBeLessThanOrEqual(250);
    const large = tsFiles('pipeline').filter((f) => lines(f) > 350);
    expect(large.map((f) => path.relative(SRC, f))).toEqual([]);
  });

  it('lets simulate/ and csv/ depend on nothing in cli/', () => {
    const wrong = [...tsFiles('simulate'), ...tsFiles('csv')].flatMap((f) =>
      imports(f)
        .filter(
          (i) => i.startsWith('.') && path.resolve(path.dirname(f), i).startsWith(path.join(SRC, 'cli'))
        )
        .map((i) => `${path.relative(SRC, f)} imports ${i}`)
    );
    expect(wrong).toEqual([]);
  });

  it('has the pipeline read time through its Clock', () => {
    const direct = tsFiles('pipeline')
      .filter((f) => !['clock.ts', 'model-store.ts', 'kafka.ts'].includes(path.basename(f)))
      .filter((f) => /Date\.now\(\)|setInterval\(|setTimeout\(/.test(fs.readFileSync(f, 'utf8')));
    expect(direct.map((f) => path.relative(SRC, f))).toEqual([]);
  });
});

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import * as ts from 'typescript';
import { seededBytes } from '../../support/seeded-bytes';
import { installNativeKafkaCrc, nativeKafkaCrc32c } from '../../../src/pipeline/kafka-crc';

/* eslint-disable @typescript-eslint/no-require-imports */
// kafkajs as jest loads it, with its own JavaScript CRC-32C.
const jsCrc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (b: Buffer) => number;
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: RecordBatchFn };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: object) => unknown;
/* eslint-enable @typescript-eslint/no-require-imports */

type RecordBatchFn = (args: object) => Promise<{ buffer: Buffer }>;

const bytes = seededBytes;

/** Record batches like a checkpoint write's, built the same way here and in the child process. */
const BATCHES = [1, 7, 40];
const SOURCE_OF_BATCH = `
const bytes = ${seededBytes.toString()};
async function batchBytes(RecordBatch, Record, records, seed) {
  const list = Array.from({ length: records }, (_, i) =>
    Record({
      offsetDelta: i,
      timestampDelta: i,
      key: Buffer.from('series-' + i),
      value: bytes(1 + ((seed * 7919 + i * 104729) % 9000), seed + i),
      headers: { 'anomalylens-kind': 'checkpoint' },
    })
  );
  const batch = await RecordBatch({
    firstTimestamp: 1790000000000,
    maxTimestamp: 1790000000000 + records,
    lastOffsetDelta: records - 1,
    records: list,
  });
  return batch.buffer;
}`;

// The override only works through Node's own module cache, which jest replaces: run it in a
// plain Node process, on kafka-crc.ts transpiled as the build does.
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'anomalylens-kafka-crc-'));
  const source = fs.readFileSync(path.join(__dirname, '../../../src/pipeline/kafka-crc.ts'), 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  }).outputText;
  fs.writeFileSync(path.join(dir, 'kafka-crc.js'), js);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function inNode(script: string): unknown {
  const file = path.join(dir, `child-${Math.random().toString(36).slice(2)}.js`);
  fs.writeFileSync(
    file,
    `${SOURCE_OF_BATCH}\n(async () => {\n${script}\n})().catch((e) => { console.error(e); process.exit(1); });`
  );
  const modules = (p: string) => p.slice(0, p.lastIndexOf('node_modules') + 'node_modules'.length);
  const nodePath = [require.resolve('kafkajs'), require.resolve('@node-rs/crc32')]
    .map(modules)
    .join(path.delimiter);
  const out = execFileSync(process.execPath, [file], {
    env: { ...process.env, NODE_PATH: nodePath },
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

describe('native CRC-32C for kafkajs record batches', () => {
  it('computes the CRC-32C that kafkajs computes, as an unsigned number', () => {
    expect(nativeKafkaCrc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const sizes = [0, 1, 3, 7, 8, 9, 63, 64, 65, 1000, 6_800, 70_001];
    for (const [i, n] of sizes.entries()) {
      const b = bytes(n, i + 1);
      expect(nativeKafkaCrc32c(b)).toBe(jsCrc32C(b));
      // A view into a larger buffer at an odd offset, as kafkajs's encoders hand them over.
      const view = Buffer.concat([bytes(5, 99), b, bytes(3, 98)]).subarray(5, 5 + n);
      expect(nativeKafkaCrc32c(view)).toBe(jsCrc32C(b));
    }
  });

  it('is what kafkajs, loaded after it, uses: the same record batches, byte for byte', async () => {
    const child = inNode(`
      const crc = require('./kafka-crc.js');
      const first = crc.installNativeKafkaCrc();
      const again = crc.installNativeKafkaCrc();
      const used = require('kafkajs/src/protocol/recordBatch/crc32C') === crc.nativeKafkaCrc32c;
      const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0');
      const Record = require('kafkajs/src/protocol/recordBatch/record/v0');
      const batches = [];
      for (const [i, n] of ${JSON.stringify(BATCHES)}.entries())
        batches.push((await batchBytes(RecordBatch, Record, n, i + 1)).toString('hex'));
      console.log(JSON.stringify({ first: first ?? null, again: again ?? null, used, batches }));
    `) as { first: string | null; again: string | null; used: boolean; batches: string[] };
    expect(child).toMatchObject({ first: null, again: null, used: true });
    const batchBytes = vm.runInNewContext(`${SOURCE_OF_BATCH}\nbatchBytes`, { Buffer }) as (
      b: RecordBatchFn,
      r: typeof Record,
      n: number,
      seed: number
    ) => Promise<Buffer>;
    for (const [i, n] of BATCHES.entries()) {
      const js = await batchBytes(RecordBatch, Record, n, i + 1);
      expect(js.length).toBeGreaterThan(61 + n * 10);
      expect(child.batches[i]).toBe(js.toString('hex'));
    }
  });

  it('leaves kafkajs its own CRC once it has loaded its record-batch encoder', () => {
    const child = inNode(`
      require('kafkajs/src/protocol/recordBatch/v0');
      const crc = require('./kafka-crc.js');
      const reason = crc.installNativeKafkaCrc();
      const used = require('kafkajs/src/protocol/recordBatch/crc32C') === crc.nativeKafkaCrc32c;
      console.log(JSON.stringify({ reason, used }));
    `);
    expect(child).toEqual({
      reason: 'kafkajs loaded its record-batch encoder before the CRC override',
      used: false,
    });
  });

  it('says it did not apply under a loader with its own registry (jest)', () => {
    expect(installNativeKafkaCrc()).toMatch(/own registry|before the CRC override/);
  });
});

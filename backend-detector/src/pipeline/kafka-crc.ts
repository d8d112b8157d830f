import Module, { createRequire } from 'node:module';
import { crc32c } from '@node-rs/crc32';

/**
 * kafkajs 2.2 computes each record batch's CRC-32C in JavaScript, a table lookup per byte.
 * The detector's produce traffic is mostly model-state checkpoints (about 3 MB/s at 10,000
 * series and 20,000 points/s), and that loop took 2 % of the detector's busy time in the
 * e2e-budget bench's live phase. @node-rs/crc32, already used for the states' own CRC-32,
 * has a hardware CRC-32C.
 *
 * kafkajs takes its crc32C module once, when it first loads the record-batch encoder (at the
 * first produce request, not at `require('kafkajs')`), so the native function goes into
 * Node's module cache under that module's path before then. test/unit/pipeline/kafka-crc
 * checks it in a plain Node process, record batches byte for byte against kafkajs's own.
 */

const PATCHED_KAFKAJS_VERSION = '2.2.4';
const CRC_MODULE = 'kafkajs/src/protocol/recordBatch/crc32C/index.js';
const BATCH_MODULE = 'kafkajs/src/protocol/recordBatch/v0/index.js';

const nodeRequire = createRequire(__filename);

/** kafkajs's crc32C contract: the CRC-32C of the whole buffer as an unsigned 32-bit number. */
export function nativeKafkaCrc32c(buffer: Buffer): number {
  return crc32c(buffer) >>> 0;
}

/** Why the native CRC cannot be given to the installed kafkajs, or undefined when it can. */
export function nativeCrcMismatch(): string | undefined {
  const { version } = nodeRequire('kafkajs/package.json') as { version: string };
  if (version !== PATCHED_KAFKAJS_VERSION)
    return `kafkajs ${version} is installed; the CRC override was written for ${PATCHED_KAFKAJS_VERSION}`;
  const crcPath = nodeRequire.resolve(CRC_MODULE);
  const cached = nodeRequire.cache[crcPath];
  if (cached && cached.exports !== nativeKafkaCrc32c && nodeRequire.cache[nodeRequire.resolve(BATCH_MODULE)])
    return 'kafkajs loaded its record-batch encoder before the CRC override';
  return undefined;
}

/**
 * Give kafkajs the native CRC-32C (once per process; later calls do nothing). Returns why it
 * did not apply, or undefined when it did; when it does not, kafkajs computes its own, the
 * same value. Under jest it never applies: its module registry ignores Node's cache.
 */
export function installNativeKafkaCrc(): string | undefined {
  const mismatch = nativeCrcMismatch();
  if (mismatch !== undefined) return mismatch;
  const path = nodeRequire.resolve(CRC_MODULE);
  if (nodeRequire.cache[path]?.exports !== nativeKafkaCrc32c) {
    const m = new Module(path);
    m.filename = path;
    m.loaded = true;
    m.exports = nativeKafkaCrc32c;
    nodeRequire.cache[path] = m;
  }
  return nodeRequire.cache[path]?.exports === nativeKafkaCrc32c
    ? undefined
    : 'this module loader keeps its own registry';
}

#!/usr/bin/env node
// Speaks the Kafka protocol for the service scripts, which bash cannot:
//   kafka-probe.mjs ready   <bootstrap> <timeoutMs> [topic...]
//     waits until the broker answers metadata with an active controller and its group
//     coordinator works (that creates __consumer_offsets, so the first consumer group of a
//     test does not pay for it), then creates the given topics if they are missing.
//   kafka-probe.mjs flowing <bootstrap> <topic> <windowMs>
//     succeeds when the topic's end offset grows within the window (a producer is live).
// Exit status 0 means yes; anything else no, with the reason on stderr.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// kafkajs is a dependency of the detector workspace; resolve it from there so this works
// whether npm hoisted it to the root or not.
const requireFromDetector = createRequire(path.join(repoRoot, 'backend-detector', 'package.json'));
let kafkajs;
try {
  kafkajs = requireFromDetector('kafkajs');
} catch {
  console.error('kafka-probe: kafkajs is not installed; run `npm ci` first');
  process.exit(3);
}
const { Kafka, logLevel } = kafkajs;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function client(bootstrap) {
  return new Kafka({
    clientId: 'anomalylens-services-probe',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
}

async function checkOnce(bootstrap, topics) {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (cluster.controller === null || cluster.controller < 0) throw new Error('no active controller yet');
    // Asking for a group's coordinator makes the broker create __consumer_offsets.
    await admin.describeGroups(['anomalylens-services-probe']);
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

async function ready(bootstrap, timeoutMs, topics) {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not tried';
  while (Date.now() < deadline) {
    try {
      await checkOnce(bootstrap, topics);
      return 0;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      await sleep(250);
    }
  }
  console.error(`kafka-probe: broker ${bootstrap} not ready after ${timeoutMs} ms: ${lastError}`);
  return 1;
}

async function endOffset(admin, topic) {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

async function flowing(bootstrap, topic, windowMs) {
  const admin = client(bootstrap).admin();
  try {
    await admin.connect();
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) return 1;
    const before = await endOffset(admin, topic);
    const deadline = Date.now() + windowMs;
    while (Date.now() < deadline) {
      await sleep(250);
      if ((await endOffset(admin, topic)) > before) return 0;
    }
    return 1;
  } catch (err) {
    console.error(`kafka-probe: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await admin.disconnect();
  }
}

const [command, bootstrap, ...rest] = process.argv.slice(2);
let status;
if (command === 'ready' && bootstrap) {
  status = await ready(bootstrap, Number(rest[0] ?? 60000), rest.slice(1));
} else if (command === 'flowing' && bootstrap && rest[0]) {
  status = await flowing(bootstrap, rest[0], Number(rest[1] ?? 3000));
} else {
  console.error(
    'usage: kafka-probe.mjs ready <bootstrap> [timeoutMs] [topic...] | flowing <bootstrap> <topic> [windowMs]'
  );
  status = 2;
}
process.exit(status);

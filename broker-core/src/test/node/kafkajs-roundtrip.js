'use strict';

// Round trip through a broker with kafkajs: create a topic, produce keyed messages with headers,
// consume them all with a consumer group, commit, then read the group's committed offsets back.
//
//   node kafkajs-roundtrip.js <bootstrap host:port> <topic> <group> [messages] [partitions]
//
// Prints one JSON object on stdout (the last line) and exits 0, or prints the error on stderr
// and exits 1. Set KAFKAJS_LOG_LEVEL=DEBUG for the client's protocol log on stderr.

const { Kafka, Partitioners, logLevel } = require('kafkajs');

const [bootstrap, topic, groupId, countArg, partitionsArg] = process.argv.slice(2);
if (!bootstrap || !topic || !groupId) {
  console.error('usage: node kafkajs-roundtrip.js <bootstrap> <topic> <group> [messages] [partitions]');
  process.exit(2);
}
const count = Number(countArg || 1000);
const partitions = Number(partitionsArg || 3);
const level = logLevel[(process.env.KAFKAJS_LOG_LEVEL || 'WARN').toUpperCase()] ?? logLevel.WARN;

const kafka = new Kafka({
  clientId: 'tributary-kafkajs-test',
  brokers: [bootstrap],
  logLevel: level,
  logCreator: (lvl) => ({ namespace, label, log }) => {
    const { message, ...extra } = log;
    console.error(`[${label}] ${namespace}: ${message} ${JSON.stringify(extra)}`);
  },
  retry: { retries: 5 },
});

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const admin = kafka.admin();
  await admin.connect();
  const created = await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });

  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const messages = [];
  for (let i = 0; i < count; i++) {
    messages.push({
      key: `key-${i}`,
      value: `value-${i}`,
      headers: { index: String(i), source: 'kafkajs' },
    });
  }
  let produced = 0;
  for (let i = 0; i < messages.length; i += 100) {
    const batch = messages.slice(i, i + 100);
    const acks = await producer.send({ topic, messages: batch });
    for (const ack of acks) {
      if (ack.errorCode !== 0) throw new Error(`produce to ${ack.topicName} [${ack.partition}] failed: ${ack.errorCode}`);
    }
    produced += batch.length;
  }
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });

  const seen = new Map();
  let mismatches = 0;
  let duplicates = 0;
  let commits = 0;
  let resolveDone;
  const done = new Promise((resolve) => { resolveDone = resolve; });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, heartbeat }) => {
      for (const message of batch.messages) {
        const key = message.key.toString();
        const value = message.value.toString();
        const index = message.headers.index && message.headers.index.toString();
        const source = message.headers.source && message.headers.source.toString();
        if (value !== `value-${key.substring(4)}` || index !== key.substring(4) || source !== 'kafkajs') mismatches++;
        if (seen.has(key)) duplicates++;
        seen.set(key, { partition: batch.partition, offset: message.offset });
      }
      if (batch.messages.length > 0) {
        const next = (BigInt(batch.lastOffset()) + 1n).toString();
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
        commits++;
      }
      await heartbeat();
      if (seen.size >= count) resolveDone();
    },
  });
  await withTimeout(done, 45000, `consuming ${count} messages (got ${seen.size})`);
  await consumer.disconnect();

  const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
  const groups = await admin.describeGroups([groupId]);
  await admin.disconnect();

  const offsets = {};
  for (const t of committed) {
    for (const p of t.partitions) offsets[p.partition] = Number(p.offset);
  }
  console.log(JSON.stringify({
    created,
    produced,
    consumed: seen.size,
    mismatches,
    duplicates,
    commits,
    groupState: groups.groups.length ? groups.groups[0].state : null,
    committed: offsets,
  }));
}

main().then(() => process.exit(0), (err) => {
  console.error(err && err.stack ? err.stack : err);
  if (err && err.originalError) console.error('caused by:', err.originalError);
  process.exit(1);
});

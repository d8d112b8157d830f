/**
 * The one key for a topic partition in the pipeline's maps (offsets, positions, lag,
 * locks, restores, checkpoints, series sources). Kafka topic names cannot contain NUL.
 */
export type PartitionKey = string & { readonly __partitionKey: unique symbol };

export interface TopicPartition {
  topic: string;
  partition: number;
}

export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}\u0000${partition}` as PartitionKey;
}

export function parsePartitionKey(key: PartitionKey): TopicPartition {
  const at = key.lastIndexOf('\u0000');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

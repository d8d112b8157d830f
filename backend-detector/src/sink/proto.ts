import * as protobuf from 'protobufjs';

/**
 * Prometheus remote-write 1.0 messages (prompb/types.proto + remote.proto), declared
 * in code so the built CLI needs no .proto files at run time. Only the fields protocol
 * 1.0 requires are declared; metadata and exemplars are optional and unused.
 */
const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});

export const WriteRequest = root.lookupType('prometheus.WriteRequest');

export interface Label {
  name: string;
  value: string;
}

export interface Sample {
  value: number;
  /** Epoch milliseconds. */
  timestamp: number;
}

export interface TimeSeries {
  /** Sorted by name, `__name__` included. */
  labels: Label[];
  samples: Sample[];
}

/** protobufjs's encoding: the reference the hot-path encoder (encode.ts) is checked against. */
export function encodeWithProtobufjs(timeseries: TimeSeries[]): Uint8Array {
  return WriteRequest.encode({ timeseries }).finish();
}

export function decodeWriteRequest(buf: Uint8Array): { timeseries: TimeSeries[] } {
  const msg = WriteRequest.decode(buf);
  return WriteRequest.toObject(msg, { longs: Number, defaults: true }) as { timeseries: TimeSeries[] };
}

import type { temporal } from '@temporalio/proto';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = temporal.api.history.v1.IHistory;

// The proto3 JSON of a history, as `temporal workflow show --output json` writes it. Not through
// @temporalio/common's historyToJSON/historyFromJSON: in this install @temporalio/common and
// @temporalio/proto each carry their own protobufjs, and the protojson of one refuses the types of
// the other ("type must be a Type"). The protojson here is the one of @temporalio/proto's protobufjs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [require.resolve('@temporalio/proto')] })) as {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
};
const historyType = (patchProtobufRoot(proto) as any).lookupType('temporal.api.history.v1.History');

export function historyToJson(history: History): unknown {
  return protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history));
}

export function historyFromJson(json: unknown): History {
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}

/**
 * A history as searchable text: its JSON with every payload (activity inputs and results,
 * signals, markers, failures' details) decoded. A payload's `data` is bytes: JSON.stringify writes
 * a Uint8Array as an object of numbers and a protobuf message as base64, so a secret in it would
 * not be found by searching the plain JSON. Tests that assert a secret is in no history search this.
 */
export function historyText(history: History): string {
  const decode = (_key: string, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value);
  const raw = JSON.stringify(history, decode);
  // Through a message's toJSON the bytes come out base64 instead: decoded too.
  const fromBase64 = JSON.stringify(JSON.parse(raw), (key, value) => (key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value));
  return `${raw}\n${fromBase64}`;
}

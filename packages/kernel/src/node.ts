/*
 * @i386mm/kernel/node — the Node-only side of the package: traceBytes, which gunzips a .gz
 * ftrace capture with node:zlib before parseTrace reads it. Everything else, parseTrace included,
 * is in the main entry and loads in a browser (which hands parseTrace plain text bytes).
 */
import { gunzipSync } from "node:zlib";

/** The trace's text bytes: gunzipped when `data` starts with the gzip magic. */
export function traceBytes(data: Uint8Array): Uint8Array {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b
    ? gunzipSync(data, { chunkSize: 1 << 20 })
    : data;
}

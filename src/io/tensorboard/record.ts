// TFRecord framing, the container of TensorBoard event files (tensorflow/core/lib/io/record_writer.cc):
//
//   uint64 length (little-endian) | uint32 masked CRC32C of those 8 bytes | data | uint32 masked CRC32C of data
//
// The CRC is Castagnoli's (CRC32C), "masked" (rotated right by 15 bits plus a constant) because
// TensorFlow found that CRCs of data that itself holds CRCs are weak; every field little-endian.
import { buf as crc32cOf } from 'crc-32/crc32c';

const MASK_DELTA = 0xa282ead8;

/** CRC32C of `data` as an unsigned 32-bit integer (crc-32 returns it signed). */
export function crc32c(data: Uint8Array): number {
  return crc32cOf(data) >>> 0;
}

/** TensorFlow's masked CRC32C: ((crc >>> 15) | (crc << 17)) + 0xa282ead8, modulo 2^32. */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data);
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/** One record: `data` with its length, and a masked CRC32C of each. */
export function tfRecord(data: Uint8Array): Buffer {
  const record = Buffer.alloc(8 + 4 + data.length + 4);
  record.writeBigUInt64LE(BigInt(data.length), 0);
  record.writeUInt32LE(maskedCrc32c(record.subarray(0, 8)), 8);
  record.set(data, 12);
  record.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return record;
}

// TFRecord framing and its masked CRC32C, against vectors that do not come from this code: RFC 3720's
// CRC32C check values, and bytes written by TensorBoard's own Python record writer, generated with
//
//   from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c
//   from tensorboard.summary.writer.record_writer import RecordWriter
//   f = io.BytesIO(); RecordWriter(f).write(b"123456789"); f.getvalue().hex()
//   hex(masked_crc32c(b"123456789"))
import { describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c, tfRecord } from '../../src/io/tensorboard';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('CRC32C (Castagnoli)', () => {
  it('matches the standard check value and RFC 3720 test vectors', () => {
    expect(crc32c(bytes('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('is masked as TensorFlow does: ((crc >>> 15) | (crc << 17)) + 0xa282ead8', () => {
    expect(maskedCrc32c(new Uint8Array(0))).toBe(0xa282ead8);
    expect(maskedCrc32c(bytes('123456789'))).toBe(0xc78ab0e5);
    expect(maskedCrc32c(new Uint8Array(32))).toBe(0x0fd7fffa);
    expect(maskedCrc32c(new Uint8Array(32).fill(0xff))).toBe(0xf909b029);
  });
});

describe('tfRecord', () => {
  it("frames data byte for byte as TensorBoard's RecordWriter", () => {
    expect(Buffer.from(tfRecord(bytes('123456789'))).toString('hex')).toBe('090000000000000037f97139313233343536373839e5b08ac7');
    expect(Buffer.from(tfRecord(new Uint8Array(0))).toString('hex')).toBe('000000000000000029039807d8ea82a2');
  });

  it('holds the length (8 bytes, little-endian), its masked CRC, the data and its masked CRC', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff);
    const record = tfRecord(data);
    expect(record.length).toBe(8 + 4 + 300 + 4);
    expect(record.readBigUInt64LE(0)).toBe(300n);
    expect(record.readUInt32LE(8)).toBe(maskedCrc32c(record.subarray(0, 8)));
    expect([...record.subarray(12, 312)]).toEqual([...data]);
    expect(record.readUInt32LE(312)).toBe(maskedCrc32c(data));
  });
});

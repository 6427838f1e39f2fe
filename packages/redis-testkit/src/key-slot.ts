/** Redis Cluster key -> hash slot: CRC16 (XMODEM) of the key, or of its {hash tag}, modulo 16384. */

export const SLOT_COUNT = 16384;

function crc16(data: Buffer): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function keySlot(key: string | Buffer): number {
  let k = Buffer.isBuffer(key) ? key : Buffer.from(key);
  const open = k.indexOf('{');
  if (open >= 0) {
    const close = k.indexOf('}', open + 1);
    if (close > open + 1) k = k.subarray(open + 1, close);
  }
  return crc16(k) % SLOT_COUNT;
}

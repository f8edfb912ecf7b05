// A privileged-container probe needs an image, and none can be pulled: build a 129-byte static
// x86-64 ELF that just exits 0 and import it as a one-file image. Docker fails exactly here on
// hosts without CAP_SYS_RESOURCE ("unable to apply caps"), before the binary would even run.

/** ELF64 header + one PT_LOAD program header + `mov eax,60; xor edi,edi; syscall` (exit(0)). */
export function exitZeroElf(): Buffer {
  const code = Buffer.from([0xb8, 0x3c, 0x00, 0x00, 0x00, 0x31, 0xff, 0x0f, 0x05]);
  const base = 0x400000;
  const headerSize = 64 + 56;
  const total = headerSize + code.length;
  const b = Buffer.alloc(total);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0); // magic, 64-bit, little-endian, version 1, SysV
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(0x3e, 18); // x86-64
  b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(BigInt(base + headerSize), 24); // entry
  b.writeBigUInt64LE(64n, 32); // program headers right after this header
  b.writeUInt16LE(64, 52);
  b.writeUInt16LE(56, 54);
  b.writeUInt16LE(1, 56);
  const ph = 64;
  b.writeUInt32LE(1, ph); // PT_LOAD
  b.writeUInt32LE(5, ph + 4); // R+X
  b.writeBigUInt64LE(0n, ph + 8);
  b.writeBigUInt64LE(BigInt(base), ph + 16);
  b.writeBigUInt64LE(BigInt(base), ph + 24);
  b.writeBigUInt64LE(BigInt(total), ph + 32);
  b.writeBigUInt64LE(BigInt(total), ph + 40);
  b.writeBigUInt64LE(0x1000n, ph + 48);
  code.copy(b, headerSize);
  return b;
}

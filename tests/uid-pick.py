#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Independent re-implementation of systemd-nspawn's UID range pick for a
machine name (siphash24 with nspawn's key, folded into the container window
by the modulo nspawn applies to every value, and aligned to 64K), so that tests can check nixbox's choice."""
import struct, sys

def siphash24(data: bytes, key: bytes) -> int:
    M = 0xFFFFFFFFFFFFFFFF
    rotl = lambda x, b: ((x << b) | (x >> (64 - b))) & M
    k0, k1 = struct.unpack('<QQ', key)
    v = [0x736f6d6570736575 ^ k0, 0x646f72616e646f6d ^ k1, 0x6c7967656e657261 ^ k0, 0x7465646279746573 ^ k1]
    def rnd():
        v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16); v[3] ^= v[2]
        v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21); v[3] ^= v[0]
        v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32)
    n = len(data) - len(data) % 8
    for i in range(0, n, 8):
        m, = struct.unpack('<Q', data[i:i + 8])
        v[3] ^= m; rnd(); rnd(); v[0] ^= m
    b = (len(data) << 56) & M
    b |= int.from_bytes(data[n:], 'little')
    v[3] ^= b; rnd(); rnd(); v[0] ^= b
    v[2] ^= 0xff
    for _ in range(4): rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]

KEY = bytes([0xe1, 0x56, 0xe0, 0xf0, 0x4a, 0xf0, 0x41, 0xaf, 0x96, 0x41, 0xcf, 0x41, 0x33, 0x94, 0xff, 0x72])
MIN, MAX = 0x00080000, 0x6FFF0000

def pick(name: str) -> int:
    c = siphash24(name.encode(), KEY) & 0xFFFFFFFF
    # nspawn 252 (uid_shift_pick) folds every value, in the window or not.
    return ((c % (MAX - MIN)) + MIN) & 0xFFFF0000

if __name__ == '__main__':
    print(pick(sys.argv[1]))

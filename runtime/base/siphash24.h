/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SipHash-2-4 (Aumasson & Bernstein), as systemd uses it to derive stable
 * values (UID ranges, MAC addresses, interface names) from machine names:
 * the same inputs give the same results as systemd-nspawn. */
#pragma once

#include <stddef.h>
#include <stdint.h>

uint64_t siphash24(const void *in, size_t inlen, const uint8_t k[16]);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Real-time signals as systemd numbers them, whatever libc nixbox is built
 * with. The kernel's real-time signals are 32..64; a libc keeps the first
 * few for itself and its SIGRTMIN is a run-time value: glibc 34
 * (signal/allocrtsig.c: __SIGRTMIN + 2 reserved for NPTL), musl 35. systemd
 * says "SIGRTMIN+3" with glibc's base (systemd.xml, "Signals"; its
 * signal_to_string() prints "RTMIN+N" from it; the distributions that ship
 * systemd, NixOS included, build it with glibc): halt is signal 37 on the
 * wire. nixbox talks to that systemd, so SIGRTMIN+N here is always 34+N;
 * the libc's SIGRTMIN macro is never used (a musl build would otherwise
 * send 38, poweroff, for a halt). tests/unit/test-core.c pins the numbers. */
#pragma once

#define SD_SIGRTMIN 34   /* glibc's SIGRTMIN: the kernel's 32 + 2 reserved */
#define SD_SIGRTMAX 64   /* the kernel's last signal */
#define SD_SIGRTMIN_PLUS(n) (SD_SIGRTMIN + (n))

/* What a systemd PID 1 does on them (systemd(1), "Signals"). */
#define SIG_SD_HALT     SD_SIGRTMIN_PLUS(3)  /* 37: halt.target; what container managers send */
#define SIG_SD_POWEROFF SD_SIGRTMIN_PLUS(4)  /* 38: poweroff.target */
#define SIG_SD_REBOOT   SD_SIGRTMIN_PLUS(5)  /* 39: reboot.target */
#define SIG_SD_KEXEC    SD_SIGRTMIN_PLUS(6)  /* 40: kexec.target */

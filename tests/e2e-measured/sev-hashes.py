#!/usr/bin/env python3
"""sev-hashes.py FIRMWARE KERNEL INITRD CMDLINE-FILE OUT: write QEMU's SEV hashes
table for a measured direct boot to OUT and print the guest-physical address it
belongs at (hex).

Under SEV-SNP, QEMU (kernel-hashes=on) writes this table into the firmware's
SNP_KERNEL_HASHES page before the PSP measures it, and the AmdSev firmware checks
kernel, initrd and command line against it. Under TCG there is no SEV, so the
e2e harness plays QEMU's part: it puts the same table at the same address with
`-device loader`. Written here from QEMU's definition (target/i386/sev.c:
SevHashTable, padded to 16 bytes) and the OVMF footer table, independently of
broker/measure/sev_hashes.c, whose page enters the digest `cocobroker measure`
computes: a boot that passes the firmware's check shows both agree.

CMDLINE-FILE holds the command line with its terminating NUL, as QEMU hands it over.
"""
import hashlib
import struct
import sys
import uuid

FOOTER_GUID = uuid.UUID("96b582de-1fb2-45f7-baea-a366c55a082d").bytes_le
HASH_TABLE_RV_GUID = uuid.UUID("7255371f-3a3b-4b04-927b-1da6efa8d454").bytes_le
TABLE_GUID = uuid.UUID("9438d606-4f22-4cc9-b479-a793d411fd21").bytes_le
CMDLINE_GUID = uuid.UUID("97d02dd8-bd20-4c94-aa78-e7714d36ab2a").bytes_le
INITRD_GUID = uuid.UUID("44baf731-3a2f-4bd7-9af1-41e29169781d").bytes_le
KERNEL_GUID = uuid.UUID("4de79437-abd2-427f-b835-d5b172d2045b").bytes_le
ENTRY_HEADER = 18  # u16 length + GUID, at the end of each footer entry


def footer_entries(fw):
    start = len(fw) - 32 - ENTRY_HEADER
    size, guid = struct.unpack_from("<H16s", fw, start)
    if guid != FOOTER_GUID:
        sys.exit("sev-hashes: no OVMF footer table in the firmware")
    table = fw[start - (size - ENTRY_HEADER):start]
    while len(table) >= ENTRY_HEADER:
        size, guid = struct.unpack_from("<H16s", table, len(table) - ENTRY_HEADER)
        if size < ENTRY_HEADER or size > len(table):
            sys.exit("sev-hashes: bad footer table entry")
        yield guid, table[len(table) - size:len(table) - ENTRY_HEADER]
        table = table[:len(table) - size]


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.splitlines()[0])
    fw, kernel, initrd, cmdline = (open(p, "rb").read() for p in sys.argv[1:5])
    if not cmdline.endswith(b"\0"):
        sys.exit("sev-hashes: the command line file must end with NUL")
    where = dict(footer_entries(fw)).get(HASH_TABLE_RV_GUID)
    if where is None:
        sys.exit("sev-hashes: the firmware has no SEV hash table entry (not an AmdSev build)")
    gpa, room = struct.unpack_from("<II", where)
    entries = b"".join(struct.pack("<16sH32s", g, 50, hashlib.sha256(d).digest())
                       for g, d in ((CMDLINE_GUID, cmdline), (INITRD_GUID, initrd), (KERNEL_GUID, kernel)))
    table = struct.pack("<16sH", TABLE_GUID, 18 + len(entries)) + entries
    table += bytes(-len(table) % 16)
    if len(table) > room:
        sys.exit("sev-hashes: the table does not fit the firmware's area")
    open(sys.argv[5], "wb").write(table)
    print(hex(gpa))


main()

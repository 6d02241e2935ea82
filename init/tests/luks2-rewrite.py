#!/usr/bin/python3
"""luks2-rewrite.py IMAGE [options]: edit the LUKS2 metadata of an image file in
place, the way a hostile host would, and (unless told otherwise) recompute the
header checksums so that only cocoboot's allowlist stands in the way.

  --sub OLD NEW     replace text OLD by NEW in the JSON area (repeatable)
  --which W         primary, secondary or both (default both)
  --seqid N         set the sequence id
  --keep-checksum   do not recompute the checksum (simulates corruption)
"""
import argparse
import hashlib
import struct
import sys

CSUM_OFF, CSUM_LEN, BIN = 448, 64, 4096


def edit(img, off, subs, seqid, keep):
    img.seek(off)
    hdr = bytearray(img.read(BIN))
    hdr_size = struct.unpack(">Q", hdr[8:16])[0]
    img.seek(off)
    hdr = bytearray(img.read(hdr_size))
    area = hdr_size - BIN
    text = bytes(hdr[BIN:]).split(b"\0", 1)[0]
    for old, new in subs:
        if old.encode() not in text:
            sys.exit(f"luks2-rewrite: '{old}' not in the JSON at {off}")
        text = text.replace(old.encode(), new.encode())
    if len(text) >= area:
        sys.exit("luks2-rewrite: JSON does not fit")
    hdr[BIN:] = text + b"\0" * (area - len(text))
    if seqid is not None:
        hdr[16:24] = struct.pack(">Q", seqid)
    if not keep:
        hdr[CSUM_OFF:CSUM_OFF + CSUM_LEN] = b"\0" * CSUM_LEN
        hdr[CSUM_OFF:CSUM_OFF + 32] = hashlib.sha256(hdr).digest()
    img.seek(off)
    img.write(hdr)
    return hdr_size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("image")
    ap.add_argument("--sub", nargs=2, action="append", default=[])
    ap.add_argument("--which", choices=["primary", "secondary", "both"], default="both")
    ap.add_argument("--seqid", type=int)
    ap.add_argument("--keep-checksum", action="store_true")
    a = ap.parse_args()
    with open(a.image, "r+b") as img:
        img.seek(8)
        hdr_size = struct.unpack(">Q", img.read(8))[0]
        if a.which in ("primary", "both"):
            edit(img, 0, a.sub, a.seqid, a.keep_checksum)
        if a.which in ("secondary", "both"):
            edit(img, hdr_size, a.sub, a.seqid, a.keep_checksum)


main()

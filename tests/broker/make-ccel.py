#!/usr/bin/python3
# make-ccel.py DIR: hand-built CCEL event logs for the broker's TDX event-log
# cases (tests/broker/test-broker.sh), laid out as OVMF and the Linux EFI stub
# log a direct boot (docs/measure.md, "TDX: why the event log"), written here
# from the TCG PC Client PFP formats, independently of common/cc_eventlog.c:
#   DIR/good.bin      kernel, initrd, cmdline = SHA-384 of "kernel", "initrd", "cmdline"
#   DIR/tampered.bin  good.bin with one byte of the kernel digest changed
#   DIR/other.bin     the same boot with another kernel
# and prints "kernel HEX", "initrd HEX", "cmdline HEX" as `measure tdx` does.
import hashlib, struct, sys

out = sys.argv[1]
h = lambda b: hashlib.sha384(b).digest()


def ev(mr, t, d, data):
    return struct.pack("<III", mr, t, 1) + b"\x0c\x00" + d + struct.pack("<I", len(data)) + data


def log(kernel):
    spec = b"Spec ID Event03\0" + struct.pack("<I", 0) + b"\x00\x02\x00\x02" + struct.pack("<I", 1) + b"\x0c\x000\x00\x00"
    b = struct.pack("<II", 0, 3) + bytes(20) + struct.pack("<I", len(spec)) + spec
    b += ev(1, 0x8000000a, h(b"hob"), b"TD HOB")
    act = b"Calling EFI Application from Boot Option"
    b += ev(2, 0x80000007, h(act), act) + ev(2, 4, h(bytes(4)), bytes(4))
    b += ev(2, 0x80000003, h(kernel), b"\x04\x04 path")
    for tag, label, what in ((0x8f3b22ec, b"Linux initrd\0", b"initrd"),
                             (0x8f3b22ed, b"LOADED_IMAGE::LoadOptions\0", b"cmdline")):
        b += ev(3, 6, h(what), struct.pack("<II", tag, len(label)) + label)
    return b


good = log(b"kernel")
i = good.index(h(b"kernel"))
open(out + "/good.bin", "wb").write(good + b"\xff" * 64)  # with the filler, as the area holds it
open(out + "/tampered.bin", "wb").write(good[:i] + bytes([good[i] ^ 1]) + good[i + 1:])
open(out + "/other.bin", "wb").write(log(b"another kernel"))
for name in ("kernel", "initrd", "cmdline"):
    print(name, h(name.encode()).hex())

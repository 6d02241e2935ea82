#!/usr/bin/env python3
"""make-tdx-inputs.py DIR: synthetic inputs for the `measure tdx` tests.

Writes DIR/tdvf.fd, a small firmware with an OVMF footer table whose TDX
metadata offset entry points at a TDVF descriptor (BFV measured with
MR.EXTEND, CFV, TD_HOB, TEMP_MEM), DIR/bad-*.fd variants broken in one way
each, and DIR/pe.efi, a small PE32+ image with two sections, trailing data
and no signature. Prints the MRTD of tdvf.fd for both page orders, computed
here from the TDX module's definition of TDH.MEM.PAGE.ADD / TDH.MR.EXTEND
(independently of the C code under test).
"""
import hashlib
import struct
import sys
import uuid

out = sys.argv[1]
N = 64 * 1024
FOOTER = "96b582de-1fb2-45f7-baea-a366c55a082d"
TDX_OFFSET = "e47a6535-984a-4798-865e-4685a7bf8ec2"
DESC_AT = 0x100  # offset of the TDVF descriptor in the image


def pattern(n, seed):
    b = bytearray()
    x = seed
    while len(b) < n:
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        b.append(x >> 16 & 0xFF)
    return bytes(b)


GOOD = [  # data_offset, raw_size, addr, size, type, attributes
    (0x2000, 0x2000, 0xFFFF0000 + 0x2000, 0x2000, 0, 1),  # BFV, MR.EXTEND
    (0x1000, 0x1000, 0xFFFF0000 + 0x1000, 0x1000, 1, 0),  # CFV
    (0, 0, 0x809000, 0x2000, 2, 0),  # TD_HOB
    (0, 0, 0x800000, 0x6000, 3, 0),  # TEMP_MEM
]


def firmware(sections, sig=b"TDVF", version=1, count=None, desc_len=None, offset=None):
    fw = bytearray(pattern(N, 7))
    fw[DESC_AT:DESC_AT + 0x400] = bytes(0x400)
    n = len(sections) if count is None else count
    dl = 16 + 32 * len(sections) if desc_len is None else desc_len
    fw[DESC_AT:DESC_AT + 16] = sig + struct.pack("<III", dl, version, n)
    for i, s in enumerate(sections):
        struct.pack_into("<IIQQII", fw, DESC_AT + 16 + 32 * i, *s)
    foot = N - 32 - 18
    off = N - DESC_AT if offset is None else offset
    entry = struct.pack("<I", off) + struct.pack("<H", 22) + uuid.UUID(TDX_OFFSET).bytes_le
    fw[foot - len(entry):foot] = entry
    fw[foot:foot + 18] = struct.pack("<H", len(entry) + 18) + uuid.UUID(FOOTER).bytes_le
    return bytes(fw)


def mrtd(fw, sections, two_pass):
    h = hashlib.sha384()

    def add(gpa):
        h.update(b"MEM.PAGE.ADD" + bytes(4) + struct.pack("<Q", gpa) + bytes(104))

    def extend(gpa, page):
        for k in range(0, 4096, 256):
            h.update(b"MR.EXTEND" + bytes(7) + struct.pack("<Q", gpa + k) + bytes(104))
            h.update(page[k:k + 256])

    for do, rs, addr, size, typ, attr in sections:
        pages = [(addr + p * 4096, fw[do + p * 4096:do + p * 4096 + 4096]) for p in range(size // 4096)]
        for gpa, page in pages:
            add(gpa)
            if attr & 1 and not two_pass:
                extend(gpa, page)
        if attr & 1 and two_pass:
            for gpa, page in pages:
                extend(gpa, page)
    return h.hexdigest()


def write(name, data):
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)


good = firmware(GOOD)
write("tdvf.fd", good)
print("single-pass", mrtd(good, GOOD, False))
print("two-pass", mrtd(good, GOOD, True))


def variant(name, i, **kw):
    s = list(GOOD)
    s[i] = tuple(kw.get(k, v) for k, v in zip(("do", "rs", "addr", "size", "type", "attr"), GOOD[i]))
    write(f"bad-{name}.fd", firmware(s))


variant("unknown-type", 3, type=4)
variant("unknown-attr", 1, attr=2)
variant("unaligned", 2, addr=0x809800)
variant("empty", 3, size=0)
variant("raw-gt-mem", 1, rs=0x2000)
variant("data-outside", 0, do=N - 0x1000)
variant("extend-short", 0, size=0x3000)
variant("hob-with-data", 2, rs=0x100)
variant("bfv-no-data", 0, rs=0)
variant("overlap", 3, size=0xA000)
variant("huge", 3, addr=0x100000000, size=0x100000000000)
write("bad-signature.fd", firmware(GOOD, sig=b"TDVX"))
write("bad-version.fd", firmware(GOOD, version=2))
write("bad-count.fd", firmware(GOOD, count=5))
write("bad-zero-sections.fd", firmware(GOOD, count=0))
write("bad-desc-len.fd", firmware(GOOD, desc_len=N))
write("bad-offset.fd", firmware(GOOD, offset=N + 16))

# A PE32+ image: headers (0x200), .text (0x400), .data (0x200), 0x18 bytes after.
pe = bytearray(0x200 + 0x400 + 0x200 + 0x18)
pe[0:2] = b"MZ"
struct.pack_into("<I", pe, 0x3C, 0x80)
pe[0x80:0x84] = b"PE\0\0"
coff = 0x84
struct.pack_into("<HHIIIHH", pe, coff, 0x8664, 2, 0, 0, 0, 240, 0x22)
opt = coff + 20
struct.pack_into("<H", pe, opt, 0x20B)
struct.pack_into("<I", pe, opt + 16, 0x1000)  # AddressOfEntryPoint
struct.pack_into("<Q", pe, opt + 24, 0x400000)  # ImageBase
struct.pack_into("<II", pe, opt + 32, 0x1000, 0x200)  # alignments
struct.pack_into("<I", pe, opt + 56, 0x3000)  # SizeOfImage
struct.pack_into("<I", pe, opt + 60, 0x200)  # SizeOfHeaders
struct.pack_into("<I", pe, opt + 64, 0x12345678)  # CheckSum (not hashed)
struct.pack_into("<H", pe, opt + 68, 10)  # Subsystem: EFI application
struct.pack_into("<I", pe, opt + 108, 16)  # NumberOfRvaAndSizes
sec = opt + 240
for i, (name, va, size, ptr) in enumerate([(b".text", 0x1000, 0x400, 0x200), (b".data", 0x2000, 0x200, 0x600)]):
    struct.pack_into("<8sIIII", pe, sec + 40 * i, name, size, va, size, ptr)
    struct.pack_into("<I", pe, sec + 40 * i + 36, 0x60000020 if i == 0 else 0xC0000040)
pe[0x200:0x600] = pattern(0x400, 11)
pe[0x600:0x800] = pattern(0x200, 13)
pe[0x800:] = pattern(0x18, 17)
write("pe.efi", bytes(pe))

# The same image with a (fake) certificate table appended and named in the
# security directory: Authenticode leaves both out, so the digest is the same.
cert = struct.pack("<IHH", 16, 0x200, 2) + b"fakesig!"
signed = bytearray(pe) + cert
struct.pack_into("<II", signed, opt + 112 + 4 * 8, len(pe), len(cert))
write("pe-certtable.efi", bytes(signed))


def pe_variant(name, at, fmt, value):
    b = bytearray(pe)
    struct.pack_into(fmt, b, at, value)
    write(f"bad-pe-{name}.efi", bytes(b))


pe_variant("magic", opt, "<H", 0x30B)
pe_variant("nrva", opt + 108, "<I", 1000)
pe_variant("headers", opt + 60, "<I", 0x100000)
pe_variant("section", sec + 20, "<I", 0x900)
pe_variant("certtable", opt + 112 + 4 * 8 + 4, "<I", 0x10000)
pe_variant("nsections", coff + 2, "<H", 200)
pe_variant("optsize", coff + 16, "<H", 0xF000)

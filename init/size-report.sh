#!/bin/bash
# size-report.sh STRIPPED UNSTRIPPED MAP: what build/cocoboot is made of —
# the linker map attributes every kept input section to its object file.
set -u
stripped=$1 unstripped=$2 map=$3
echo "build/cocoboot: $(stat -c %s "$stripped") bytes stripped (budget 196608)"
size "$unstripped" | sed 's/^/  /'
python3 - "$map" <<'PY'
import re, sys, collections
by_origin, by_object = collections.Counter(), collections.Counter()
sec = None
for line in open(sys.argv[1]):
    if line.startswith("Discarded input sections"):
        skip = True
    m = re.match(r"^ (\.\S+)\s*$", line)
    if m:
        sec = m.group(1); continue
    m = re.match(r"^ (\.\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)$", line)
    if not m:
        continue
    name = m.group(1) or sec
    sec = None
    if not name or not name.startswith((".text", ".rodata", ".data")) or int(m.group(2), 16) == 0:
        continue
    size, obj = int(m.group(3), 16), m.group(4)
    lib = re.search(r"lib(mbed\w+|c)\.a\((.+)\)", obj)
    if lib:
        origin = {"c": "musl libc"}.get(lib.group(1), lib.group(1))
        member = lib.group(2)
    else:
        origin = "cocoboot (init/, proto/, libtsm/, common/)"
        member = re.sub(r".*/", "", obj).replace("_", "/", 1)
    by_origin[origin] += size
    by_object[origin.split()[0] + ":" + member] += size
print("by origin (text+rodata+data bytes):")
for k, v in by_origin.most_common():
    print(f"  {k:40s} {v:8d}")
print("largest objects:")
for k, v in by_object.most_common(20):
    print(f"  {k:40s} {v:8d}")
PY

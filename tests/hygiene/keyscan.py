#!/usr/bin/env python3
"""keyscan.py KEYFILE FILE...: look for a volume key in files.

KEYFILE holds the raw key (64 bytes from `cocobroker volume add`). Every FILE
is read as bytes and searched for the key as:
  - raw bytes;
  - hex, lower and upper case: the whole key and each 16-byte quarter (a log
    line that prints a truncated key is still a leak);
  - base64, standard and URL alphabets, at each of the three byte alignments
    (a key embedded in a larger base64 blob encodes differently depending on
    where it starts; the inner characters, without the first and last group,
    are the same whatever surrounds it).
Prints one line per hit, "FILE: offset N: FORM", and exits 1 if anything was
found, 0 if nothing, 2 on a usage or I/O error.
"""
import base64
import sys


def patterns(key):
    pats = {"raw": key}
    for case in ("lower", "upper"):
        h = key.hex() if case == "lower" else key.hex().upper()
        pats[f"hex-{case}"] = h.encode()
        for q in range(0, len(key), 16):
            pats[f"hex-{case} bytes {q}..{q + 15}"] = h[2 * q:2 * q + 32].encode()
    for name, enc in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
        for shift in range(3):
            s = enc(b"\0" * shift + key).rstrip(b"=")
            # drop the groups that mix in padding or neighbouring bytes
            pats[f"{name} alignment {shift}"] = s[4:-4]
    return pats


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    try:
        with open(argv[1], "rb") as f:
            key = f.read()
    except OSError as e:
        print(f"keyscan: {e}", file=sys.stderr)
        return 2
    if len(key) < 32:
        print(f"keyscan: key file {argv[1]} has {len(key)} bytes, expected a volume key", file=sys.stderr)
        return 2
    pats = patterns(key)
    hits = 0
    for path in argv[2:]:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            print(f"keyscan: {e}", file=sys.stderr)
            return 2
        for form, p in pats.items():
            at = data.find(p)
            if at >= 0:
                hits += 1
                print(f"{path}: offset {at}: {form}")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

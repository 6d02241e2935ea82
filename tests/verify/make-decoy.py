#!/usr/bin/python3
"""make-decoy.py SIGNED_TCBINFO OUT: a TCB info file whose top-level "tcbInfo"
is an unsigned copy claiming UpToDate everywhere, with the genuinely signed
object placed earlier under another key.  A verifier that checks the
signature on one copy and evaluates the other would be fooled."""
import json, sys
raw = open(sys.argv[1]).read()
start = raw.index("{", 1)                     # the signed tcbInfo value
end = raw.rindex(',"signature"')
signed = raw[start:end]
sig = json.loads(raw)["signature"]
fake = signed.replace("OutOfDate", "UpToDate")
open(sys.argv[2], "w").write('{"x":{"tcbInfo":' + signed + '},"tcbInfo":' + fake + ',"signature":"' + sig + '"}')

#!/usr/bin/env python3
"""timeline-svg.py BOOTS.TXT OUT.SVG: the dracut-to-dracut comparison drawn.

One bar per tool, the boot whose unlock span is that tool's median in
BOOTS.TXT (dracut-timeline.sh's columns: tool, unlock, tool span, tool
process, start, online, mounted, root, wall, processes, cryptsetup runs),
on one time axis (guest trace clock, s), cut into the phases the bench
measures:
  kernel start -> network online        kernel, initrd, udev, DHCP
  network online -> the tool's exec     the dracut glue before the tool
  the tool's exec -> its exit           the tool (cocoboot / clevis-luks-askpass)
  its exit -> root mounted              open (clevis: systemd-cryptsetup), fsck, mount
  root mounted -> root's init           switch to the root
Standard library only; the numbers printed in the picture are the file's.
"""
import os
import sys
from xml.sax.saxutils import escape

COLOURS = {
    "boot": "#c9d1d9",
    "glue": "#f2a65a",
    "tool": "#5b8def",
    "open": "#7bc67b",
    "switch": "#b392f0",
}
LABELS = {
    "boot": "kernel, initrd, udev, network",
    "glue": "dracut glue before the tool",
    "tool": "the tool runs",
    "open": "volume opened, fsck, mount",
    "switch": "switch to the root",
}


def median_boot(rows):
    rows = sorted(rows, key=lambda r: float(r[1]))
    return rows[(len(rows) - 1) // 2], len(rows)


def phases(row):
    start, mounted, root = float(row[4]), float(row[6]), float(row[7])
    online = float(row[5]) if row[5] != "-" else start
    end = start + float(row[3]) if row[3] != "-" else mounted
    begin = max(start, online)
    end = min(max(end, begin), mounted)
    cuts = [("boot", 0.0, online), ("glue", online, begin), ("tool", begin, end),
            ("open", end, mounted), ("switch", mounted, root)]
    return [(k, a, b) for k, a, b in cuts if b > a]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: timeline-svg.py BOOTS.TXT OUT.SVG")
    by_tool = {}
    with open(sys.argv[1]) as f:
        for line in f:
            row = line.split()
            if len(row) >= 11:
                by_tool.setdefault(row[0], []).append(row)
    tools = [t for t in ("clevis", "cocoboot") if t in by_tool] + \
        sorted(t for t in by_tool if t not in ("clevis", "cocoboot"))
    if not tools:
        sys.exit("timeline-svg.py: no boots in " + sys.argv[1])
    chosen = {t: median_boot(by_tool[t]) for t in tools}
    names = {"clevis": "clevis + tang", "cocoboot": "cocoboot + cocobroker"}

    width, left, right, bar_h, gap, top = 1000, 190, 30, 34, 74, 70
    span = max(float(chosen[t][0][7]) for t in tools)
    scale = (width - left - right) / span
    height = top + len(tools) * gap + 100
    out = []
    add = out.append
    add(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">')
    add(f'<rect width="{width}" height="{height}" fill="white"/>')
    add(f'<text x="20" y="24" font-size="15" font-weight="bold">Boot to the unlocked root in the same dracut '
        f'({escape(os.environ.get("COMPARE_DRACUT_FLAVOUR", "systemd"))} flavour, QEMU TCG): median boot of each tool</text>')
    add(f'<text x="20" y="42" fill="#555">guest seconds since kernel start; from tests/compare/dracut-bench.sh\'s '
        f'boots.txt ({", ".join(f"{len(by_tool[t])} {t}" for t in tools)} boots)</text>')
    # time axis
    axis_y = top + len(tools) * gap - 20
    step = 5 if span > 20 else 1
    t = 0
    while t <= span + 1e-9:
        x = left + t * scale
        add(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{axis_y}" stroke="#eee"/>')
        add(f'<text x="{x:.1f}" y="{axis_y + 15}" text-anchor="middle" fill="#555">{t:g} s</text>')
        t += step
    for i, tool in enumerate(tools):
        row, n = chosen[tool]
        y = top + i * gap
        add(f'<text x="{left - 10}" y="{y + bar_h / 2 + 4}" text-anchor="end" font-weight="bold">'
            f'{escape(names.get(tool, tool))}</text>')
        for kind, a, b in phases(row):
            x, w = left + a * scale, (b - a) * scale
            add(f'<rect x="{x:.1f}" y="{y}" width="{max(w, 0.5):.1f}" height="{bar_h}" fill="{COLOURS[kind]}" '
                f'stroke="white" stroke-width="0.5"><title>{escape(LABELS[kind])}: {a:.2f} - {b:.2f} s '
                f'({b - a:.2f} s)</title></rect>')
            if kind != "boot" and w > 26:
                add(f'<text x="{x + w / 2:.1f}" y="{y + bar_h / 2 + 4}" text-anchor="middle">{b - a:.2f} s</text>')
        add(f'<text x="{left}" y="{y + bar_h + 15}" fill="#333">unlock (network online \u2192 root mounted) '
            f'{float(row[1]):.2f} s; root\'s init at {float(row[7]):.2f} s; {row[9]} processes started in the '
            f'unlock span</text>')
    # legend
    ly = axis_y + 40
    x = 20
    for kind in ("boot", "glue", "tool", "open", "switch"):
        add(f'<rect x="{x}" y="{ly - 10}" width="12" height="12" fill="{COLOURS[kind]}"/>')
        add(f'<text x="{x + 16}" y="{ly}">{escape(LABELS[kind])}</text>')
        x += 16 + int(6.6 * len(LABELS[kind])) + 14
    uc = {t: float(chosen[t][0][1]) for t in tools}
    if "clevis" in uc and "cocoboot" in uc and uc["cocoboot"] > 0:
        add(f'<text x="20" y="{ly + 26}" fill="#333">unlock span, clevis / cocoboot: '
            f'{uc["clevis"] / uc["cocoboot"]:.1f}x (medians of this run; the machine is shared, '
            f'compare within one run only)</text>')
    add('</svg>')
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()

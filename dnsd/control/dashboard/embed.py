#!/usr/bin/env python3
"""Embeds the dashboard's files in the dnsd binary: writes a C++ source that
defines dnsd::dashboard_assets() (dnsd/control/dashboard.h) with each file's
bytes as a raw string literal. Run by meson at build time:

    embed.py OUTPUT.cc FILE...
"""

import pathlib
import sys

DELIMITER = "dnsd_asset"  # raw string delimiter; no file may contain `)dnsd_asset"`
CHUNK = 60000  # stay well under compilers' limits on one string literal


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: embed.py OUTPUT.cc FILE...\n")
        return 2
    out = pathlib.Path(argv[1])
    lines = ["// Generated at build time by dnsd/control/dashboard/embed.py from dnsd/control/dashboard/; do not edit.",
             '#include "dnsd/control/dashboard.h"', "", "namespace dnsd {", "", "namespace {", ""]
    names = []
    for i, arg in enumerate(argv[2:]):
        path = pathlib.Path(arg)
        text = path.read_text(encoding="utf-8")
        if f"){DELIMITER}\"" in text:
            sys.stderr.write(f"{path}: contains the raw string delimiter ){DELIMITER}\"\n")
            return 1
        parts = [text[j:j + CHUNK] for j in range(0, len(text), CHUNK)] or [""]
        body = "\n".join(f'R"{DELIMITER}({p}){DELIMITER}"' for p in parts)
        lines.append(f"constexpr char kFile{i}[] =\n{body};")
        names.append((path.name, i))
    lines += ["", "}  // namespace", "", "std::span<const DashboardAsset> dashboard_assets() {",
              "  static const DashboardAsset assets[] = {"]
    for name, i in names:
        lines.append(f'      {{"{name}", std::string_view(kFile{i}, sizeof kFile{i} - 1)}},')
    lines += ["  };", "  return assets;", "}", "", "}  // namespace dnsd", ""]
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/bin/sh
# Rebuilds assets/color/portrait-cmyk-fogra39.icc, the print edition's output intent, from the
# FOGRA39L measurement data in Debian's icc-profiles-free package, with ArgyllCMS's colprof.
# Needs: apt-get install argyll icc-profiles-free. Takes about 3 minutes on one core.
#
#   -qh -r 0.25              high quality tables, fitted closely to the measurements (the data
#                            are averaged already): in-gamut colours round-trip within ΔE00 2
#                            (-qm left the pastels and navy at 2.3-2.5)
#   -K p 0 0.3 1.0 1.0 1.0   black generation on the K *locus*: no K from white to 30 % of the
#                            way to black, then a straight ramp to full K. On the locus, a
#                            saturated colour (whose K range is narrow) keeps the K it needs, so
#                            the brand's pink and blues print without K (the old -kr ramp put K20
#                            into the cover's pink and greyed it).
#   -l 300                   total ink limit 300 % (coated offset, ISO 12647-2; printers ask for
#                            300-330 %). portrait.inputs.press reads it back from the profile
#                            (the build of black) and the preflight's ink-coverage rule uses it.
# The result is deterministic for a given colprof version (ArgyllCMS 2.3.1 here; two runs gave
# the same tables); tests/inputs/test_press.py pins its checksum, so a changed profile is a
# visible change.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data=${FOGRA39L:-/usr/share/color/icc/FOGRA39L.ti3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$data" "$work/FOGRA39L.ti3"
cd "$work"
colprof -qh -r 0.25 -K p 0 0.3 1.0 1.0 1.0 -l 300 \
    -D "Portrait CMYK (FOGRA39L, ArgyllCMS, TAC 300%)" \
    -C "Zlib; built from FOGRA39L.ti3 (icc-profiles-free, Kai-Uwe Behrmann)" FOGRA39L
# The header's creation date (bytes 24-35) is the only thing that changes from run to run: fix it
# (2026-12-07 00:00:00), so that the same data and colprof give the same bytes.
printf '\007\352\000\014\000\007\000\000\000\000\000\000' | dd of=FOGRA39L.icc bs=1 seek=24 conv=notrunc status=none
cp FOGRA39L.icc "$here/portrait-cmyk-fogra39.icc"
sha256sum "$here/portrait-cmyk-fogra39.icc"

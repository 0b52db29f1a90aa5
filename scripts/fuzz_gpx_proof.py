"""Soundness of the GPX well-formedness proof under random corruption, against libxml2.

A script, not a test (the test suite runs a smaller Hypothesis version of the same check in
``tests/io/test_gpx_proof.py``). Each case takes a realistic export (extensions, repeated
namespace declarations, a comment, CDATA, references) and applies 1-3 random edits: insert,
delete or overwrite XML-significant snippets (``<``, ``]]>``, ``&#0;``, ``xmlns:...``, control
and invalid UTF-8 bytes...). A case is *unsound* if the proof says well-formed and libxml2
rejects the document; the script prints every such case and exits 1 if there is one.

    python scripts/fuzz_gpx_proof.py                  # 20,000 cases, seed 1
    python scripts/fuzz_gpx_proof.py --cases 80000 --seed 21
    python scripts/fuzz_gpx_proof.py --head 650       # edits only in the first 650 bytes (root tag)
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.io.test_gpx_proof import _SNIPPETS, BASE, document, point, prepared_bytes, proven
from trailtech.io.gpx_scan import well_formed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--head", type=int, default=0, help="edit only the first N bytes (0: anywhere)")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    bases = [BASE, document("".join(point(i) for i in range(3)))]
    proven_n = unsound = well_formed_unproven = 0
    for _ in range(args.cases):
        data = bytearray(rng.choice(bases))
        for _ in range(rng.randint(1, 3)):
            span = min(len(data), args.head) if args.head else len(data)
            at = rng.randrange(span)
            op, snippet = rng.choice("idr"), rng.choice(_SNIPPETS)
            if op == "i":
                data[at:at] = snippet
            elif op == "d":
                del data[at : at + rng.randint(1, 12)]
            else:
                data[at : at + len(snippet)] = snippet
        data = bytes(data)
        prepared = prepared_bytes(data)
        fine = prepared is not None and well_formed(prepared)
        if proven(data):
            proven_n += 1
            if not fine:
                unsound += 1
                print("UNSOUND:", data)
        elif fine:
            well_formed_unproven += 1
    print(
        f"{args.cases} corrupted documents: {proven_n} proven well-formed, {unsound} of them "
        f"rejected by libxml2 (unsound); {well_formed_unproven} well-formed but left to libxml2"
    )
    return 1 if unsound else 0


if __name__ == "__main__":
    raise SystemExit(main())

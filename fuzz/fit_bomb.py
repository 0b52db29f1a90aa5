"""Write a FIT "bomb": one record repeated millions of times, gzipped to almost nothing.

The default is the file of issue 19: 30 M records of 17 bytes, a 510 MB FIT that gzips to
about 1 MB. ``trailtech info`` must refuse it (or read it) in under 10 s and 1 GiB:

    python -m fuzz.fit_bomb /tmp/bomb.fit.gz
    /usr/bin/time -v trailtech info /tmp/bomb.fit.gz
"""

from __future__ import annotations

import argparse
import gzip
import sys

from tests import fitbytes as fb


def bomb(n_records: int, *, distinct_times: bool = False) -> bytes:
    """The FIT bytes: ``file_id``, one record definition and ``n_records`` records.

    With ``distinct_times`` every record is one second after the previous one (a track that
    survives duplicate merging); otherwise all records are the same bytes.
    """
    head = fb.file_id_activity() + fb.definition(1, 20, fb.RECORD_FIELDS)
    if distinct_times:
        body = head + b"".join(fb.record(1, fb.T0_FIT_S + i, 45.0 + i * 1e-6, 6.0, 1000.0, 140)
                               for i in range(n_records))
    else:
        body = head + fb.record(1, fb.T0_FIT_S, 45.0, 6.0, 1000.0, 140) * n_records
    return fb.fit_file(body)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="output file; gzipped when it ends in .gz")
    ap.add_argument("--records", type=int, default=30_000_000)
    ap.add_argument("--distinct-times", action="store_true")
    args = ap.parse_args(argv)
    blob = bomb(args.records, distinct_times=args.distinct_times)
    if args.out.endswith(".gz"):
        with gzip.open(args.out, "wb", compresslevel=9) as fh:
            fh.write(blob)
    else:
        with open(args.out, "wb") as fh:
            fh.write(blob)
    print(f"{args.out}: {len(blob):,} FIT bytes, {args.records:,} records", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

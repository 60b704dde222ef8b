"""Entry point for ``spark-submit``: a scan whose master and resources spark-submit decides.

    spark-submit --master spark://head:7077 \\
        "$(python -c 'import wiretrace.scan.spark_job as m; print(m.__file__)')" \\
        /shared/articles.jsonl --out /shared/scan-out

The output folder must be on storage that the driver and every executor can read
(NFS, or a mounted object store): documents are staged there as Parquet.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from wiretrace.scan import scan


def main(argv: list[str] | None = None) -> None:
    """Parse ``INPUT... --out DIR`` and run the scan on the submitted cluster."""
    parser = argparse.ArgumentParser(prog="wiretrace-spark-job", description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args(argv)
    result = scan(args.inputs, args.out, engine="spark", master=None, fresh=args.fresh)
    print(
        f"{result.summary.related_pairs} reuse relations in {result.summary.families} families; written to {args.out}"
    )


if __name__ == "__main__":
    main()

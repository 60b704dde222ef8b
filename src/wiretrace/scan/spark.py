"""The Apache Spark engine: the same scan, distributed with PySpark.

The stages are those of the local engine, and each runs the same functions, as
``mapPartitions`` over Spark partitions:

* documents are read on the driver by :func:`~wiretrace.scan.records.read_corpus` (so
  skipped documents are reported the same way) and streamed into a Parquet table;
* shingles and passage vectors are computed per partition of documents;
* shingle postings are partitioned by hash, each partition counts its window pairs with
  the local engine's own function, and Spark sums the counts;
* passage similarity is searched with faiss on the driver (the vectors are 1 KB per
  passage; see docs/scan.md for very large corpora);
* candidate pairs, joined with their texts, are judged per partition by
  :func:`~wiretrace.scan.local.judge_pair`;
* families are built on the driver from the related pairs, and every output is written
  as the local engine writes it, Parquet included.

On the same input it finds the same pairs and families as the local engine; a test checks
this in ``local[2]`` mode and through a standalone master on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from wiretrace.collector import tune_worker_collector
from wiretrace.errors import WiretraceError
from wiretrace.scan.candidates import (
    CHUNK_BITS,
    Candidates,
    keep_best,
    merge_candidates,
    semantic_candidates,
    split_pair_keys,
    window_pair_counts,
    window_postings,
)
from wiretrace.scan.features import passages, shingles
from wiretrace.scan.local import Progress, judge_pair
from wiretrace.scan.options import ScanOptions
from wiretrace.scan.pairs import DocumentCache, PairResult
from wiretrace.scan.records import Problem, Record, read_corpus
from wiretrace.scan.results import ScanResult, ScanSummary, assemble_result, write_outputs

_DOC_FIELDS = ("n", "id", "text", "title", "date", "outlet", "url")
SPARK_DIR = ".wiretrace-spark"


def _schemas() -> dict[str, Any]:
    """Every table's schema, declared once."""
    from pyspark.sql import types as spark_types

    text = spark_types.StringType()
    return {
        "docs": spark_types.StructType(
            [spark_types.StructField("n", spark_types.LongType(), False)]
            + [spark_types.StructField(name, text, name in ("id", "text")) for name in _DOC_FIELDS[1:]]
        ),
        "postings": spark_types.StructType(
            [
                spark_types.StructField("hash", spark_types.LongType(), False),
                spark_types.StructField("key", spark_types.LongType(), False),
            ]
        ),
        "window_pairs": spark_types.StructType(
            [
                spark_types.StructField("ka", spark_types.LongType(), False),
                spark_types.StructField("kb", spark_types.LongType(), False),
                spark_types.StructField("count", spark_types.LongType(), False),
            ]
        ),
        "judged": spark_types.StructType(
            [
                spark_types.StructField("n_a", spark_types.LongType(), False),
                spark_types.StructField("n_b", spark_types.LongType(), False),
                spark_types.StructField("record", text, False),
            ]
        ),
    }


def run_spark(
    inputs: Sequence[str | Path],
    out_dir: Path,
    options: ScanOptions,
    *,
    master: str | None = "local[2]",
    fresh: bool = False,
    progress: Progress | None = None,
) -> ScanResult:
    """Scan a corpus with Spark; see :func:`wiretrace.scan.scan`.

    ``master=None`` uses the master that ``spark-submit`` was given (see docs/scan.md).
    """
    report = progress or (lambda *_: None)
    work = out_dir / SPARK_DIR
    if fresh or not (work / "docs.parquet").exists():
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    problems = (
        _ingest(inputs, options, work, report) if not (work / "docs.parquet").exists() else _problems(work)
    )
    seconds["ingest"] = round(time.perf_counter() - start, 2)
    spark = _session(master)
    spark.sparkContext.setLogLevel("ERROR")
    try:
        return _scan(spark, work, out_dir, options, problems, seconds, report)
    finally:
        spark.stop()


def _session(master: str | None) -> Any:
    """A Spark session; with no master, the one spark-submit was given."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise WiretraceError("the Spark engine needs pyspark: pip install 'wiretrace[spark]'") from None
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master) if master else SparkSession.builder
    return (
        builder.appName("wiretrace-scan")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )


def _ingest(inputs: Sequence[str | Path], options: ScanOptions, work: Path, report: Progress) -> list[str]:
    """Stream the corpus into ``docs.parquet``, in reading order; return the problems."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("n", pa.int64())] + [(name, pa.string()) for name in _DOC_FIELDS[1:]])
    problems: list[str] = []
    tmp = work / ".docs.parquet.part"
    batch: list[dict[str, Any]] = []
    count = 0
    with pq.ParquetWriter(tmp, schema) as writer:
        for item in read_corpus(inputs, columns=options.columns, max_bytes=options.max_bytes):
            if isinstance(item, Problem):
                problems.append(str(item))
                continue
            batch.append({"n": count, **{name: getattr(item, name) for name in _DOC_FIELDS[1:]}})
            count += 1
            if len(batch) >= 2000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
                report("reading documents", count, None)
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    (work / "problems.json").write_text(json.dumps(problems))
    tmp.replace(work / "docs.parquet")
    return problems


def _problems(work: Path) -> list[str]:
    return list(json.loads((work / "problems.json").read_text()))


def _scan(
    spark: Any,
    work: Path,
    out_dir: Path,
    options: ScanOptions,
    problems: list[str],
    seconds: dict[str, float],
    report: Progress,
) -> ScanResult:
    schemas = _schemas()
    docs = spark.read.schema(schemas["docs"]).parquet(str(work / "docs.parquet"))
    total = docs.count()
    started = time.perf_counter()
    report("hashing shingles", 0, total)
    shingle_rows = docs.select("n", "text").rdd.mapPartitions(_shingle_partition).cache()
    cand_opts = options.candidates
    boiler = _boilerplate(shingle_rows, cand_opts.max_df)
    boiler_b = spark.sparkContext.broadcast(boiler)
    seconds["features"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    best: dict[int, int] = {}
    for offset in (0, cand_opts.window // 2):
        postings = shingle_rows.mapPartitions(
            lambda rows, o=offset: _posting_partition(rows, cand_opts.window, o, boiler_b.value)
        )
        counted = (
            spark.createDataFrame(postings, schemas["postings"])
            .repartition(int(spark.conf.get("spark.sql.shuffle.partitions")), "hash")
            .rdd.mapPartitions(lambda rows: _count_partition(rows, cand_opts.max_df))
        )
        summed = (
            spark.createDataFrame(counted, schemas["window_pairs"])
            .groupBy("ka", "kb")
            .sum("count")
            .withColumnRenamed("sum(count)", "count")
            .where(f"count >= {cand_opts.min_shared}")
            .collect()
        )
        keys = [(row["ka"] >> CHUNK_BITS) << 32 | (row["kb"] >> CHUNK_BITS) for row in summed]
        keep_best(best, keys, [int(row["count"]) for row in summed])
    lexical = split_pair_keys(best, np.int32)
    empty = np.zeros(0, dtype=np.int64)
    semantic = (empty, empty, np.zeros(0, dtype=np.float32))
    if cand_opts.semantic:
        report("embedding passages", 0, total)
        rows = sorted(
            docs.select("n", "text")
            .rdd.mapPartitions(lambda p: _vector_partition(p, options.model))
            .collect()
        )
        if rows:
            owners = np.array([r[0] for r in rows], dtype=np.int64)
            vectors = np.array([r[2] for r in rows], dtype=np.float32)
            semantic = semantic_candidates(vectors, owners, cand_opts)
    candidates = merge_candidates(lexical, semantic)
    seconds["candidates"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    report("judging pairs", 0, len(candidates))
    judged = _judge(spark, docs, candidates, options, boiler_b, schemas)
    seconds["pairs"] = round(time.perf_counter() - started, 2)
    ids_dates = docs.select("id", "date").collect()
    summary = ScanSummary(
        documents=total,
        skipped=problems,
        candidates=len(candidates),
        lexical_candidates=len(lexical[0]),
        semantic_candidates=len(semantic[0]),
        pairs_judged=0,
        related_pairs=0,
        families=0,
        seconds=seconds,
        settings=options.describe(),
        engine="spark",
    )
    result = assemble_result(judged, {r["id"]: r["date"] for r in ids_dates}, summary)
    write_outputs(out_dir, result)
    return result


def _shingle_partition(rows: Iterable[Any]) -> Iterator[tuple[int, list[int]]]:
    for row in rows:
        yield row["n"], shingles(row["text"]).view(np.int64).tolist()


def _boilerplate(shingle_rows: Any, max_df: int) -> np.ndarray:
    frequent = (
        shingle_rows.flatMap(lambda row: [(h, 1) for h in set(row[1])])
        .reduceByKey(lambda x, y: x + y)
        .filter(lambda kv: kv[1] > max_df)
        .keys()
        .collect()
    )
    return np.sort(np.array(frequent, dtype=np.int64).view(np.uint64))


def _posting_partition(
    rows: Iterable[Any], window: int, offset: int, boiler: np.ndarray
) -> Iterator[tuple[int, int]]:
    numbers, sets = [], []
    for n, values in rows:
        numbers.append(n)
        sets.append(np.array(values, dtype=np.int64).view(np.uint64))
    if not sets:
        return
    hashes, keys = window_postings(sets, window, offset, boiler)
    # window_postings numbers documents by position in this partition; restore corpus numbers.
    local = keys >> CHUNK_BITS
    corpus = np.array(numbers, dtype=np.int64)[local]
    keys = (corpus << CHUNK_BITS) | (keys & ((1 << CHUNK_BITS) - 1))
    yield from zip(hashes.tolist(), keys.tolist(), strict=True)


def _count_partition(rows: Iterable[Any], max_df: int) -> Iterator[tuple[int, int, int]]:
    pairs = [(row["hash"], row["key"]) for row in rows]
    if not pairs:
        return
    array = np.array(pairs, dtype=np.int64)
    order = np.lexsort((array[:, 1], array[:, 0]))
    a, b, count = window_pair_counts(array[order, 0], array[order, 1], max_df)
    yield from zip(a.tolist(), b.tolist(), count.tolist(), strict=True)


def _vector_partition(rows: Iterable[Any], model_name: str) -> Iterator[tuple[int, int, list[float]]]:
    from wiretrace.static import get_static_model

    model = get_static_model(model_name)
    for row in rows:
        spans = passages(row["text"])
        if not spans:
            continue
        vectors = model.encode([row["text"][p.start : p.end] for p in spans], batch_size=1024)
        for i, vector in enumerate(vectors):
            yield row["n"], i, vector.astype(np.float32).tolist()


def _judge(
    spark: Any,
    docs: Any,
    candidates: Candidates,
    options: ScanOptions,
    boiler_b: Any,
    schemas: dict[str, Any],
) -> list[PairResult]:
    from pyspark.sql import functions as spark_functions
    from pyspark.sql import types as spark_types

    if len(candidates) == 0:
        return []
    pair_schema = spark_types.StructType(
        [
            spark_types.StructField("n_a", spark_types.LongType(), False),
            spark_types.StructField("n_b", spark_types.LongType(), False),
            spark_types.StructField("similarity", spark_types.DoubleType(), False),
        ]
    )
    rows = [
        (a, b, float(s))
        for a, b, s in zip(
            candidates.a.tolist(), candidates.b.tolist(), candidates.similarity.tolist(), strict=True
        )
    ]
    pairs = spark.createDataFrame(rows, pair_schema)
    side_a = docs.select(*[spark_functions.col(c).alias(f"a_{c}") for c in _DOC_FIELDS])
    side_b = docs.select(*[spark_functions.col(c).alias(f"b_{c}") for c in _DOC_FIELDS])
    joined = pairs.join(side_a, pairs.n_a == side_a.a_n).join(side_b, pairs.n_b == side_b.b_n)
    judged = joined.rdd.mapPartitions(lambda part: _judge_partition(part, options, boiler_b.value))
    records = spark.createDataFrame(judged, schemas["judged"]).orderBy("n_a", "n_b").collect()
    return [PairResult.from_dict(json.loads(r["record"])) for r in records]


def _judge_partition(
    rows: Iterable[Any], options: ScanOptions, boiler: np.ndarray
) -> Iterator[tuple[int, int, str]]:
    tune_worker_collector()  # as the local engine's workers: judging keeps many objects alive
    cache = DocumentCache(options.pairs.layout)
    for row in rows:
        record_a = Record(*(row[f"a_{c}"] for c in _DOC_FIELDS[1:]))
        record_b = Record(*(row[f"b_{c}"] for c in _DOC_FIELDS[1:]))
        result = judge_pair(record_a, record_b, row["similarity"], options, boiler, cache)
        yield row["n_a"], row["n_b"], json.dumps(result.to_dict(), ensure_ascii=False)

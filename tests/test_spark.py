"""The Spark engine finds what the local engine finds: in local mode and through a standalone cluster."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.corpus_fixture import write_corpus
from wiretrace.scan import CandidateOptions, ScanOptions, scan

pyspark = pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java", allow_module_level=True)

OPTIONS = ScanOptions(workers=2, candidates=CandidateOptions(max_df=5))
SPARK_HOME = Path(pyspark.__file__).parent


@pytest.fixture(scope="module")
def corpus_and_local(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("spark")
    write_corpus(folder / "corpus.jsonl", distractor_count=6)
    scan([folder / "corpus.jsonl"], folder / "local", OPTIONS)
    return folder / "corpus.jsonl", folder / "local"


def _same_outputs(a: Path, b: Path) -> None:
    for name in ("pairs.jsonl", "families.jsonl"):
        assert (a / name).read_text() == (b / name).read_text(), name
    assert (a / "pairs.jsonl").read_text().count("\n") >= 5


def test_spark_local_mode_matches_the_local_engine(
    corpus_and_local: tuple[Path, Path], tmp_path: Path
) -> None:
    corpus, local = corpus_and_local
    result = scan([corpus], tmp_path / "spark", OPTIONS, engine="spark", master="local[2]")
    assert result.summary.engine == "spark"
    _same_outputs(local, tmp_path / "spark")
    assert (tmp_path / "spark" / "pairs.parquet").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"nothing listens on port {port}")


@pytest.fixture
def standalone_cluster(tmp_path: Path) -> Iterator[str]:
    port, ui = _free_port(), _free_port()
    env = {
        **os.environ,
        "SPARK_HOME": str(SPARK_HOME),
        "SPARK_LOG_DIR": str(tmp_path / "logs"),
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    master_cmd = [
        spark_class,
        "org.apache.spark.deploy.master.Master",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    master = subprocess.Popen(
        [*master_cmd, "--webui-port", str(ui)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"spark://127.0.0.1:{port}"
    worker = subprocess.Popen(
        [
            spark_class,
            "org.apache.spark.deploy.worker.Worker",
            url,
            "--host",
            "127.0.0.1",
            "--cores",
            "2",
            "--memory",
            "2g",
            "--webui-port",
            str(_free_port()),
            "--work-dir",
            str(tmp_path / "work"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        time.sleep(3)  # the worker registers with the master
        yield url
    finally:
        for process in (worker, master):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_spark_standalone_cluster_matches_the_local_engine(
    corpus_and_local: tuple[Path, Path], tmp_path: Path, standalone_cluster: str
) -> None:
    corpus, local = corpus_and_local
    result = scan([corpus], tmp_path / "cluster", OPTIONS, engine="spark", master=standalone_cluster)
    assert result.summary.engine == "spark"
    _same_outputs(local, tmp_path / "cluster")

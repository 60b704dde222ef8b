"""Corpus scan: readers, candidates, judging, families, outputs, resume and bad input."""

from __future__ import annotations

import bz2
import gzip
import importlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import SHARED, WIRETRACE
from tests.corpus_fixture import BOILERPLATE, REWRITES, STORIES, write_corpus
from wiretrace.errors import WiretraceError
from wiretrace.scan import CandidateOptions, Problem, Record, ScanOptions, read_corpus, read_outputs, scan
from wiretrace.scan.candidates import lexical_candidates
from wiretrace.scan.families import WHOLE_FAMILY_LIMIT, build_families
from wiretrace.scan.features import passages, shingles
from wiretrace.scan.pairs import PairResult, in_sorted

OPTIONS = ScanOptions(workers=1, candidates=CandidateOptions(max_df=5))


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], object]:
    folder = tmp_path_factory.mktemp("scan")
    truth = write_corpus(folder / "corpus.jsonl")
    result = scan([folder / "corpus.jsonl"], folder / "out", OPTIONS)
    return folder, truth, result


def _related(result: object) -> set[frozenset[str]]:
    return {frozenset((p.a, p.b)) for p in result.pairs}  # type: ignore[attr-defined]


# -- readers -------------------------------------------------------------------------------


def test_reader_reports_bad_lines_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(
        b'{"id": "a", "text": "Rain fell in Paris."}\n'
        b'{"id": "b", "text": \n'
        b'{"id": "c"}\n'
        b'{"id": "a", "text": "Again."}\n'
        b'["not", "an", "object"]\n'
        b'{"id": "d", "text": "caf\xe9"}\n'
        b'{"id": "e", "text": "Snow fell in Oslo."}\n'
    )
    items = list(read_corpus([path]))
    assert [i.id for i in items if isinstance(i, Record)] == ["a", "e"]
    problems = [str(i) for i in items if isinstance(i, Problem)]
    assert problems[0].startswith(f"{path}:2: malformed JSON")
    assert problems[1] == f"{path}:3: no 'text' field, or it is empty; skipped"
    assert problems[2].startswith(f"{path}:4: duplicate id 'a' (first at {path}:1)")
    assert problems[3].startswith(f"{path}:5: a line must hold a JSON object")
    assert problems[4] == f"{path}:6: not UTF-8; skipped"


def test_reader_folders_skip_empty_and_binary_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("Rain fell in Paris on Monday.")
    (tmp_path / "sub" / "b.txt.gz").write_bytes(gzip.compress(b"Snow fell in Oslo on Tuesday."))
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "blob.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "notes.md").write_text("ignored: not a corpus file type")
    items = list(read_corpus([tmp_path]))
    assert sorted(i.id for i in items if isinstance(i, Record)) == ["a.txt", "sub/b.txt.gz"]
    reasons = sorted(str(i) for i in items if isinstance(i, Problem))
    assert len(reasons) == 2
    assert "binary" in reasons[0] and reasons[0].startswith(str(tmp_path / "blob.txt"))
    assert "empty" in reasons[1]


def test_reader_csv_with_column_mapping_and_bz2(tmp_path: Path) -> None:
    path = tmp_path / "c.csv.bz2"
    path.write_bytes(bz2.compress(b'article_id,body,pub\nx1,"Rain fell, hard.",2024-01-02\nx2,,2024-01-03\n'))
    items = list(read_corpus([path], columns={"id": "article_id", "text": "body", "date": "pub"}))
    assert items[0] == Record("x1", "Rain fell, hard.", date="2024-01-02", origin=f"{path}:2")
    assert isinstance(items[1], Problem) and "'body'" in items[1].reason


def test_reader_refuses_unknown_inputs(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(WiretraceError, match="not a folder"):
        list(read_corpus([tmp_path / "x.pdf"]))
    with pytest.raises(WiretraceError, match="no such file"):
        list(read_corpus([tmp_path / "missing.jsonl"]))


# -- candidates ----------------------------------------------------------------------------


def test_shingles_survive_function_word_edits_and_candidates_need_a_dense_window() -> None:
    wire = STORIES["wire-floods"][1]
    brief = REWRITES["paper-floods"][2]
    unrelated = STORIES["wire-airline"][1]
    sets = [shingles(wire), shingles(brief), shingles(unrelated)]
    a, b, shared = lexical_candidates(sets, CandidateOptions(max_df=50))
    pairs = {(x, y): s for x, y, s in zip(a.tolist(), b.tolist(), shared.tolist(), strict=True)}
    assert pairs.get((0, 1), 0) >= 10
    assert (0, 2) not in pairs and (1, 2) not in pairs


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["Geneva", "talks", "4.5%", "\u00e9t\u00e9", "x"]), max_size=140),
    st.lists(st.sampled_from([" ", "\n", "  \t", "\u00a0", "\u2003"]), min_size=1),
    st.integers(min_value=1, max_value=12),
)
def test_passages_cut_every_word_once_into_stretches_of_the_asked_length(
    words: list[str], gaps: list[str], size: int
) -> None:
    text = "".join(word + gaps[k % len(gaps)] for k, word in enumerate(words))
    found = passages(text, words=size)
    counts = [len(text[p.start : p.end].split()) for p in found]
    assert " ".join(text[p.start : p.end] for p in found).split() == text.split()
    assert all(a.end < b.start for a, b in itertools.pairwise(found))
    assert all(n == size for n in counts[:-1])
    if len(counts) > 1:
        assert size // 2 <= counts[-1] < size + size // 2 + 1


# -- scan results --------------------------------------------------------------------------


def test_scan_finds_every_rewrite_and_nothing_between_unrelated_stories(scanned) -> None:
    _, truth, result = scanned
    related = _related(result)
    for rewrite, source in truth.items():
        assert frozenset((rewrite, source)) in related
    stories = {**{k: k for k in STORIES}, **truth}
    for pair in related:
        x, y = sorted(pair)
        assert stories.get(x) == stories.get(y), f"{x} and {y} tell different stories"


def test_boilerplate_shared_by_unrelated_documents_creates_no_relation(scanned) -> None:
    _, _, result = scanned
    assert not [p for p in result.pairs if p.a.startswith("other-") or p.b.startswith("other-")]
    assert all(not m.startswith("other-") for f in result.families for m in f.members)


def test_families_name_the_original_by_date_with_edges_pointing_away_from_it(scanned) -> None:
    _, _, result = scanned
    floods = next(f for f in result.families if "wire-floods" in f.members)
    assert floods.members == ["paper-floods", "site-floods", "wire-floods"]
    assert floods.originals == ["wire-floods"]
    assert {(e["source"], e["target"]) for e in floods.edges} == {
        ("wire-floods", "paper-floods"),
        ("wire-floods", "site-floods"),
        ("paper-floods", "site-floods"),
    }


def test_pair_records_carry_offsets_into_both_texts(scanned) -> None:
    folder, _, result = scanned
    texts = {json.loads(line)["id"]: json.loads(line)["text"] for line in (folder / "corpus.jsonl").open()}
    pair = next(p for p in result.pairs if {p.a, p.b} == {"wire-election", "paper-election"})
    assert pair.source == "wire-election" and pair.verdict["derived"] == "wholly"
    verbatim = [s for link in pair.links for s in link["spans"]]
    assert verbatim
    for span in verbatim:
        a_text = texts[pair.a][span["a"][0] : span["a"][1]]
        b_text = texts[pair.b][span["b"][0] : span["b"][1]]
        assert a_text.lower() == b_text.lower() and len(a_text.split()) >= 3


def test_outputs_are_written_and_read_back(scanned) -> None:
    folder, _, result = scanned
    out = folder / "out"
    back = read_outputs(out)
    assert [p.to_dict() for p in back.pairs] == [p.to_dict() for p in result.pairs]
    families = [json.loads(line) for line in (out / "families.jsonl").open()]
    assert all({"family", "members", "originals", "edges"} <= f.keys() for f in families)
    assert pq.read_table(out / "pairs.parquet").num_rows == len(result.pairs)
    assert pq.read_table(out / "families.parquet").column("members").to_pylist() == [
        f["members"] for f in families
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == 19 and summary["related_pairs"] == len(result.pairs)
    assert not list(out.glob("*.part")) and not list(out.glob(".*.part"))
    frame = result.pairs_frame()
    assert list(frame["a"]) == [p.a for p in result.pairs]


def test_rescanning_with_other_settings_is_refused_without_fresh(scanned) -> None:
    folder, _, _ = scanned
    other = ScanOptions(workers=1, candidates=CandidateOptions(max_df=7))
    with pytest.raises(WiretraceError, match="--fresh"):
        scan([folder / "corpus.jsonl"], folder / "out", other)


def test_families_never_form_cycles_and_the_least_certain_edge_gives_way() -> None:
    def pair(a: str, b: str, source: str, containment: float) -> PairResult:
        target = b if source == a else a
        return PairResult(a, b, True, source=source, target=target, verdict={"containment": containment})

    families = build_families([pair("x", "y", "x", 0.9), pair("y", "z", "y", 0.8), pair("x", "z", "z", 0.3)])
    edges = {(e["source"], e["target"]): e["direction"] for e in families[0].edges}
    assert edges == {("x", "y"): "known", ("y", "z"): "known", ("x", "z"): "unknown"}
    assert families[0].originals == ["x"]


def test_a_chain_of_partial_relations_does_not_join_two_stories_into_one_family() -> None:
    links = [{"a": [[0, 10]], "b": [[0, 10]]}] * 6

    def story(wire: str, papers: int) -> list[PairResult]:
        # Each rewrite shares six sentences with the wire and with every other rewrite.
        members = [wire] + [f"{wire}-paper{i}" for i in range(papers)]
        return [
            PairResult(a, b, True, source=a, target=b, verdict={"containment": 0.9}, links=links)
            for k, a in enumerate(members)
            for b in members[k + 1 :]
        ]

    # One stock background sentence, repeated in a paper of each story.
    bridge = PairResult("floods-paper0", "quake-paper0", True, links=links[:1], verdict={"containment": 0.05})
    families = build_families(
        [*story("floods", WHOLE_FAMILY_LIMIT), *story("quake", WHOLE_FAMILY_LIMIT), bridge]
    )
    assert [len(f.members) for f in families] == [WHOLE_FAMILY_LIMIT + 1] * 2
    assert {f.originals[0] for f in families} == {"floods", "quake"}
    assert not any(
        {"floods-paper0", "quake-paper0"} <= {e["source"], e["target"]} for f in families for e in f.edges
    )
    # The same pairs in another order give the same families.
    shuffled = build_families(
        [bridge, *reversed(story("quake", WHOLE_FAMILY_LIMIT)), *story("floods", WHOLE_FAMILY_LIMIT)]
    )
    assert [f.to_dict() for f in shuffled] == [f.to_dict() for f in families]


def test_split_families_are_the_same_in_every_process() -> None:
    # Engines build families in different processes, each with its own string hash seed.
    program = (
        "import json; from wiretrace.scan.pairs import PairResult; "
        "from wiretrace.scan.families import build_families; "
        "pairs = [PairResult(f'd{i}', f'd{(i * 7 + k) % 90}', True, links=[{}] * (1 + i % 3)) "
        "for i in range(90) for k in (1, 2)]; "
        "print(json.dumps([f.to_dict() for f in build_families(pairs)]))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
    assert len(json.loads(outputs.pop())) > 1  # the 90 documents were split


def test_small_groups_stay_whole_even_as_a_chain() -> None:
    chain = [PairResult(f"d{i}", f"d{i + 1}", True, source=f"d{i}", target=f"d{i + 1}") for i in range(5)]
    [family] = build_families(chain)
    assert family.members == [f"d{i}" for i in range(6)]
    assert family.originals == ["d0"]


# -- command line, resume, bad input ------------------------------------------------------


def _run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(WIRETRACE), *args], capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]


def test_cli_scan_reports_skipped_documents_and_keeps_going(tmp_path: Path) -> None:
    corpus = tmp_path / "in"
    corpus.mkdir()
    write_corpus(corpus / "news.jsonl", distractor_count=2)
    with (corpus / "news.jsonl").open("a") as handle:
        handle.write('{"id": "broken", "text": \n{"id": "wire-floods", "text": "duplicate"}\n')
    (corpus / "empty.txt").write_text("")
    (corpus / "blob.txt").write_bytes(b"\x00\x01\x02" * 100)
    done = _run(
        "scan",
        str(corpus),
        str(corpus / "news.jsonl"),
        "--out",
        str(tmp_path / "out"),
        "-w",
        "1",
        "--max-df",
        "5",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert len(summary["skipped"]) == 4
    assert any("news.jsonl:10: malformed JSON" in s for s in summary["skipped"])
    assert any("duplicate id 'wire-floods'" in s for s in summary["skipped"])
    assert summary["related_pairs"] >= 4
    assert "skipped:" in done.stderr


def test_cli_scan_errors_are_one_line(tmp_path: Path) -> None:
    done = _run("scan", str(tmp_path / "nothing.jsonl"), "--out", str(tmp_path / "out"))
    assert done.returncode == 2
    assert "no such file" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(not (SHARED / "data" / "reuters21578").is_dir(), reason="../shared/data is not present")
def test_killed_scan_resumes_without_losing_or_repeating_pairs(tmp_path: Path) -> None:
    from bench.scan_corpus import reuters_documents

    corpus = tmp_path / "reuters.jsonl"
    with corpus.open("w") as handle:
        for k, record in enumerate(reuters_documents(SHARED / "data" / "reuters21578")):
            if k >= 1500:
                break
            handle.write(json.dumps(record) + "\n")
    args = ["scan", str(corpus), "-w", "1", "--no-semantic"]
    clean = _run(*args, "--out", str(tmp_path / "clean"))
    assert clean.returncode == 0, clean.stderr
    out = tmp_path / "killed"
    process = subprocess.Popen([str(WIRETRACE), *args, "--out", str(out)], stderr=subprocess.DEVNULL)
    log = out / ".wiretrace-scan" / "checked.jsonl"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not log.exists() or log.stat().st_size < 20_000):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / "pairs.jsonl").exists(), "the run finished before it could be killed"
    resumed = _run(*args, "--out", str(out))
    assert resumed.returncode == 0, resumed.stderr
    assert (out / "pairs.jsonl").read_text() == (tmp_path / "clean" / "pairs.jsonl").read_text()
    assert (out / "families.jsonl").read_text() == (tmp_path / "clean" / "families.jsonl").read_text()
    checked = [json.loads(line) for line in log.open()]
    keys = [(r["n_a"], r["n_b"]) for r in checked]
    assert len(keys) == len(set(keys)) == json.loads((out / "summary.json").read_text())["candidates"]


def test_window_count_ignores_boilerplate() -> None:
    from wiretrace.scan.pairs import window_shared

    a = shingles("Officials met in Geneva. " + BOILERPLATE)
    b = shingles("Farmers protested in Lyon. " + BOILERPLATE)
    assert window_shared(a, b, np.zeros(0, dtype=np.uint64), 60) >= 10
    assert window_shared(a, b, np.unique(shingles(BOILERPLATE)), 60) == 0


def test_window_count_is_the_densest_window_of_shared_shingles_on_the_sparser_side() -> None:
    from wiretrace.scan.pairs import window_shared

    def by_definition(a: np.ndarray, b: np.ndarray, boilerplate: np.ndarray, window: int) -> int:
        common = (set(a.tolist()) & set(b.tolist())) - set(boilerplate.tolist())

        def densest(values: np.ndarray) -> int:
            hits = [v in common for v in values.tolist()]
            return max(sum(hits[k : k + window]) for k in range(max(1, len(hits) - window + 1)))

        return min(densest(a), densest(b)) if common else 0

    rng = np.random.default_rng(7)
    for _ in range(300):
        a = rng.integers(0, 40, size=int(rng.integers(0, 90)), dtype=np.uint64)
        b = rng.integers(0, 40, size=int(rng.integers(0, 90)), dtype=np.uint64)
        boilerplate = np.unique(rng.integers(0, 40, size=int(rng.integers(0, 6)), dtype=np.uint64))
        window = int(rng.integers(1, 30))
        assert window_shared(a, b, boilerplate, window) == by_definition(a, b, boilerplate, window)


def test_top_level_api_scans_and_returns_typed_frames(tmp_path: Path) -> None:
    import wiretrace

    write_corpus(tmp_path / "c.jsonl", distractor_count=2)
    result = wiretrace.scan(tmp_path / "c.jsonl", tmp_path / "out", OPTIONS)
    assert isinstance(result, wiretrace.ScanResult)
    frame = result.families_frame()
    assert list(frame.columns) == ["family", "members", "originals", "edges"]
    assert sorted(frame["members"].map(len)) == [2, 2, 3]


def test_passage_similarity_alone_needs_strong_evidence_to_reach_the_compare_engine() -> None:
    from wiretrace.scan.pairs import DocumentCache, PairOptions, relate

    wire = Record("w", STORIES["wire-floods"][1])
    other = Record("o", STORIES["wire-airline"][1])
    brief = Record("b", REWRITES["paper-floods"][2])
    cache = DocumentCache(layout=False)
    topical = relate(wire, other, PairOptions(), similarity=0.9, semantic_threshold=0.86, cache=cache)
    assert not topical.related and topical.shared < 2 and topical.verdict == {}
    copied = relate(wire, brief, PairOptions(), similarity=0.0, semantic_threshold=0.86, cache=cache)
    assert copied.related and copied.verdict["derived"] == "wholly" and copied.shared >= 5


def test_a_cache_remembers_boilerplate_checks_only_for_the_boilerplate_it_was_given() -> None:
    from wiretrace.scan.pairs import DocumentCache, is_boilerplate

    sign_off = BOILERPLATE
    stock = np.unique(shingles(sign_off))
    cache = DocumentCache(layout=False)
    assert cache.is_boilerplate(sign_off, stock) == is_boilerplate(sign_off, stock) is True
    # Another corpus's boilerplate: the remembered answer must not carry over.
    assert cache.is_boilerplate(sign_off, np.zeros(0, dtype=np.uint64)) is False
    assert cache.is_boilerplate(sign_off, stock) is True
    story = STORIES["wire-floods"][1]
    assert cache.is_boilerplate(story, stock) == is_boilerplate(story, stock) is False


def test_judged_pairs_written_as_lines_read_back_as_records(tmp_path: Path) -> None:
    from wiretrace.scan.store import CheckedWriter, ScanStore, checked_line

    store = ScanStore(tmp_path, "fingerprint")
    records = [
        {"n_a": 0, "n_b": 1, **PairResult("a", "b", related=False, shared=3).to_dict()},
        {"n_a": 0, "n_b": 2, **PairResult("a", "c\u00e9<script>", related=True, source="a").to_dict()},
    ]
    with store.append_checked() as writer:
        assert isinstance(writer, CheckedWriter)
        writer.write(records[0])
        writer.write_line(checked_line(records[1]))
    assert store.checked_pairs() == records


def test_judging_jobs_hold_every_candidate_once_and_keep_neighbours_together() -> None:
    from wiretrace.scan.local import _PAIRS_PER_JOB, _cache_friendly_jobs

    # Two chains of documents, numbered so that numeric order interleaves them.
    chain_a = [0, 2, 4, 6, 8, 10]
    chain_b = [1, 3, 5, 7, 9, 11]
    todo = [(min(x, y), max(x, y), 0.5) for chain in (chain_a, chain_b) for x, y in itertools.pairwise(chain)]
    todo += [(0, n, 0.1) for n in range(12, 12 + 3 * _PAIRS_PER_JOB)]  # one hub with many pairs
    jobs = _cache_friendly_jobs(sorted(todo))
    assert sorted(p for job in jobs for p in job) == sorted(todo)
    assert all(0 < len(job) <= _PAIRS_PER_JOB for job in jobs)
    for job in jobs:  # a job is the pairs of one document
        assert len(set.intersection(*({a, b} for a, b, _ in job))) >= 1
    # Each chain is judged in one stretch, not interleaved with the other.
    order = [p for job in jobs for p in job]
    for chain in (chain_a, chain_b):
        places = [i for i, (a, b, _) in enumerate(order) if a in chain and b in chain]
        assert places == list(range(places[0], places[0] + len(places)))


def test_membership_by_binary_search_agrees_with_isin() -> None:
    rng = np.random.default_rng(7)
    sorted_distinct = np.unique(rng.integers(0, 2**63, size=300, dtype=np.uint64))
    values = np.concatenate(
        [rng.choice(sorted_distinct, 50), rng.integers(0, 2**63, size=50, dtype=np.uint64)]
    )
    values = np.concatenate([values, [np.uint64(2**64 - 1), np.uint64(0)]]).astype(np.uint64)
    assert in_sorted(values, sorted_distinct).tolist() == np.isin(values, sorted_distinct).tolist()
    assert not in_sorted(values, np.zeros(0, dtype=np.uint64)).any()


def test_units_cut_in_the_features_stage_are_the_segmenters_and_spare_cutting_again(
    scanned, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wiretrace.document import Document, units_as_array
    from wiretrace.scan import pairs
    from wiretrace.scan.local import _stored_units
    from wiretrace.scan.store import ScanStore
    from wiretrace.segment import segment

    folder, _, _ = scanned
    store = ScanStore(folder / "out", OPTIONS.fingerprint([folder / "corpus.jsonl"]))
    stored = _stored_units(store)
    assert stored is not None
    rows, bounds = stored
    records = list(store.records())
    assert len(bounds) == len(records) + 1
    cache = pairs.DocumentCache(OPTIONS.pairs.layout)
    for number, record in records:
        mine = rows[bounds[number] : bounds[number + 1]]
        fresh = units_as_array(segment(Document(record.id, record.text), layout=OPTIONS.pairs.layout))
        assert mine.tolist() == fresh.tolist()
        cache.add_units(record, mine)

    def no_cutting(*_: object, **__: object) -> None:
        raise AssertionError("a document with stored units was segmented again")

    monkeypatch.setattr(pairs, "segment", no_cutting)
    for _, record in records:
        doc, profiles = cache.get(record)
        assert [(u.start, u.end) for u in doc.units] == [(p.unit.start, p.unit.end) for p in profiles]
        assert all(record.text[u.start : u.end] == u.text for u in doc.units)


def test_a_checkpoint_without_stored_units_is_judged_by_segmenting(tmp_path: Path) -> None:
    from wiretrace.scan.local import _stored_units
    from wiretrace.scan.store import ScanStore

    store = ScanStore(tmp_path, "f")
    store.save_arrays("features", shingles=np.zeros(0, dtype=np.uint64), lengths=np.zeros(0, dtype=np.int64))
    assert _stored_units(store) is None


def test_large_vector_indexes_find_near_duplicates_and_score_them_exactly() -> None:
    from wiretrace.scan.candidates import _EXACT_SEARCH_LIMIT, nearest, vector_index

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(_EXACT_SEARCH_LIMIT + 1000, 16)).astype(np.float32)
    planted = np.arange(0, 2000, 2)
    vectors[planted + 1] = vectors[planted] + rng.normal(scale=0.05, size=(len(planted), 16))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = vector_index(vectors)
    assert index.ntotal == len(vectors)
    sims, found = nearest(index, vectors, vectors[planted], 2)
    assert (found[:, 1] == planted + 1).mean() > 0.95  # half precision, inverted lists: nearly all
    exact = np.einsum("qd,qkd->qk", vectors[planted], vectors[found])
    assert np.array_equal(sims, exact)


def _crowded_topic(documents: int, crowd: float, pair: float) -> tuple[np.ndarray, np.ndarray]:
    """One passage per document, every two ``crowd`` alike, except documents 0 and 1: ``pair``."""
    dim = documents + 1
    topic = np.eye(dim)[0]
    own = np.eye(dim)[1:]
    vectors = np.sqrt(crowd) * topic + np.sqrt(1 - crowd) * own
    turn = (pair - crowd) / (1 - crowd)  # the cosine between the two documents' own parts
    vectors[1] = np.sqrt(crowd) * topic + np.sqrt(1 - crowd) * (turn * own[0] + np.sqrt(1 - turn**2) * own[1])
    return vectors.astype(np.float32), np.arange(documents, dtype=np.int64)


def test_a_passage_pair_that_stands_out_from_a_crowded_topic_is_a_candidate() -> None:
    from dataclasses import replace

    from wiretrace.scan.candidates import semantic_candidates

    vectors, owners = _crowded_topic(documents=24, crowd=0.8, pair=0.85)
    a, b, similarity = semantic_candidates(vectors, owners, CandidateOptions())
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 1)]
    assert similarity.tolist() == pytest.approx([0.85], abs=1e-4)
    no_margin = replace(CandidateOptions(), margin=float("inf"))
    assert len(semantic_candidates(vectors, owners, no_margin)[0]) == 0
    # In a topic that crowded, the same pair no longer stands out.
    vectors, owners = _crowded_topic(documents=24, crowd=0.84, pair=0.85)
    assert len(semantic_candidates(vectors, owners, CandidateOptions())[0]) == 0


def test_neighbourhood_similarity_counts_only_other_documents_and_at_most_its_size() -> None:
    from wiretrace.scan.candidates import neighbourhood_similarity

    sims = np.array([[1.0, 0.95, 0.9, 0.6, 0.5], [1.0, 0.9, 0.8, 0.7, 0.6], [1.0, 0.5, 0.4, 0.3, 0.2]])
    other = np.array([[False, False, True, True, True], [False, True, True, True, True], [False] * 5])
    found = neighbourhood_similarity(sims.astype(np.float32), other, size=2)
    assert found[:2].tolist() == pytest.approx([0.75, 0.85])
    assert np.isnan(found[2])


@pytest.mark.parametrize(
    ("shared", "similarity", "compared"),
    [
        (5, 0.0, True),  # enough shingles whatever the similarity
        (4, 0.0, False),  # found by shingles, too few of them
        (2, 0.9, True),  # found by passage similarity above the threshold
        (1, 0.9, False),
        (3, 0.8, True),  # found by its margin: needs one shingle more
        (2, 0.8, False),
        (0, 0.95, True),  # passages alike enough to need nothing else
    ],
)
def test_which_candidates_reach_the_compare_engine(shared: int, similarity: float, compared: bool) -> None:
    from wiretrace.scan.pairs import PairOptions, _worth_comparing

    assert _worth_comparing(shared, similarity, 0.86, PairOptions()) is compared


# Written for these tests: a council story, and the same wording about another town.
_COUNCIL = (
    "The city council of Norbury approved a budget of 42 million euros on Tuesday after a debate that "
    "lasted until midnight. Mayor Helen Ashdown said the money would pay for new bus lanes, two libraries "
    "and repairs to the old harbour wall. Opposition members argued that the plan left too little for "
    "schools and asked for a second vote next spring. The budget takes effect in January and will be "
    "reviewed by the regional auditor in the autumn."
)
_HARBOUR = (
    "Fishing boats stayed in port for a third day as storms crossed the northern coast. Forecasters expect "
    "calmer weather by the weekend, when the ferry to the islands should run again."
)


def test_passages_relate_a_pair_unless_they_are_a_template_or_boilerplate() -> None:
    from wiretrace.scan.pairs import DocumentCache, PairOptions, _with_passages

    cache = DocumentCache(layout=False)
    source = Record("src", f"{_HARBOUR}\n\n{_COUNCIL}")
    template = (
        _COUNCIL.replace("Norbury", "Eastwick")
        .replace("Helen Ashdown", "Robert Quill")
        .replace("two libraries", "three libraries")
    )
    nothing = np.zeros(0, dtype=np.uint64)

    def judged(story: str, boilerplate: np.ndarray = nothing) -> PairResult:
        page = Record(
            "page", f"Readers wrote to us about many things this week. {story} We will report again."
        )
        unjudged = PairResult("src", "page", related=False)
        return _with_passages(unjudged, cache.get(source), cache.get(page), boilerplate, PairOptions())

    reused = judged(_COUNCIL)
    assert reused.related and reused.verdict["derived"] == "partially"
    assert 0 < reused.verdict["containment"] < 1
    [passage] = reused.passages
    a_start, a_end = passage["a"]
    assert source.text[a_start:a_end].startswith("The city council of Norbury")
    # The same wording about another town, mayor and figures is a template, not reuse.
    assert not judged(template).related
    # Text the corpus repeats everywhere is boilerplate, not reuse.
    assert not judged(_COUNCIL, boilerplate=np.unique(shingles(_COUNCIL))).related


def _wire_and_page() -> tuple[Record, Record, int, int, int]:
    """A dated wire story and a later page that carries one of its paragraphs: both records,
    where the paragraph starts in each, and its length."""
    wire = Record("wire", f"{_HARBOUR}\n\n{_COUNCIL}", date="2024-03-01")
    page = Record(
        "page", f"Readers wrote to us this week. {_COUNCIL} We will report again.", date="2024-03-02"
    )
    return wire, page, wire.text.index(_COUNCIL), page.text.index(_COUNCIL), len(_COUNCIL)


def _pairs_module() -> ModuleType:
    # By path: the package ``wiretrace`` exports a function named ``scan``.
    return importlib.import_module("wiretrace.scan.pairs")


def test_a_pair_whose_lexical_passages_fall_short_is_linked_again_with_sentence_vectors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wiretrace.align import Profile
    from wiretrace.pan.detect import Passage, PassageOptions

    pairs = _pairs_module()
    cache = pairs.DocumentCache(layout=False)
    wire, page, in_wire, in_page, span = _wire_and_page()
    asked: list[float] = []

    def loose_then_firm(
        suspicious: list[Profile], source: list[Profile], align: object, options: PassageOptions, **kw: object
    ) -> list[Passage]:
        asked.append(options.vector_weight)
        if not lexical_passages:
            return []
        # Lexical links give a passage too loose to relate the pair; vectors raise its links.
        mean = 0.3 if options.vector_weight == 0 else 0.55
        return [Passage(in_page, in_page + span, in_wire, in_wire + span, links=3, best=0.6, mean=mean)]

    monkeypatch.setattr(pairs, "detect_passages", loose_then_firm)

    def judged(vectors: bool = True) -> PairResult:
        unjudged = PairResult("wire", "page", related=False)
        nothing = np.zeros(0, dtype=np.uint64)
        options = pairs.PairOptions(passage_vectors=vectors)
        return pairs._with_passages(unjudged, cache.get(wire), cache.get(page), nothing, options)

    lexical_passages = True
    assert judged().related
    assert asked == [0.0, pairs._SCAN_VECTOR_PASSAGES.vector_weight] and asked[1] > 0
    # Without the option (the default), the loose lexical passage is all there is.
    asked[:] = []
    assert not judged(vectors=False).related
    assert asked == [0.0, 0.0]
    # A pair without any lexical passage in either reading is not linked again.
    lexical_passages, asked[:] = False, []
    assert not judged().related
    assert asked == [0.0, 0.0]


def test_passages_found_only_when_the_original_is_read_as_the_rewrite_still_relate_the_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wiretrace.align import Profile
    from wiretrace.pan.detect import Passage

    pairs = _pairs_module()
    cache = pairs.DocumentCache(layout=False)
    # The dates call the wire story the original; the detector finds the passage only when
    # it reads the wire story as the rewrite, as its asymmetric rules sometimes do.
    wire, page, in_wire, in_page, span = _wire_and_page()

    def one_reading(
        suspicious: list[Profile], source: list[Profile], *args: object, **kw: object
    ) -> list[Passage]:
        if suspicious[0].unit.text != cache.get(wire)[1][0].unit.text:
            return []
        # Scores rescored with sentence vectors are numpy floats; the record must still be JSON.
        mean = np.float32(0.6)
        return [Passage(in_wire, in_wire + span, in_page, in_page + span, links=3, best=0.7, mean=mean)]

    monkeypatch.setattr(pairs, "detect_passages", one_reading)
    unjudged = PairResult("wire", "page", related=False)
    judged = pairs._with_passages(
        unjudged, cache.get(wire), cache.get(page), np.zeros(0, dtype=np.uint64), pairs.PairOptions()
    )
    assert judged.related and (judged.source, judged.target) == ("wire", "page")
    assert judged.passages == [
        {"a": [in_wire, in_wire + span], "b": [in_page, in_page + span], "links": 3, "mean": 0.6}
    ]
    assert json.loads(json.dumps(judged.to_dict()))["passages"][0]["mean"] == 0.6
    # Containment is the share of the rewrite (the page) that the passage covers.
    assert judged.verdict["containment"] == round(span / len(page.text), 4)
    assert judged.verdict["coverage"] == round(span / len(wire.text), 4)


def _collector_state(_: int) -> tuple[tuple[int, int, int], int]:
    import gc

    return gc.get_threshold(), gc.get_freeze_count()


def test_scan_workers_collect_garbage_rarely_and_this_process_is_left_as_it_was() -> None:
    import gc

    from wiretrace.collector import WORKER_THRESHOLDS

    local = importlib.import_module("wiretrace.scan.local")
    before = gc.get_threshold()
    with local._process_pool(2) as pool:
        in_workers = pool.map(_collector_state, range(4))
    assert {threshold for threshold, _ in in_workers} == {WORKER_THRESHOLDS}
    assert all(frozen > 0 for _, frozen in in_workers)  # what the parent held is never rescanned
    with local._process_pool(1) as pool:
        assert pool is None and _collector_state(0)[0] == WORKER_THRESHOLDS
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0

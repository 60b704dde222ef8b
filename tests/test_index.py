"""Monitoring index: adding, idempotence, matching, search, concurrent readers, kills."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import WIRETRACE
from tests.corpus_fixture import REWRITES, STORIES, distractors
from wiretrace import index as index_module
from wiretrace.align import unit_facts
from wiretrace.document import Document
from wiretrace.errors import InputError
from wiretrace.index import Index, _decode_facts
from wiretrace.scan.records import Record
from wiretrace.segment import segment


def _stories() -> list[Record]:
    return [Record(doc_id, text, date=date) for doc_id, (date, text) in STORIES.items()]


@pytest.fixture
def index(tmp_path: Path) -> Index:
    store = Index(tmp_path / "wire.db")
    store.add_records(_stories())
    return store


def test_adding_again_changes_nothing_and_new_text_replaces(index: Index) -> None:
    again = index.add_records(_stories())
    assert (again.added, again.unchanged, again.replaced) == (0, 3, 0)
    changed = index.add_records([Record("wire-airline", STORIES["wire-airline"][1] + " Updated at noon.")])
    assert changed.replaced == 1 and len(index) == 3
    assert index.get("wire-airline").text.endswith("Updated at noon.")


def test_match_names_the_source_of_each_rewrite_with_compare_reports(index: Index) -> None:
    for rewrite_id, (date, source_id, text) in REWRITES.items():
        if rewrite_id == "paper-floods" or rewrite_id == "site-floods":
            expected = {"wire-floods"}
        else:
            expected = {source_id}
        found = index.match(Record(rewrite_id, text, date=date))
        assert {m.source for m in found} == expected, rewrite_id
        report = found[0].to_dict()["report"]
        assert report["verdict"]["derived"] in ("wholly", "partially")
        assert report["links"] and report["facts"]["kept"]


def test_match_finds_nothing_for_an_unrelated_article(index: Index) -> None:
    _, text = distractors(1)[0]
    assert index.match(Record("other", text)) == []


def test_a_trained_vector_index_is_kept_beside_the_database_for_the_next_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wiretrace.scan import candidates

    # Inverted lists, which must be trained, are what large indexes use; make these small
    # stories large enough to get them.
    monkeypatch.setattr(candidates, "_EXACT_SEARCH_LIMIT", 4)
    path = tmp_path / "wire.db"
    with Index(path) as store:
        store.add_records(
            _stories() + [Record(f"other-{k}", text) for k, (_, text) in enumerate(distractors(30))]
        )
        _, source_id, text = REWRITES["blog-airline"]
        assert [m.source for m in store.match(Record("story", text))] == [source_id]
    [kept] = tmp_path.glob("wire.db.*.faiss")

    def untrained(*args: object, **kw: object) -> None:
        raise AssertionError("the index was trained again")

    monkeypatch.setattr(candidates, "vector_index", untrained)
    with Index(path) as reader:
        assert [m.source for m in reader.match(Record("story", text))] == [source_id]
    # New vectors need a new index; the file for the old ones goes.
    monkeypatch.undo()
    monkeypatch.setattr(candidates, "_EXACT_SEARCH_LIMIT", 4)
    with Index(path) as store:
        store.add_records([Record("more", "Rain is expected across the south on Sunday, forecasters said.")])
        store.match(Record("story", text))
    [renewed] = tmp_path.glob("wire.db.*.faiss")
    assert renewed != kept


def test_two_articles_under_one_id_are_each_matched_on_their_own_text(index: Index) -> None:
    # Two files named alike in different folders get the same id; the second must not be
    # answered from what was remembered of the first.
    for rewrite_id in ("blog-airline", "paper-election", "blog-airline"):
        _, source_id, text = REWRITES[rewrite_id]
        assert [m.source for m in index.match(Record("story", text))] == [source_id]


def test_stored_segmentation_is_the_segmenters_and_gives_the_same_reports(tmp_path: Path) -> None:
    path = tmp_path / "wire.db"
    with Index(path) as store:
        store.add_records(_stories())
        for doc_id, (_, text) in STORIES.items():
            stored = store._record(
                store._db.execute("SELECT n FROM docs WHERE id = ?", (doc_id,)).fetchone()[0]
            )[1]
            fresh = segment(Document(doc_id, text), layout=True)
            assert stored == [(u.start, u.end, u.role) for u in fresh]
        _, _, rewrite = REWRITES["paper-election"]
        with_stored = [m.to_dict() for m in store.match(Record("paper", rewrite))]
    with sqlite3.connect(path) as db:  # as if another segmenter had stored them
        db.execute("UPDATE meta SET value = 'another segmenter' WHERE key = 'segmenter'")
    with Index(path) as store:
        assert store._record(1)[1] is None
        assert [m.to_dict() for m in store.match(Record("paper", rewrite))] == with_stored


def test_stored_facts_are_the_extractors_and_give_the_same_reports(tmp_path: Path) -> None:
    path = tmp_path / "wire.db"
    with Index(path) as store:
        store.add_records(_stories())
        for doc_id, (_, text) in STORIES.items():
            n = store._db.execute("SELECT n FROM docs WHERE id = ?", (doc_id,)).fetchone()[0]
            _, units, blob = store._record(n)
            assert units is not None and blob is not None
            doc = Document(doc_id, text)
            segment(doc, layout=True)
            extracted = {i: found for i, found in unit_facts(doc).items() if found}
            assert extracted  # the stories hold dates, names and numbers
            assert _decode_facts(blob, text) == extracted
        _, _, rewrite = REWRITES["paper-election"]
        with_stored = [m.to_dict() for m in store.match(Record("paper", rewrite))]
        assert any(m["report"]["facts"]["kept"] for m in with_stored)
    with sqlite3.connect(path) as db:  # as if other fact rules had stored them
        db.execute("UPDATE meta SET value = 'other rules' WHERE key = 'facts'")
    with Index(path) as store:
        assert store._record(1)[2] is None
        assert [m.to_dict() for m in store.match(Record("paper", rewrite))] == with_stored


def _index_from_before_stored_segmentation(tmp_path: Path) -> Path:
    path = tmp_path / "wire.db"
    with Index(path) as store:
        store.add_records(_stories())
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE docs DROP COLUMN units")
        db.execute("ALTER TABLE docs DROP COLUMN facts")
        db.execute("DELETE FROM meta WHERE key IN ('segmenter', 'facts')")
    return path


def test_an_index_from_before_stored_segmentation_still_matches(tmp_path: Path) -> None:
    path = _index_from_before_stored_segmentation(tmp_path)
    with Index(path) as store:
        _, source_id, rewrite = REWRITES["paper-election"]
        assert [m.source for m in store.match(Record("paper", rewrite))] == [source_id]
        store.add_records([Record("wire-late", STORIES["wire-floods"][1] + " More rain is due.")])
        assert store._db.execute("SELECT COUNT(*) FROM docs WHERE units IS NOT NULL").fetchone()[0] == 1
        assert store._db.execute("SELECT COUNT(*) FROM docs WHERE facts IS NOT NULL").fetchone()[0] == 1


def test_an_old_index_that_cannot_be_updated_is_read_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _index_from_before_stored_segmentation(tmp_path)
    # A read-only file refuses the update; root ignores file modes, so the refusal is staged.
    monkeypatch.setattr(index_module, "_UPGRADE", "INSERT INTO no_such_table VALUES (1);")
    with Index(path) as store:
        _, source_id, rewrite = REWRITES["paper-election"]
        assert [m.source for m in store.match(Record("paper", rewrite))] == [source_id]


def test_search_uses_full_text_and_treats_query_syntax_as_words(index: Index) -> None:
    hits = index.search("helicopters Kandor")
    assert [h["id"] for h in hits] == ["wire-floods"]
    assert index.search('NEAR( "unbalanced') == []


def test_opening_a_non_index_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.db"
    bogus.write_text("these are notes, not a database" * 100)
    with pytest.raises(InputError, match="not a wiretrace index"):
        Index(bogus)
    with pytest.raises(InputError, match="no such index"):
        Index(tmp_path / "missing.db", create=False)


def test_seed_rewrite_matches_the_wire_dispatch(tmp_path: Path, shared_seeds: tuple[Path, Path]) -> None:
    source, rewrite = shared_seeds
    with Index(tmp_path / "seed.db") as store:
        store.add([source])
        found = store.match(Record(rewrite.name, rewrite.read_text(encoding="utf-8")))
    assert [m.source for m in found] == [source.name]
    assert found[0].comparison.verdict.derived == "wholly"


def _big_corpus(path: Path, count: int) -> None:
    with path.open("w") as handle:
        for doc_id, text in distractors(count, seed=11):
            handle.write(json.dumps({"id": doc_id, "text": text}) + "\n")


def _start_add(index_path: Path, corpus: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(WIRETRACE), "index", "add", str(index_path), str(corpus), "--no-semantic"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _count(index_path: Path) -> int:
    with sqlite3.connect(index_path, timeout=30) as db:
        try:
            return int(db.execute("SELECT COUNT(*) FROM docs").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_readers_work_while_a_writer_adds(tmp_path: Path) -> None:
    corpus, path = tmp_path / "many.jsonl", tmp_path / "live.db"
    _big_corpus(corpus, 3000)
    with Index(path, semantic=False) as store:
        store.add_records(_stories())
    writer = _start_add(path, corpus)
    seen = []
    with Index(path, semantic=False) as reader:
        while writer.poll() is None:
            seen.append(len(reader))
            assert reader.search("Kandor")[0]["id"] == "wire-floods"
            time.sleep(0.05)
    assert writer.returncode == 0
    assert len(set(seen)) > 2, "the reader never saw the index grow"
    assert seen == sorted(seen)


def test_a_kill_during_add_leaves_a_consistent_index_and_adding_again_completes(tmp_path: Path) -> None:
    corpus, path = tmp_path / "many.jsonl", tmp_path / "killed.db"
    _big_corpus(corpus, 3000)
    writer = _start_add(path, corpus)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _count(path) < 300:
        time.sleep(0.02)
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    partial = _count(path)
    assert 0 < partial < 3000
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = db.execute(
            "SELECT COUNT(*) FROM docs WHERE n NOT IN (SELECT doc FROM postings)"
        ).fetchone()[0]
        assert orphans == 0
    done = subprocess.run(
        [str(WIRETRACE), "index", "add", str(path), str(corpus), "--no-semantic"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert f"{3000 - partial} added, 0 replaced, {partial} already there" in done.stderr
    assert _count(path) == 3000


def test_cli_match_prints_json_and_refuses_a_missing_index(tmp_path: Path) -> None:
    wires = tmp_path / "wires"
    wires.mkdir()
    for doc_id, (_, text) in STORIES.items():
        (wires / f"{doc_id}.txt").write_text(text)
    article = tmp_path / "paper.txt"
    article.write_text(REWRITES["paper-election"][2])
    added = subprocess.run(
        [str(WIRETRACE), "index", "add", str(tmp_path / "w.db"), str(wires)], capture_output=True, text=True
    )
    assert added.returncode == 0, added.stderr
    done = subprocess.run(
        [str(WIRETRACE), "match", str(tmp_path / "w.db"), str(article), "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload[0]["matches"][0]["source"] == "wire-election.txt"
    missing = subprocess.run(
        [str(WIRETRACE), "match", str(tmp_path / "nope.db"), str(article)], capture_output=True, text=True
    )
    assert missing.returncode == 2 and "no such index" in missing.stderr and "Traceback" not in missing.stderr

"""The ``wiretrace`` command line: a thin shell over the library.

Errors that wiretrace raises on purpose are printed as one line on stderr, with exit
status 2. Output files are written whole or not at all.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import TaskID

from wiretrace import __version__
from wiretrace.embed import DEFAULT_MODEL
from wiretrace.errors import WiretraceError
from wiretrace.outputs import atomic_write_text

app = typer.Typer(
    name="wiretrace",
    help="Trace how news text is reused: which text derives from which, and how, sentence by sentence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
model_app = typer.Typer(help="Prepare or inspect the sentence-embedding model.", no_args_is_help=True)
app.add_typer(model_app, name="model")

err_console = Console(stderr=True)


class OutputFormat(StrEnum):
    """How ``compare`` prints its report."""

    text = "text"
    json = "json"
    html = "html"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"wiretrace {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Trace how news text is reused."""


ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        help="Sentence-transformers model: all-MiniLM-L6-v2 (packaged) or the path of a model directory.",
        envvar="WIRETRACE_MODEL",
    ),
]


@app.command()
def compare(
    a: Annotated[str, typer.Argument(help="First text: a .txt or .html file, or - for standard input.")],
    b: Annotated[str, typer.Argument(help="Second text: a .txt or .html file, or - for standard input.")],
    output_format: Annotated[
        OutputFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="text (terminal report), json or html. Default: from the --output suffix "
            "(.json, .html, .htm), else text.",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file instead of stdout.")
    ] = None,
    semantic: Annotated[
        bool,
        typer.Option(
            "--semantic/--no-semantic", help="Use sentence embeddings; --no-semantic is lexical only."
        ),
    ] = True,
    model: ModelOption = DEFAULT_MODEL,
    device: Annotated[str, typer.Option("--device", help="cpu, or cuda where a GPU is present.")] = "cpu",
    max_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-bytes", help="Largest input file in bytes (default 10 MB, or WIRETRACE_MAX_BYTES)."
        ),
    ] = None,
) -> None:
    """Compare two news texts: which derives from which, and how, unit by unit.

    Example: wiretrace compare wire.txt paper.html -o report.html
    """
    from wiretrace.compare import compare as compare_texts
    from wiretrace.ingest import read_document

    if a == "-" and b == "-":
        raise WiretraceError("only one of the two texts can come from standard input")
    doc_a = read_document(a, max_bytes=max_bytes)
    doc_b = read_document(b, max_bytes=max_bytes)
    result = compare_texts(doc_a, doc_b, semantic=semantic, model=model, device=device)
    output_format = output_format or _format_for(output)
    if output_format is OutputFormat.json:
        _emit(result.to_json() + "\n", output)
    elif output_format is OutputFormat.html:
        _emit(result.to_html(), output)
    else:
        from wiretrace.report.terminal import render_terminal

        if output is None:
            render_terminal(result, Console())
        else:
            with Path(os.devnull).open("w") as devnull:
                console = Console(record=True, width=160, file=devnull)
                render_terminal(result, console)
            _emit(console.export_text(), output)


def _format_for(output: Path | None) -> OutputFormat:
    """The report format a file name asks for: ``report.html`` means HTML."""
    suffix = output.suffix.lower() if output else ""
    if suffix == ".json":
        return OutputFormat.json
    return OutputFormat.html if suffix in (".html", ".htm") else OutputFormat.text


class EvalFormat(StrEnum):
    """How ``pan-eval`` prints its scores."""

    text = "text"
    json = "json"


@app.command("pan")
def pan(
    pairs: Annotated[
        Path, typer.Argument(help="PAN pairs file: 'suspicious-documentX.txt source-documentY.txt' per line.")
    ],
    src_dir: Annotated[Path, typer.Argument(help="Folder of source documents.")],
    susp_dir: Annotated[Path, typer.Argument(help="Folder of suspicious documents.")],
    out_dir: Annotated[Path, typer.Argument(help="Folder for the detection XML files (created if missing).")],
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", min=1, help="Worker processes (default: every core).")
    ] = None,
    each_pair_alone: Annotated[
        bool,
        typer.Option(
            "--each-pair-alone",
            help="Judge every pair on its own. By default a stretch of a suspicious document "
            "found against several of its sources stays only with the best linked one.",
        ),
    ] = False,
    edge_model: Annotated[
        bool,
        typer.Option(
            "--edge-model/--no-edge-model",
            help="Let the trained edge model move each passage's edges a sentence at a time "
            "(step 16 in docs/pan.md); --no-edge-model keeps the rule-based edges only.",
        ),
    ] = True,
) -> None:
    """Align every PAN pair and write one detection XML per pair.

    Files are written as each suspicious document is done; a run that is interrupted and
    started again skips the documents already done.

    Example: wiretrace pan pan13-train/pairs pan13-train/src pan13-train/susp out/
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from wiretrace.pan import PassageOptions, run_pan

    passage_options = PassageOptions(edge_model=edge_model)
    if each_pair_alone:
        passage_options = replace(passage_options, rival_overlap=2.0)

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("aligning pairs", total=None)
        result = run_pan(
            pairs,
            src_dir,
            susp_dir,
            out_dir,
            workers=workers,
            passage_options=passage_options,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    rate = (result.pairs - result.skipped) / result.seconds if result.seconds else 0.0
    err_console.print(
        f"{result.pairs} pairs ({result.skipped} already done), {result.detections} passages "
        f"in {result.seconds:.1f} s ({rate:.1f} pairs/s); written to {out_dir}",
        highlight=False,
    )


@app.command("pan-eval")
def pan_eval(
    truth_dir: Annotated[
        Path, typer.Argument(help="PAN truth folder, with or without obfuscation subfolders.")
    ],
    detections_dir: Annotated[
        Path, typer.Argument(help="Folder of detection XML files, as 'wiretrace pan' writes.")
    ],
    output_format: Annotated[
        EvalFormat, typer.Option("--format", "-f", help="text or json.")
    ] = EvalFormat.text,
) -> None:
    """Score detections with the PAN measures: precision, recall, granularity, PlagDet.

    Example: wiretrace pan-eval pan13-train out/
    """
    from wiretrace.pan import evaluate

    result = evaluate(truth_dir, detections_dir)
    if output_format is EvalFormat.json:
        _emit(json.dumps(result.to_dict(), indent=2) + "\n", None)
        return
    from rich.table import Table

    table = Table(title=f"PAN text alignment: {result.pairs} pairs")
    for column in ("group", "plagdet", "precision", "recall", "granularity", "cases", "detections"):
        table.add_column(column, justify="left" if column == "group" else "right")
    for name, s in [*result.by_group.items(), ("overall", result.overall)]:
        table.add_row(
            name,
            f"{s.plagdet:.4f}",
            f"{s.precision:.4f}",
            f"{s.recall:.4f}",
            f"{s.granularity:.4f}",
            str(s.cases),
            str(s.detections),
        )
    Console().print(table)
    if result.missing:
        err_console.print(
            f"note: {result.missing} truth pairs have no detection file (scored as no detections)"
        )


ColumnOption = Annotated[
    list[str] | None,
    typer.Option("--column", "-c", help="Field mapping for CSV/JSONL, as FIELD=COLUMN (repeatable)."),
]


class Engine(StrEnum):
    """Where ``scan`` runs."""

    local = "local"
    spark = "spark"


def _parse_columns(pairs: list[str]) -> dict[str, str]:
    from wiretrace.scan.records import FIELDS

    columns = {}
    for item in pairs:
        field, sep, column = item.partition("=")
        if not sep or field not in (*FIELDS, "series") or not column:
            raise WiretraceError(
                f"--column {item!r}: write FIELD=COLUMN, where FIELD is one of {', '.join(FIELDS)}"
            )
        columns[field] = column
    return columns


@contextmanager
def _stage_progress() -> Iterator[Callable[[str, int, int | None], None]]:
    """A rich progress display with one bar per stage, as a ``progress(stage, done, total)`` callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield update


@app.command("scan")
def scan_command(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="Folders of .txt/.html files, or .jsonl/.csv files; any may be .gz or .bz2."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created if missing).")],
    engine: Annotated[Engine, typer.Option("--engine", help="local (this machine) or spark.")] = Engine.local,
    master: Annotated[
        str, typer.Option("--master", help="Spark master URL, with --engine spark.")
    ] = "local[2]",
    column: ColumnOption = None,
    semantic: Annotated[
        bool, typer.Option("--semantic/--no-semantic", help="Also find candidates by passage similarity.")
    ] = True,
    margin: Annotated[
        float,
        typer.Option(
            "--margin",
            min=1.0,
            help="Also take passage pairs this many times as alike as their nearest passages elsewhere "
            "(paraphrase in a crowded topic); higher finds fewer, 'inf' turns it off.",
        ),
    ] = 1.035,
    layout: Annotated[
        bool,
        typer.Option("--layout/--prose", help="Read line breaks as page layout (web pages) or as wrapping."),
    ] = False,
    max_df: Annotated[
        int, typer.Option("--max-df", min=2, help="Shingles in more documents than this are boilerplate.")
    ] = 50,
    passage_vectors: Annotated[
        bool,
        typer.Option(
            "--passage-vectors",
            help="Link again with sentence vectors the pairs whose lexical passages fall short: "
            "more paraphrase and translation found, and more loose relations, for about a "
            "quarter more judging time.",
        ),
    ] = False,
    model: ModelOption = DEFAULT_MODEL,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", min=1, help="Worker processes (default: every core).")
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start over instead of resuming a scan in the same folder.")
    ] = False,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", help="Largest document in bytes; larger ones are skipped.")
    ] = 10 * 1024 * 1024,
) -> None:
    """Find every reuse relation in a corpus, and group them into families.

    Writes pairs.jsonl, pairs.parquet, families.jsonl, families.parquet and summary.json
    to the output folder. An interrupted scan resumes when started again the same way.

    Example: wiretrace scan articles.jsonl --out scan-out/
    """

    from wiretrace.scan import CandidateOptions, PairOptions, ScanOptions, scan

    defaults = ScanOptions()
    options = ScanOptions(
        candidates=replace(CandidateOptions(), semantic=semantic, margin=margin, max_df=max_df),
        pairs=replace(
            PairOptions(),
            layout=layout,
            passage_vectors=passage_vectors,
            align=replace(PairOptions().align, model=model),
        ),
        model=model,
        columns=_parse_columns(column or []),
        max_bytes=max_bytes,
        workers=workers or defaults.workers,
    )
    with _stage_progress() as progress:
        result = scan(
            inputs, out, options, engine=engine.value, master=master, fresh=fresh, progress=progress
        )
    summary = result.summary
    err_console.print(
        f"{summary.documents} documents, {summary.candidates} candidate pairs, "
        f"{summary.related_pairs} reuse relations in {summary.families} families "
        f"({sum(summary.seconds.values()):.1f} s); written to {out}",
        highlight=False,
    )
    for problem in summary.skipped[:10]:
        err_console.print(f"skipped: {problem}", highlight=False, soft_wrap=True)
    if len(summary.skipped) > 10:
        err_console.print(f"... and {len(summary.skipped) - 10} more; see {out / 'summary.json'}")


index_app = typer.Typer(help="A persistent index of source documents, for monitoring.", no_args_is_help=True)
app.add_typer(index_app, name="index")


@index_app.command("add")
def index_add(
    index: Annotated[Path, typer.Argument(help="Index file (SQLite), created if missing.")],
    inputs: Annotated[
        list[Path], typer.Argument(help="Folders of .txt/.html files, or .jsonl/.csv files (maybe .gz/.bz2).")
    ],
    column: ColumnOption = None,
    semantic: Annotated[
        bool, typer.Option("--semantic/--no-semantic", help="Store passage vectors for semantic matching.")
    ] = True,
    layout: Annotated[
        bool,
        typer.Option("--layout/--prose", help="Read line breaks as page layout (default) or as wrapping."),
    ] = True,
    model: ModelOption = DEFAULT_MODEL,
) -> None:
    """Add source documents (wire stories, press releases) to an index.

    Adding is incremental and idempotent: a document already there with the same id and
    text is left alone; the same id with new text replaces it.

    Example: wiretrace index add wire.db wire-stories/
    """
    from wiretrace.index import Index

    with _stage_progress() as progress, Index(index, model=model, semantic=semantic, layout=layout) as store:
        report = store.add(
            inputs,
            columns=_parse_columns(column or []),
            progress=lambda n: progress("adding documents", n, None),
        )
        total = len(store)
    err_console.print(
        f"{report.added} added, {report.replaced} replaced, {report.unchanged} already there, "
        f"{len(report.skipped)} skipped; {total} documents in {index}",
        highlight=False,
    )
    for problem in report.skipped[:10]:
        err_console.print(f"skipped: {problem}", highlight=False, soft_wrap=True)


@index_app.command("search")
def index_search(
    index: Annotated[Path, typer.Argument(help="Index file.")],
    query: Annotated[str, typer.Argument(help="Words to look for in titles and text.")],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most results shown.")] = 20,
) -> None:
    """Full-text search of an index (SQLite FTS5).

    Example: wiretrace index search wire.db "flood warning"
    """
    from wiretrace.index import open_index

    with open_index(index) as store:
        for hit in store.search(query, limit=limit):
            typer.echo(f"{hit['id']}\t{hit['title'] or ''}\t{hit['snippet']}")


@app.command("match")
def match_command(
    index: Annotated[Path, typer.Argument(help="Index file made by 'wiretrace index add'.")],
    documents: Annotated[list[Path], typer.Argument(help="New articles: .txt or .html files.")],
    output_format: Annotated[
        EvalFormat,
        typer.Option("--format", "-f", help="text (a line per source) or json (compare's reports)."),
    ] = EvalFormat.text,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="Most sources reported per article.")
    ] = 10,
) -> None:
    """Tell, for each new article, which indexed sources it reuses and how.

    Example: wiretrace match wire.db todays-paper/*.html --format json -o matches.json
    """
    from wiretrace.index import open_index
    from wiretrace.ingest import read_document
    from wiretrace.scan.records import Record

    results = []
    with _stage_progress() as progress, open_index(index) as store:
        for done, path in enumerate(documents, start=1):
            doc = read_document(path)
            article = Record(doc.id, doc.text, doc.title, doc.date, None, doc.url, str(path))
            results.append((str(path), store.match(article, limit=limit)))
            progress("matching articles", done, len(documents))
    if output_format is EvalFormat.json:
        payload = [{"article": name, "matches": [m.to_dict() for m in found]} for name, found in results]
        _emit(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", output)
        return
    lines = []
    for name, found in results:
        lines.append(f"{name}: {len(found)} source(s)")
        for m in found:
            v = m.comparison.verdict
            lines.append(
                f"  {m.source}\tderived {v.derived}, containment {v.containment:.0%}, coverage {v.coverage:.0%}"
            )
    _emit("\n".join(lines) + "\n", output)


@app.command("serve")
def serve_command(
    scan: Annotated[
        Path | None,
        typer.Option("--scan", help="A scan output folder ('wiretrace scan --out DIR') to browse."),
    ] = None,
    index: Annotated[
        Path | None, typer.Option("--index", help="A monitoring index ('wiretrace index add') to browse.")
    ] = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on. The default serves this machine only.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
    max_upload_mb: Annotated[
        float, typer.Option("--max-upload-mb", min=0.001, help="Largest text or file accepted, per document.")
    ] = 5.0,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Worker processes: comparisons that run at once.")
    ] = 2,
    model: ModelOption = DEFAULT_MODEL,
    semantic: Annotated[
        bool, typer.Option("--semantic/--no-semantic", help="Use the sentence model to find paraphrases.")
    ] = True,
) -> None:
    """Start the web app: compare texts side by side, browse reuse families and documents.

    The pages and the JSON API (schema at /api/openapi.json) are served by one process.

    Example: wiretrace serve --scan scan-out --index wire.db
    """
    import uvicorn

    from wiretrace.web.app import ServeSettings, create_app

    settings = ServeSettings(
        scan=scan,
        index=index,
        model=model,
        semantic=semantic,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
        workers=workers,
    )
    _check_can_listen(host, port)
    with err_console.status("loading the corpus and starting the compare workers…"):
        web_app = create_app(settings)
        web_app.state.pool.start()
    if host not in ("127.0.0.1", "localhost", "::1"):
        err_console.print(
            f"[bold yellow]warning:[/] serving on {host}: anyone who can reach this machine on port {port} "
            "can use this server. It has no login.",
            highlight=False,
        )
    shown = f"[{host}]" if ":" in host else host
    err_console.print(f"wiretrace is at http://{shown}:{port}/  (Ctrl+C stops it)", highlight=False)
    uvicorn.run(web_app, host=host, port=port, log_level="warning")


def _check_can_listen(host: str, port: int) -> None:
    """Fail with one line, before the slow start-up, when the address is taken or unknown."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise WiretraceError(
            f"cannot listen on {host}:{port} ({reason}); choose another --port or --host"
        ) from None


@model_app.command("prepare")
def model_prepare(model: ModelOption = DEFAULT_MODEL) -> None:
    """Export the model to ONNX, distill its static model and compile the alignment kernels
    once, so later runs start fast."""
    from wiretrace.embed import export_onnx, resolve_model
    from wiretrace.overlap import compile_kernels
    from wiretrace.static import get_static_model, static_model_dir

    path = export_onnx(resolve_model(model))
    typer.echo(f"model ready: {path}")
    get_static_model(model)
    typer.echo(f"static model ready: {static_model_dir(model)}")
    compile_kernels()
    typer.echo("alignment kernels ready")


@model_app.command("info")
def model_info(model: ModelOption = DEFAULT_MODEL) -> None:
    """Show where the model and its ONNX export live."""
    from wiretrace.embed import cache_dir, resolve_model

    typer.echo(f"model directory: {resolve_model(model)}")
    typer.echo(f"cache directory: {cache_dir()}")


def _emit(text: str, output: Path | None) -> None:
    """Write to stdout, or atomically to a file."""
    if output is None:
        sys.stdout.write(text)
        return
    atomic_write_text(output, text)


def main() -> None:
    """Entry point: run the app, turning deliberate errors into one line and exit 2."""
    try:
        app()
    except WiretraceError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":
    main()

"""The ``wiretrace`` command line: a thin shell over the library.

Errors that wiretrace raises on purpose are printed as one line on stderr, with exit
status 2. Output files are written whole or not at all.
"""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

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
        OutputFormat, typer.Option("--format", "-f", help="text (terminal report), json or html.")
    ] = OutputFormat.text,
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

    Example: wiretrace compare wire.txt paper.html --format html -o report.html
    """
    from wiretrace.compare import compare as compare_texts
    from wiretrace.ingest import read_document

    if a == "-" and b == "-":
        raise WiretraceError("only one of the two texts can come from standard input")
    doc_a = read_document(a, max_bytes=max_bytes)
    doc_b = read_document(b, max_bytes=max_bytes)
    result = compare_texts(doc_a, doc_b, semantic=semantic, model=model, device=device)
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
) -> None:
    """Align every PAN pair and write one detection XML per pair.

    Files are written as pairs finish; a run that is interrupted and started again skips
    the pairs already done.

    Example: wiretrace pan pan13-train/pairs pan13-train/src pan13-train/susp out/
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from wiretrace.pan import run_pan

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


@model_app.command("prepare")
def model_prepare(model: ModelOption = DEFAULT_MODEL) -> None:
    """Export the model to ONNX once, so later runs start fast."""
    from wiretrace.embed import export_onnx, resolve_model

    path = export_onnx(resolve_model(model))
    typer.echo(f"model ready: {path}")


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

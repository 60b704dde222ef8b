"""The ``wiretrace`` command line: a thin shell over the library.

Errors that wiretrace raises on purpose are printed as one line on stderr, with exit
status 2. Output files are written whole or not at all.
"""

from __future__ import annotations

import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from wiretrace import __version__
from wiretrace.embed import DEFAULT_MODEL
from wiretrace.errors import WiretraceError

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
    """Write to stdout, or atomically to a file: a temporary file renamed into place."""
    if output is None:
        sys.stdout.write(text)
        return
    output = output.expanduser()
    if output.is_dir():
        raise WiretraceError(f"{output} is a directory; give a file name for the report")
    if not output.parent.exists():
        raise WiretraceError(f"{output.parent}: no such directory")
    handle, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        Path(tmp).replace(output)
    finally:
        Path(tmp).unlink(missing_ok=True)


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

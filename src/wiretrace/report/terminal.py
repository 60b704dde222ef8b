"""The terminal report: verdict, aligned units side by side, dropped units, facts."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from wiretrace.compare import Comparison
from wiretrace.report.labels import LABEL_COLOURS


def render_terminal(result: Comparison, console: Console) -> None:
    """Print the report for one comparison."""
    console.print(_verdict_panel(result))
    console.print(_alignment_table(result))
    dropped = _dropped_table(result)
    if dropped is not None:
        console.print(dropped)
    console.print(_facts_table(result))


def _sides(result: Comparison) -> tuple[str, str]:
    """(source side, derived side), reading a as the source when direction is unknown."""
    return ("b", "a") if result.verdict.source == "b" else ("a", "b")


def _verdict_panel(result: Comparison) -> Panel:
    v = result.verdict
    colour = {"wholly": "bold red", "partially": "bold yellow", "none": "bold green"}[v.derived]
    head = Text.assemble(
        ("Derived: ", "bold"),
        (v.derived, colour),
        ("   Original: ", "bold"),
        (result.source_name(), "bold cyan"),
        ("   Containment: ", "bold"),
        (f"{v.containment:.0%}", ""),
        ("   Coverage: ", "bold"),
        (f"{v.coverage:.0%}", ""),
        ("   Credit: ", "bold"),
        (v.credit or "none found", "" if v.credit else "bold magenta"),
    )
    return Panel(Group(head, Text(v.explanation, style="italic")), title="wiretrace verdict", expand=True)


def _alignment_table(result: Comparison) -> Table:
    src, der = _sides(result)
    src_doc = getattr(result, src)
    der_doc = getattr(result, der)
    by_unit = {i: link for link in result.links for i in getattr(link, der)}
    table = Table(title=f"{der_doc.id} unit by unit, against {src_doc.id}", show_lines=True, expand=True)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column(f"{der} ({der_doc.id})", ratio=5)
    table.add_column("label", no_wrap=True)
    table.add_column(f"{src} ({src_doc.id})", ratio=5)
    for unit in der_doc.units:
        link = by_unit.get(unit.index)
        if link is None:
            label = Text(f"added\n{unit.role.value}", style=LABEL_COLOURS["added"])
            table.add_row(str(unit.index), Text(unit.text), label, Text(""))
            continue
        sources = "\n".join(f"[{j}] {src_doc.units[j].text}" for j in getattr(link, src))
        label = Text(f"{link.label}\n{link.kind} {link.score:.2f}", style=LABEL_COLOURS.get(link.label, ""))
        table.add_row(str(unit.index), Text(unit.text), label, Text(sources))
    return table


def _dropped_table(result: Comparison) -> Table | None:
    src, _ = _sides(result)
    src_doc = getattr(result, src)
    dropped = [src_doc.units[i] for i in result.unlinked[src] if src_doc.units[i].is_story]
    partial = result.left_out.get(src, [])
    if not dropped and not partial:
        return None
    table = Table(title=f"Left out of {src_doc.id}", show_lines=True, expand=True)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("what", no_wrap=True)
    table.add_column("text", ratio=8)
    for unit in dropped:
        table.add_row(str(unit.index), Text("dropped", style=LABEL_COLOURS["dropped"]), Text(unit.text))
    for part in partial:
        table.add_row(
            str(part["unit"]), Text("part left out", style=LABEL_COLOURS["dropped"]), Text(str(part["text"]))
        )
    return table


def _facts_table(result: Comparison) -> Table:
    f = result.facts
    table = Table(title="Facts", expand=True)
    table.add_column("kept")
    table.add_column(f"only in a ({result.a.id})")
    table.add_column(f"only in b ({result.b.id})")
    table.add_column("changed (a → b)")
    table.add_row(
        Text("\n".join(f.kept)),
        Text("\n".join(f.only_a)),
        Text("\n".join(f.only_b)),
        Text("\n".join(f"{c['a']} → {c['b']}" for c in f.changed)),
    )
    return table

"""wiretrace: trace how news text is reused.

>>> import wiretrace
>>> result = wiretrace.compare("Rain fell in Paris on Monday. Rivers rose fast.",
...                            "Rain fell in Paris on Monday.", semantic=False)
>>> result.verdict.derived
'wholly'

A corpus: ``wiretrace.scan(["articles.jsonl"], "out/")`` returns a typed ``ScanResult``;
``wiretrace.Index("wire.db")`` keeps sources for ``match``.
"""

from wiretrace.align import Alignment, AlignOptions, Link
from wiretrace.compare import Comparison, Facts, PairLink, compare
from wiretrace.document import Document, Role, Unit
from wiretrace.errors import InputError, ModelError, WiretraceError
from wiretrace.index import Index, Match
from wiretrace.ingest import read_document
from wiretrace.judge import Verdict

# The function, not the subpackage, answers to ``wiretrace.scan``; ``from wiretrace.scan
# import ScanOptions`` still reaches the subpackage through the import system.
from wiretrace.scan import ScanOptions, ScanResult, scan
from wiretrace.segment import segment

__version__ = "0.1.0"

__all__ = [
    "AlignOptions",
    "Alignment",
    "Comparison",
    "Document",
    "Facts",
    "Index",
    "InputError",
    "Link",
    "Match",
    "ModelError",
    "PairLink",
    "Role",
    "ScanOptions",
    "ScanResult",
    "Unit",
    "Verdict",
    "WiretraceError",
    "__version__",
    "compare",
    "read_document",
    "scan",
    "segment",
]

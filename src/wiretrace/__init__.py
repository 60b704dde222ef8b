"""wiretrace: trace how news text is reused.

>>> import wiretrace
>>> result = wiretrace.compare("Rain fell in Paris on Monday. Rivers rose fast.",
...                            "Rain fell in Paris on Monday.", semantic=False)
>>> result.verdict.derived
'wholly'
"""

from wiretrace.align import Alignment, AlignOptions, Link
from wiretrace.compare import Comparison, Facts, PairLink, compare
from wiretrace.document import Document, Role, Unit
from wiretrace.errors import InputError, ModelError, WiretraceError
from wiretrace.ingest import read_document
from wiretrace.judge import Verdict
from wiretrace.segment import segment

__version__ = "0.1.0"

__all__ = [
    "AlignOptions",
    "Alignment",
    "Comparison",
    "Document",
    "Facts",
    "InputError",
    "Link",
    "ModelError",
    "PairLink",
    "Role",
    "Unit",
    "Verdict",
    "WiretraceError",
    "__version__",
    "compare",
    "read_document",
    "segment",
]

"""PAN text alignment: run wiretrace on PAN corpora and score it with the PAN measures.

>>> from wiretrace.pan import Annotation, score
>>> score([Annotation("s.txt", 0, 10, "r.txt", 0, 10)], []).plagdet
0.0
"""

from wiretrace.pan.corpus import PanPair, read_pairs
from wiretrace.pan.detect import PAN_ALIGN, Passage, PassageOptions, best_sources, detect_passages
from wiretrace.pan.evaluate import Evaluation, evaluate
from wiretrace.pan.measures import Annotation, Scores, score
from wiretrace.pan.run import PanRun, detect_document, detect_pair, run_pan
from wiretrace.pan.xml import detections_xml, pair_file_name, read_annotations, write_detections

__all__ = [
    "PAN_ALIGN",
    "Annotation",
    "Evaluation",
    "PanPair",
    "PanRun",
    "Passage",
    "PassageOptions",
    "Scores",
    "best_sources",
    "detect_document",
    "detect_pair",
    "detect_passages",
    "detections_xml",
    "evaluate",
    "pair_file_name",
    "read_annotations",
    "read_pairs",
    "run_pan",
    "score",
    "write_detections",
]

"""Reading and writing PAN detection and truth files.

A file names one document pair, ``suspicious-documentXXXXX-source-documentYYYYY.xml``,
and holds a ``<document reference="...">`` element with one ``<feature>`` per passage.
Truth files mark cases with ``name="plagiarism"``; detection files use
``name="detected-plagiarism"``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path

from wiretrace.errors import InputError
from wiretrace.outputs import atomic_write_text
from wiretrace.pan.measures import Annotation

DETECTION = "detected-plagiarism"
CASE = "plagiarism"


def pair_file_name(suspicious: str, source: str) -> str:
    """``suspicious-document00001.txt`` + ``source-document00002.txt`` -> the XML file name."""
    return f"{Path(suspicious).stem}-{Path(source).stem}.xml"


def detections_xml(suspicious: str, detections: Iterable[Annotation]) -> str:
    """The PAN XML for one pair's detections; names and values are escaped by ElementTree.

    >>> print(detections_xml("s.txt", [Annotation("s.txt", 5, 10, "r.txt", 0, 12)]))
    <document reference="s.txt">
      <feature name="detected-plagiarism" this_offset="5" this_length="10" source_reference="r.txt" source_offset="0" source_length="12" />
    </document>
    """
    root = ET.Element("document", reference=suspicious)
    for d in detections:
        ET.SubElement(
            root,
            "feature",
            {
                "name": DETECTION,
                "this_offset": str(d.this_offset),
                "this_length": str(d.this_length),
                "source_reference": d.source_reference,
                "source_offset": str(d.source_offset),
                "source_length": str(d.source_length),
            },
        )
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def write_detections(out_dir: Path, suspicious: str, source: str, detections: Iterable[Annotation]) -> Path:
    """Write one pair's detection file atomically and return its path."""
    path = out_dir / pair_file_name(suspicious, source)
    atomic_write_text(path, detections_xml(suspicious, detections) + "\n")
    return path


def read_annotations(path: Path, name: str | None = None) -> list[Annotation]:
    """The annotations in one PAN XML file; ``name`` keeps only features of that name.

    Raises :class:`InputError` for a file that is not well-formed PAN XML.
    """
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise InputError(f"{path}: not well-formed XML ({exc})") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    this_reference = root.get("reference")
    if root.tag != "document" or not this_reference:
        raise InputError(f"{path}: expected a <document reference=...> element")
    return list(_features(path, root, this_reference, name))


def _features(path: Path, root: ET.Element, this_reference: str, name: str | None) -> Iterator[Annotation]:
    for feature in root.iter("feature"):
        if "source_reference" not in feature.attrib or (name and feature.get("name") != name):
            continue
        try:
            yield Annotation(
                this_reference,
                int(feature.attrib["this_offset"]),
                int(feature.attrib["this_length"]),
                feature.attrib["source_reference"],
                int(feature.attrib["source_offset"]),
                int(feature.attrib["source_length"]),
            )
        except (KeyError, ValueError) as exc:
            raise InputError(f"{path}: a feature lacks a valid offset or length ({exc})") from exc

"""The FastAPI app behind ``wiretrace serve``: a JSON API under ``/api/`` and the pages that use it.

The pages are static files: one HTML shell and one script that renders every view from the
API, building the DOM with ``textContent`` so document text is never parsed as markup. The
Content-Security-Policy allows only the app's own scripts and styles.

Comparisons run in worker processes (``workers`` of them, see :mod:`wiretrace.web.workers`),
so the event loop stays free: the health check and the pages answer while comparisons
queue. Each worker loads the embedding model once, when the app starts.

>>> from fastapi.testclient import TestClient
>>> client = TestClient(create_app(ServeSettings(semantic=False)))
>>> client.get("/api/health").json()
{'status': 'ok'}
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import FastAPI, File, HTTPException, Query, Request, Response, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wiretrace import __version__
from wiretrace.document import Document
from wiretrace.embed import DEFAULT_MODEL
from wiretrace.errors import InputError
from wiretrace.ingest import document_from_bytes, document_from_text
from wiretrace.report.labels import LABEL_COLOURS, LABEL_MEANINGS, label_css
from wiretrace.web.library import (
    DocumentInfo,
    DocumentPage,
    FamilyPage,
    FamilySummary,
    Library,
    LibraryInfo,
    SearchHit,
)
from wiretrace.web.schemas import CompareReport, CompareRequest, Health, Problem
from wiretrace.web.workers import ComparePool

STATIC = Path(__file__).parent / "static"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: Far beyond any corpus; keeps offsets within SQLite's 64-bit integers.
MAX_OFFSET = 1_000_000_000
_PAGES = ("/", "/compare", "/compare/saved/{key}", "/families", "/families/{family_id}", "/search")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ServeSettings:
    """How the server runs; ``wiretrace serve`` fills these from its options."""

    scan: Path | None = None
    index: Path | None = None
    model: str = DEFAULT_MODEL
    semantic: bool = True
    #: The largest text or file accepted, per document.
    max_upload_bytes: int = 5 * 1024 * 1024
    #: Worker processes, so comparisons that run at once; the rest wait their turn.
    workers: int = 2
    #: Pasted comparisons kept in memory, so their permalinks work while the server runs.
    saved: int = 500


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """What the page header shows: the version, what is loaded and the upload limit."""

    version: str
    library: LibraryInfo
    max_upload_bytes: int
    semantic: bool
    labels: dict[str, dict[str, str]]


class _Saved:
    """Recent pasted comparisons by key, for their permalinks; the oldest are forgotten first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._reports: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def put(self, key: str, report: dict[str, Any]) -> None:
        self._reports[key] = report
        self._reports.move_to_end(key)
        while len(self._reports) > self._size:
            self._reports.popitem(last=False)

    def get(self, key: str) -> dict[str, Any] | None:
        return self._reports.get(key)


def create_app(settings: ServeSettings | None = None, *, library: Library | None = None) -> FastAPI:
    """Make the app. The library is opened here unless given; the compare workers start with
    the app (or at the first comparison, where the app runs without its lifespan).

    The workers are started with ``spawn``, so a script that serves the app must keep its
    top-level code under ``if __name__ == "__main__":``, as with any multiprocessing code.
    """
    settings = settings or ServeSettings()
    ctx = _Context(settings, library or Library(settings.scan, settings.index))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(ctx.pool.start)
        try:
            yield
        finally:
            ctx.pool.close()  # the library stays open: the app may be started again, as tests do

    app = FastAPI(
        title="wiretrace",
        version=__version__,
        description="Trace how news text is reused: compare two texts, browse reuse families and documents.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
        responses={
            400: {"model": Problem, "description": "The body could not be parsed."},
            422: {"model": Problem, "description": "The request is malformed or a text is unusable."},
        },
    )
    app.add_middleware(_SecurityHeaders)
    app.add_middleware(_BodyLimit, limit=2 * settings.max_upload_bytes + 1024 * 1024)
    _add_error_handlers(app)
    _add_server_routes(app, ctx)
    _add_compare_routes(app, ctx)
    _add_corpus_routes(app, ctx)
    _add_pages(app)
    app.state.library = ctx.library
    app.state.pool = ctx.pool
    return app


class _Context:
    """What the routes share: the settings, the corpus, the compare workers, kept comparisons."""

    def __init__(self, settings: ServeSettings, library: Library) -> None:
        self.settings = settings
        self.library = library
        self.pool = ComparePool(settings.workers, settings.model, settings.semantic)
        self.saved = _Saved(settings.saved)
        # Corpus reads (search, index matching) run in threads; comparisons in the worker processes.
        self._limiter = anyio.CapacityLimiter(settings.workers)

    async def in_worker(self, function: Callable[[], T]) -> T:
        return await anyio.to_thread.run_sync(function, limiter=self._limiter)

    async def compare(self, doc_a: Document, doc_b: Document, layout: bool) -> dict[str, Any]:
        try:
            return await self.pool.compare(doc_a, doc_b, layout)
        except BrokenProcessPool:
            raise HTTPException(503, "the comparison worker stopped; try again") from None

    async def compare_and_keep(
        self, doc_a: Document, doc_b: Document, layout: bool, response: Response
    ) -> dict[str, Any]:
        """Compare, keep the report for its permalink, and name the permalink in ``Content-Location``."""
        report = await self.compare(doc_a, doc_b, layout)
        key = _key(json.dumps([doc_a.id, doc_a.text, doc_b.id, doc_b.text, layout]))
        self.saved.put(key, report)
        response.headers["Content-Location"] = f"/api/compare/saved/{key}"
        return report


_REFUSALS: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "A text or file is over the upload limit."},
    422: {"model": Problem, "description": "Malformed, or a text is empty, binary or not decodable."},
}


def _add_server_routes(app: FastAPI, ctx: _Context) -> None:
    @app.get("/api/health", response_model=Health, tags=["server"])
    async def health() -> Health:
        """Answers at once, even while comparisons run."""
        return Health()

    @app.get("/api/info", response_model=ServerInfo, tags=["server"])
    async def info() -> ServerInfo:
        """The version, what is loaded, the upload limit and the label colours."""
        labels = {
            name: {"colour": LABEL_COLOURS[name], "meaning": LABEL_MEANINGS[name]} for name in LABEL_COLOURS
        }
        return ServerInfo(
            __version__, ctx.library.info(), ctx.settings.max_upload_bytes, ctx.settings.semantic, labels
        )


def _add_compare_routes(app: FastAPI, ctx: _Context) -> None:
    @app.post("/api/compare", response_model=CompareReport, tags=["compare"], responses=_REFUSALS)
    async def compare_texts(request: CompareRequest, response: Response) -> dict[str, Any]:
        """Compare two texts and return the compare report (as ``wiretrace compare --format json``).

        The report's permalink is in the ``Content-Location`` header.
        """
        doc_a = _pasted(request.a, request.a_name, ctx.settings.max_upload_bytes)
        doc_b = _pasted(request.b, request.b_name, ctx.settings.max_upload_bytes)
        return await ctx.compare_and_keep(doc_a, doc_b, request.layout, response)

    @app.post("/api/compare/files", response_model=CompareReport, tags=["compare"], responses=_REFUSALS)
    async def compare_files(
        a: Annotated[UploadFile, File(description="The first file: text or HTML.")],
        b: Annotated[UploadFile, File(description="The second file: text or HTML.")],
        response: Response,
        layout: Annotated[bool, Query(description="Read line breaks as layout.")] = True,
    ) -> dict[str, Any]:
        """Compare two uploaded files. HTML pages are reduced to their main text first."""
        documents = []
        for side, upload in (("a", a), ("b", b)):
            data = await upload.read(ctx.settings.max_upload_bytes + 1)
            name = Path(upload.filename or side).name or side
            documents.append(_document(data, name, Path(name).suffix, ctx.settings.max_upload_bytes))
        return await ctx.compare_and_keep(documents[0], documents[1], layout, response)

    @app.get(
        "/api/compare",
        response_model=CompareReport,
        tags=["compare"],
        responses={404: {"model": Problem, "description": "No such document."}},
    )
    async def compare_documents(
        a: Annotated[str, Query(description="Id of a loaded document.")],
        b: Annotated[str, Query(description="Id of another loaded document.")],
    ) -> dict[str, Any]:
        """Compare two documents of the loaded scan or index."""
        (record_a, collection), (record_b, _) = _record(ctx.library, a), _record(ctx.library, b)
        doc_a, doc_b = _as_document(record_a), _as_document(record_b)
        return await ctx.compare(doc_a, doc_b, ctx.library.layout(collection))

    @app.get(
        "/api/compare/saved/{key}",
        response_model=CompareReport,
        tags=["compare"],
        responses={404: {"model": Problem, "description": "Not kept: the server restarted or forgot it."}},
    )
    async def saved_comparison(key: str) -> dict[str, Any]:
        """A comparison made earlier from pasted texts or uploads, while this server runs."""
        report = ctx.saved.get(key)
        if report is None:
            raise HTTPException(404, "this comparison is no longer kept; compare the texts again")
        return report


def _add_corpus_routes(app: FastAPI, ctx: _Context) -> None:
    @app.get("/api/documents", response_model=list[DocumentInfo], tags=["corpus"])
    async def documents(
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> list[DocumentInfo]:
        """Documents of the loaded scan, then of the index, in the order they were read."""
        return ctx.library.documents(limit, offset)

    @app.get(
        "/api/documents/{doc_id:path}",
        response_model=DocumentPage,
        tags=["corpus"],
        responses={404: {"model": Problem, "description": "No such document."}},
    )
    async def document(doc_id: str) -> DocumentPage:
        """A document's text, its sources and the documents that reuse it.

        Scan documents list the scan's relations; index documents are matched against the
        index on request, which takes a moment.
        """
        _record(ctx.library, doc_id)
        return await ctx.in_worker(partial(ctx.library.page, doc_id))

    @app.get("/api/families", response_model=list[FamilySummary], tags=["corpus"])
    async def families(
        sort: Annotated[
            Literal["size", "date"], Query(description="Sort by member count or by first date.")
        ] = "size",
        order: Annotated[Literal["asc", "desc"], Query()] = "desc",
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    ) -> list[FamilySummary]:
        """The scan's reuse families (stories), sorted by size or date."""
        return ctx.library.families(sort, order == "desc", limit, offset)

    @app.get(
        "/api/families/{family_id}",
        response_model=FamilyPage,
        tags=["corpus"],
        responses={404: {"model": Problem, "description": "No such family."}},
    )
    async def family(family_id: str) -> FamilyPage:
        """A family's members, originals and who-took-from-whom edges."""
        try:
            return ctx.library.family(family_id)
        except KeyError:
            raise HTTPException(404, f"no family {family_id!r}") from None

    @app.get("/api/search", response_model=list[SearchHit], tags=["corpus"])
    async def search(
        q: Annotated[
            str, Query(max_length=500, description="Words that must all appear in the title or text.")
        ],
        limit: Annotated[int, Query(ge=1, le=200)] = 20,
    ) -> list[SearchHit]:
        """Documents of the scan and the index that hold every word."""
        return await ctx.in_worker(partial(ctx.library.search, q, limit))


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def refuse_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _one_line(exc)}, status_code=422)

    @app.exception_handler(405)
    async def wrong_method(request: Request, _: Exception) -> JSONResponse:
        # Starlette names only the first route's methods; the Allow header must name them all.
        allowed = sorted(
            {
                m
                for route in app.router.routes
                if isinstance(route, APIRoute) and route.path_regex.match(request.url.path)
                for m in route.methods
            }
        )
        return JSONResponse(
            {"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": ", ".join(allowed)}
        )

    @app.exception_handler(InputError)
    async def refuse_input(_: Request, exc: InputError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)


def _add_pages(app: FastAPI) -> None:
    @app.get("/static/labels.css", include_in_schema=False)
    async def labels_stylesheet() -> PlainTextResponse:
        return PlainTextResponse(label_css(), media_type="text/css")

    @app.get("/static/report.css", include_in_schema=False)
    async def report_stylesheet() -> PlainTextResponse:
        css = resources.files("wiretrace.report").joinpath("report.css").read_text(encoding="utf-8")
        return PlainTextResponse(css, media_type="text/css")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    async def shell() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    for path in (*_PAGES, "/documents/{doc_id:path}"):
        app.add_api_route(path, shell, methods=["GET", "HEAD"], include_in_schema=False)


def _document(data: bytes, name: str, suffix: str, limit: int) -> Document:
    """A document from request bytes; too large is 413, unreadable is 422 (via InputError)."""
    _refuse_over_limit(len(data), name, limit)
    return document_from_bytes(data, doc_id=name, suffix=suffix, max_bytes=limit)


def _pasted(text: str, name: str, limit: int) -> Document:
    """A pasted text is text whatever characters it holds; only its size and emptiness are checked."""
    _refuse_over_limit(len(text.encode("utf-8", errors="surrogatepass")), name, limit)
    return document_from_text(text, doc_id=name)


def _refuse_over_limit(size: int, name: str, limit: int) -> None:
    if size > limit:
        raise HTTPException(
            413,
            f"{name} is over the {limit / 1048576:.1f} MB limit per document "
            "(start the server with a larger --max-upload-mb to allow it)",
        )


def _one_line(exc: RequestValidationError) -> str:
    """FastAPI's list of validation errors as one readable line: ``body.a: Field required``."""
    parts = []
    for error in exc.errors():
        where = ".".join(str(x) for x in error.get("loc", ()))
        if error.get("type") == "string_pattern_mismatch":  # the texts' only pattern: some non-space
            parts.append(f"{where} is empty: there is no text to compare")
            continue
        parts.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return "; ".join(parts) or "the request is invalid"


def _record(library: Library, doc_id: str) -> Any:
    try:
        return library.record(doc_id)
    except KeyError:
        raise HTTPException(404, f"no document {doc_id!r} is loaded") from None


def _as_document(record: Any) -> Document:
    return Document(id=record.id, text=record.text, title=record.title, date=record.date, url=record.url)


def _key(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:20]


class _SecurityHeaders:
    """Sends the Content-Security-Policy and related headers with every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class _BodyLimit:
    """Refuses a request body over ``limit`` bytes with 413, before it is all read into memory."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"the request is over the {self.limit / 1048576:.1f} MB limit"
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await JSONResponse({"detail": message}, status_code=413)(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            received = await receive()
            seen += len(received.get("body", b""))
            if seen > self.limit:  # a chunked body with no declared length
                raise HTTPException(413, message)
            return received

        await self.app(scope, counted, send)

"""The district studio: a web page where a district makes its edition, and the HTTP API it uses.

Routes (documented in docs/reference/http-api.md):

    GET  /                     the studio page (static/index.html)
    GET  /healthz              200 "ok" while a render can start; 503 otherwise
    GET  /readyz               JSON state; 200 while a new request would be taken, 503 otherwise
    GET  /metrics              Prometheus metrics (renders, render seconds, queue, worker restarts)
    GET  /api/schema           the JSON Schema of district.yaml
    POST /api/editions         the edition as a PDF (?variant=screen|print), web zip or EPUB (?variant=web|epub)
    POST /api/previews         PNG images of the edition's own pages and one shared page
    POST /api/district-folder  a zip of district.yaml and the logo
    POST /api/open             a district folder (zip, or district.yaml and logo) as form values

The server keeps no state between requests: each request's files live in a temporary folder
for the duration of its render (see engine.py). Every response carries an ``X-Request-ID`` and a
Content-Security-Policy that allows nothing but this server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import portrait
from portrait.studio.engine import (
    MAX_DISTRICT_CHARS,
    MAX_RENDERS,
    VARIANTS,
    Answer,
    Engine,
    FieldProblem,
    Job,
    QueueFull,
    RenderUnavailable,
    district_schema,
    download_name,
    too_long_problem,
)
from portrait.studio.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE

log = logging.getLogger("portrait.studio")

STATIC = Path(__file__).parent / "static"
# The editions /api/editions makes besides the PDFs: ?variant=web (the web edition's zip), epub.
REFLOWED = tuple(name for name in portrait.FORMAT_NAMES if name not in VARIANTS)  # web, EPUB
MAX_BODY_BYTES = 5 * 1024 * 1024
BODY_TIMEOUT = 30.0  # seconds to receive a request's whole body (408 after that)
SHUTDOWN_TIMEOUT = 30.0  # seconds running renders are given to finish after SIGTERM
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    pass


class BadText(Exception):
    """An uploaded district.yaml that is not UTF-8."""

    def __init__(self, problem: FieldProblem):
        super().__init__(problem.message)
        self.problem = problem


def problems_response(problems: list[FieldProblem] | tuple[FieldProblem, ...], status: int = 422) -> JSONResponse:
    return JSONResponse({"problems": [p.as_json() for p in problems]}, status_code=status)


class Guard:
    """Outermost middleware: a request id on every response, the security headers, and for
    anything unexpected a 500 that names the request id (the traceback goes to the log only)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in dict(SECURITY_HEADERS)]
                headers += SECURITY_HEADERS + [(b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except ClientDisconnect:
            # The client went away before its request was read: nothing to answer, not a fault.
            log.info("request %s %s %s: the client disconnected", request_id, scope.get("method"), scope.get("path"))
        except Exception:
            log.exception("request %s %s %s failed", request_id, scope.get("method"), scope.get("path"))
            if started:
                raise
            response = JSONResponse(
                {
                    "error": "internal error: the studio could not answer this request. "
                    "It has been logged; please try again, and quote this request id if it persists.",
                    "request_id": request_id,
                },
                status_code=500,
            )
            await response(scope, receive, send_with_headers)


async def read_form(request: Request, limit: int, timeout: float = BODY_TIMEOUT) -> Any:
    """The multipart form, read only up to ``limit`` bytes (else BodyTooLarge) and within
    ``timeout`` seconds (else BodyTimeout: a body shorter than its Content-Length, or one sent
    too slowly, does not hold the server)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise BodyTooLarge()
    chunks = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise BodyTooLarge()
                chunks.append(chunk)
    except TimeoutError:
        raise BodyTimeout() from None
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return await Request(request.scope, replay).form(max_files=4, max_fields=16, max_part_size=limit)


async def _text(value: Any) -> str | None:
    """A form value as text: a plain field, or an uploaded district.yaml."""
    if value is None:
        return None
    if isinstance(value, UploadFile):
        data = await value.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise BadText(
                FieldProblem(
                    "district",
                    f"the district file `{value.filename or 'district.yaml'}` is not UTF-8 text "
                    f"(byte {exc.start:,}, line {line}, cannot be read as UTF-8)",
                    fix="save the file as UTF-8 (in most editors: Save As, Encoding: UTF-8) and choose it again",
                    line=line,
                )
            ) from None
    return str(value)


def create_app(
    root: Path | str | None = None,
    *,
    workers: int | None = None,
    queue_size: int = 8,
    timeout: float | None = None,
    max_body: int = MAX_BODY_BYTES,
    body_timeout: float = BODY_TIMEOUT,
    max_renders: int = MAX_RENDERS,
    shutdown_timeout: float = SHUTDOWN_TIMEOUT,
    engine: Engine | None = None,
) -> Starlette:
    """The studio for the project at ``root``.

    ``workers`` render processes (default: the cores, at most 4); ``queue_size`` requests may
    wait for one beyond those that are rendering, further ones get 429. ``timeout``: seconds of
    rendering per request (503 after that); ``max_renders``: a worker is replaced by a fresh one
    after that many renders (0: never); ``body_timeout``: seconds to receive a request's body
    (408 after that); ``shutdown_timeout``: seconds running renders may take to finish when the
    server stops.
    """
    from portrait import Project

    if engine is None:
        options: dict[str, Any] = {"workers": workers, "queue_size": queue_size, "max_renders": max_renders}
        if timeout is not None:
            options["timeout"] = timeout
        engine = Engine(Project.at(root).root, **options)
    fonts: dict[str, Path] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        fonts.update(engine.font_files())
        engine.start()
        try:
            await engine.warm_up()
            yield
        finally:
            await engine.aclose(shutdown_timeout)

    async def page(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    async def healthz(request: Request) -> Response:
        if engine.can_render():
            return PlainTextResponse("ok", headers={"Cache-Control": "no-store"})
        state = "stopping" if engine.stopping else "no render worker is ready"
        return PlainTextResponse(
            f"unavailable: {state}", status_code=503, headers={"Retry-After": "5", "Cache-Control": "no-store"}
        )

    async def readyz(request: Request) -> Response:
        state = engine.status()
        return JSONResponse(
            state, status_code=200 if state["accepting"] else 503, headers={"Cache-Control": "no-store"}
        )

    async def metrics(request: Request) -> Response:
        return Response(engine.metrics.text(), media_type=METRICS_CONTENT_TYPE)

    async def schema(request: Request) -> Response:
        return JSONResponse(district_schema())

    async def font(request: Request) -> Response:
        path = fonts.get(request.path_params["name"])
        if path is None:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path, media_type="font/otf", headers={"Cache-Control": "public, max-age=86400"})

    async def form_of(request: Request) -> Any:
        try:
            return await read_form(request, max_body, body_timeout)
        except BodyTooLarge:
            return too_large(max_body)
        except BodyTimeout:
            log.info(
                "request %s: the body did not arrive within %.0f s", request.scope["state"]["request_id"], body_timeout
            )
            return JSONResponse(
                {"error": f"the request's body did not arrive within {body_timeout:.0f} s"},
                status_code=408,
                headers={"Connection": "close"},
            )

    async def job_from(request: Request, action: str) -> Job | Response:
        variant = request.query_params.get("variant", "screen")
        if variant not in VARIANTS and variant not in REFLOWED:
            return problems_response(
                [
                    FieldProblem(
                        "variant",
                        f"unknown variant `{variant}`",
                        fix="use variant=screen or variant=print (PDFs), variant=web or variant=epub",
                    )
                ]
            )
        form = await form_of(request)
        if isinstance(form, Response):
            return form
        try:
            district = await _text(form.get("district"))
        except BadText as exc:
            return problems_response([exc.problem])
        if not district or not district.strip():
            return problems_response(
                [FieldProblem("district", "no district.yaml text was sent", fix="fill in the district's name at least")]
            )
        if len(district) > MAX_DISTRICT_CHARS:  # before anything parses it
            return problems_response([too_long_problem(district)])
        logo = form.get("logo")
        logo_bytes = logo_filename = None
        if isinstance(logo, UploadFile):
            logo_bytes, logo_filename = await logo.read(), logo.filename
            if not logo_bytes:
                logo_bytes = None
        slug = form.get("slug")
        slug = str(slug).strip() if slug and not isinstance(slug, UploadFile) else None
        conformance = form.get("conformance") or "ua1"  # the screen PDF's standard (build --conformance)
        if conformance not in portrait.SCREEN_VARIANTS:
            return problems_response(
                [
                    FieldProblem(
                        "conformance",
                        f"unknown conformance `{conformance}`",
                        fix=f"use conformance={' or conformance='.join(portrait.SCREEN_VARIANTS)} "
                        "(ua1: PDF/UA-1, the default)",
                    )
                ]
            )
        if variant == "screen":
            variant = portrait.SCREEN_VARIANTS[str(conformance)].name
        return Job(action, district, logo_bytes, logo_filename, slug or None, variant)

    async def run(request: Request, action: str) -> Answer | Response:
        job = await job_from(request, action)
        if isinstance(job, Response):
            return job
        request_id = request.scope["state"]["request_id"]
        try:
            answer = await engine.run(job)
        except QueueFull as exc:
            return JSONResponse(
                {"error": f"{exc}", "retry_after": exc.retry_after},
                status_code=429,
                headers={"Retry-After": str(exc.retry_after)},
            )
        except RenderUnavailable as exc:
            log.warning("request %s: %s", request_id, exc)
            return JSONResponse(
                {"error": f"{exc}; please try again", "retry_after": exc.retry_after},
                status_code=503,
                headers={"Retry-After": str(exc.retry_after)},
            )
        if answer.problems:
            return problems_response(answer.problems)
        if answer.timed_out:
            log.warning("request %s: %s", request_id, answer.error)
            retry = engine.retry_after()
            return JSONResponse(
                {"error": answer.error, "retry_after": retry}, status_code=503, headers={"Retry-After": str(retry)}
            )
        if answer.error:
            # The input was valid but no file could be made: log it, answer like any bug.
            raise RuntimeError(f"{answer.slug}: {answer.error}")
        return answer

    async def editions(request: Request) -> Response:
        answer = await run(request, "pdf")
        if isinstance(answer, Response):
            return answer
        variant = request.query_params.get("variant", "screen")
        if variant in REFLOWED:  # the web edition's zip or the EPUB (portrait.formats)
            fmt = portrait.edition_formats()[variant]
            name = fmt.output(Path(), answer.slug).name
            disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
            return Response(answer.pdf, media_type=fmt.media_type, headers=disposition)
        name = download_name(answer.slug, variant)
        return Response(
            answer.pdf,
            media_type="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Portrait-Pages": str(answer.pages),
            },
        )

    async def previews(request: Request) -> Response:
        answer = await run(request, "previews")
        if isinstance(answer, Response):
            return answer
        import base64

        return JSONResponse(
            {
                "slug": answer.slug,
                "pages": answer.pages,
                "notices": list(answer.notices),
                # each district colour as the print edition prints it (the press's profile)
                "print_colors": [
                    {"field": f, "screen": screen, "print": printed, "cmyk": cmyk, "delta_e": de}
                    for f, screen, printed, cmyk, de in answer.print_colors
                ],
                "images": [
                    {
                        "page": p.page,
                        "label": p.label,
                        "width": p.width,
                        "height": p.height,
                        "src": "data:image/png;base64," + base64.b64encode(p.png).decode(),
                    }
                    for p in answer.previews
                ],
            }
        )

    async def district_folder(request: Request) -> Response:
        answer = await run(request, "folder")
        if isinstance(answer, Response):
            return answer
        return Response(
            answer.folder,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{answer.slug}.zip"'},
        )

    async def open_folder(request: Request) -> Response:
        form = await form_of(request)
        if isinstance(form, Response):
            return form

        async def data(name: str) -> bytes | None:
            value = form.get(name)
            if isinstance(value, UploadFile):
                return await value.read() or None
            return value.encode("utf-8") if isinstance(value, str) and value else None

        folder, district, logo = await data("folder"), await data("district"), await data("logo")
        opened = await run_in_threadpool(engine.open_folder, folder=folder, district=district, logo=logo)
        return JSONResponse(opened)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 400:  # a malformed multipart body
            return problems_response([FieldProblem("request", str(exc.detail))], status=400)
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    routes = [
        Route("/", page),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route("/api/schema", schema),
        Route("/api/editions", editions, methods=["POST"]),
        Route("/api/previews", previews, methods=["POST"]),
        Route("/api/district-folder", district_folder, methods=["POST"]),
        Route("/api/open", open_folder, methods=["POST"]),
        Route("/fonts/{name}", font),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error},
        middleware=[Middleware(Guard)],  # inside Starlette's last-resort handler, outside the routes
    )
    app.state.engine = engine
    return app


def too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        {
            "problems": [
                {
                    "field": "logo",
                    "message": f"the request is larger than {limit // 1024 // 1024} MB",
                    "fix": "use a smaller logo file (an SVG, or a PNG or JPEG of at most 450 pixels across is plenty)",
                    "line": None,
                }
            ]
        },
        status_code=413,
    )


class StoppableServer(uvicorn.Server):
    """uvicorn's server, which stops gracefully on SIGTERM and SIGINT and then raises the signal
    again (the process would end "killed by SIGTERM"). A requested stop is not a failure: this
    one ends with 0. A second Ctrl-C still forces the exit."""

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        captured = getattr(self, "_captured_signals", None)
        if isinstance(captured, list):
            captured.clear()


def serve(
    root: Path | None,
    host: str,
    port: int,
    workers: int | None = None,
    queue_size: int = 8,
    *,
    max_renders: int = MAX_RENDERS,
    timeout: float | None = None,
    shutdown_timeout: float = SHUTDOWN_TIMEOUT,
    log_level: str = "info",
) -> int:
    """``python build.py studio``: serve the studio until SIGTERM or SIGINT.

    On either signal the server stops taking connections, lets running requests finish for up to
    ``shutdown_timeout`` seconds, stops its workers, and returns 0. ``log_level``: "warning" with
    ``--quiet``, "debug" with ``--verbose``."""
    logging.basicConfig(
        level=getattr(logging, log_level.upper()), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(
        root,
        workers=workers,
        queue_size=queue_size,
        timeout=timeout,
        max_renders=max_renders,
        shutdown_timeout=shutdown_timeout,
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=max(1, math.ceil(shutdown_timeout)),
    )
    StoppableServer(config).run()
    return 0

"""The studio's render pool: every call from the studio into the pipeline is in this module.

A request's district.yaml text and logo are written into a fresh temporary folder, read and
checked with the same code as ``python build.py district`` (``load_district``), and rendered by
``Renderer.edition``. That CPU work runs in worker processes supervised by ``supervisor.py``,
never on the web server's event loop. The workers are forked from a template process that has
laid out the shared pages of the Portrait once, so each edition only lays out its own pages and a
replacement worker is ready at once. A worker that dies costs only the request it held (503).

Nothing outlives a request: the temporary folder (the district's files and the sanitised logo
the pipeline writes, in the studio's scratch folder, by worker) is removed when the request's
work is done, or with its worker if that is killed; a worker keeps only the Portrait's own
layout between requests.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import math
import os
import pickle
import re
import shutil
import signal
import struct
import tempfile
import time
import unicodedata
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

import portrait
from portrait import InputError, PortraitError, Problem, Project
from portrait.studio.metrics import StudioMetrics
from portrait.studio.supervisor import ACK, StartFailed, Supervisor, Unavailable, WorkerLost

log = logging.getLogger("portrait.studio")

VARIANTS = ("screen", "print")
# Studio limits, on top of the command line's rules (which apply as they are).
MAX_FOREWORD_CHARS = 6000  # about two pages of text
MAX_FOREWORD_PAGES = 2
MAX_DISTRICT_CHARS = 100_000  # district.yaml text; a real one is a few kilobytes
RENDER_TIMEOUT = 60.0  # seconds of work in a worker for one request
HARD_GRACE = 5.0  # a worker that has not answered RENDER_TIMEOUT + this many seconds after a job is killed
QUEUE_WAIT = 20.0  # seconds a request may wait for a free worker before it is answered 503
MAX_RENDERS = 200  # a worker is replaced by a fresh one after this many renders (memory stays bounded)
DEFAULT_SLUG = "district"
PREVIEW_WIDTH_PX = 600  # preview images, in pixels across a page


@dataclass(frozen=True)
class Job:
    """One request's work, as sent to a worker process (plain data: it is pickled)."""

    action: str  # "pdf", "previews" or "folder"
    district: str  # the text of a district.yaml
    logo: bytes | None = None
    logo_filename: str | None = None
    slug: str | None = None
    variant: str = "screen"  # a name in portrait.finish.variants.ALL_VARIANTS ("screen-ua2"), "web" or "epub"


@dataclass(frozen=True)
class FieldProblem:
    """A problem for the form: ``field`` is the district.yaml key (``foreword.signed[0].name``),
    or ``logo``, ``slug``, ``district`` (the text as a whole)."""

    field: str
    message: str
    fix: str | None = None
    line: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, "fix": self.fix, "line": self.line}


@dataclass(frozen=True)
class PreviewPage:
    page: int  # 1-based
    label: str
    png: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Answer:
    """What a worker sends back: problems, or the file(s) asked for."""

    slug: str
    problems: tuple[FieldProblem, ...] = ()
    pdf: bytes | None = None
    pages: int = 0
    previews: tuple[PreviewPage, ...] = ()
    folder: bytes | None = None
    notices: tuple[str, ...] = ()
    print_colors: tuple[tuple[str, str, str, str, float], ...] = ()  # Edition.print_colors
    error: str | None = None  # the output could not be made (a BuildError or a timeout): a 500
    timed_out: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems and self.error is None


class QueueFull(Exception):
    """Every worker is busy and the waiting line is full."""

    def __init__(self, retry_after: int):
        super().__init__(f"the render queue is full; retry in {retry_after} s")
        self.retry_after = retry_after


class RenderUnavailable(Exception):
    """The request's render could not be made now: its worker died or overran its hard deadline,
    no worker became free in time, or the studio is stopping. Answered 503 with Retry-After."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class Engine:
    """A bounded, supervised pool of render workers for one project.

    At most ``workers + queue_size`` jobs are accepted at once (running or waiting); past that,
    ``run`` raises ``QueueFull`` at once instead of letting requests pile up. A worker that dies
    costs only the job it held (``RenderUnavailable``) and is replaced; one that overruns
    ``timeout`` by ``HARD_GRACE`` seconds is killed; one that has made ``max_renders`` renders is
    replaced by a fresh one (0: never), so that memory stays bounded.
    """

    def __init__(
        self,
        root: Path,
        *,
        workers: int | None = None,
        queue_size: int = 8,
        timeout: float = RENDER_TIMEOUT,
        max_renders: int = MAX_RENDERS,
        metrics: StudioMetrics | None = None,
    ):
        self.project = Project.at(root)
        self.workers = max(1, workers or min(os.cpu_count() or 1, 4))
        self.queue_size = max(0, queue_size)
        self.timeout = timeout
        self.hard_grace = HARD_GRACE
        self.queue_wait = QUEUE_WAIT
        self.max_renders = max(0, max_renders)
        self.metrics = metrics or StudioMetrics()
        self.in_flight = 0
        self._pool: Supervisor | None = None
        self._seconds = 2.0  # running mean of a job's time, for Retry-After

    @property
    def capacity(self) -> int:
        return self.workers + self.queue_size

    @property
    def waiting(self) -> int:
        """Jobs accepted and not yet in a worker."""
        busy = len(self._pool.busy_pids()) if self._pool else 0
        return max(0, self.in_flight - busy)

    def start(self) -> None:
        """Prepare the workers (they start in ``warm_up``, which needs the event loop)."""
        # Not fork: the server process runs an event loop and threads, which a fork would copy
        # in whatever state they are in (Supervisor uses spawn).
        # Every request's folder is made in here (by worker: scratch/<pid>/); removed on stop.
        self.scratch = Path(tempfile.mkdtemp(prefix="portrait-studio-"))
        self._pool = Supervisor(
            _worker_warm,
            _worker_serve,
            (str(self.project.root), str(self.scratch)),
            self.workers,
            max_jobs=self.max_renders,
            on_restart=self.metrics.worker_restarted,
            on_exit=lambda pid: shutil.rmtree(self.scratch / str(pid), ignore_errors=True),
        )
        self.metrics.bind(self)

    async def warm_up(self) -> None:
        """Start every worker; each lays out the Portrait's shared pages before it is ready.
        Raises InputError if the project is broken."""
        try:
            await self._require_pool().start()
        except StartFailed as exc:
            if isinstance(exc.problems, list):
                raise InputError([Problem(p[0], p[1], fix=p[2]) for p in exc.problems]) from None
            raise

    async def aclose(self, deadline: float = 0.0) -> None:
        """Take no new render; let running ones finish for up to ``deadline`` seconds; stop the workers."""
        if self._pool is not None:
            await self._pool.stop(deadline)
            self._pool = None
            shutil.rmtree(self.scratch, ignore_errors=True)

    def stop(self) -> None:
        """Stop the workers at once (outside an event loop)."""
        if self._pool is not None:
            asyncio.run(self.aclose())

    # What /healthz, /readyz and /metrics report.

    @property
    def stopping(self) -> bool:
        return self._pool is None or self._pool.stopping

    def can_render(self) -> bool:
        """A render can start: the studio is not stopping and a worker is alive and ready."""
        return not self.stopping and self._pool is not None and self._pool.ready > 0

    def accepting(self) -> bool:
        """A new request would be taken now (not answered 429)."""
        return self.can_render() and self.in_flight < self.capacity

    def status(self) -> dict[str, Any]:
        pool = self._pool
        return {
            "can_render": self.can_render(),
            "accepting": self.accepting(),
            "stopping": self.stopping,
            "workers": self.workers,
            "workers_ready": pool.ready if pool else 0,
            "workers_idle": pool.idle if pool else 0,
            "in_flight": self.in_flight,
            "waiting": self.waiting,
            "capacity": self.capacity,
            "worker_restarts": pool.restarts if pool else 0,
        }

    def worker_pids(self) -> list[int]:
        return self._pool.pids() if self._pool else []

    def template_pid(self) -> int | None:
        """The process the workers are forked from."""
        return self._pool.template_pid() if self._pool else None

    def busy_worker_pids(self) -> list[int]:
        return self._pool.busy_pids() if self._pool else []

    def retry_after(self) -> int:
        """Seconds until a place in the queue is likely free."""
        return max(1, math.ceil(self._seconds * self.capacity / self.workers))

    async def run(self, job: Job) -> Answer:
        """Run ``job`` in a worker. Raises QueueFull when the pool is saturated and
        RenderUnavailable when its worker was lost or none can take it."""
        if self.in_flight >= self.capacity:
            self.metrics.rendered("refused", 0.0)
            raise QueueFull(self.retry_after())
        self.in_flight += 1
        start = time.perf_counter()
        try:
            pool = self._require_pool()
            try:
                answer: Answer = await pool.submit(
                    (job, self.timeout), self.timeout + self.hard_grace, wait=self.timeout
                )
            except (WorkerLost, Unavailable) as exc:
                self.metrics.rendered("lost" if isinstance(exc, WorkerLost) else "unavailable", 0.0)
                raise RenderUnavailable(str(exc), max(self.retry_after(), 2)) from None
            self._seconds = 0.8 * self._seconds + 0.2 * answer.seconds
            status = (
                "timeout" if answer.timed_out else "error" if answer.error else "problems" if answer.problems else "ok"
            )
            self.metrics.rendered(status, time.perf_counter() - start)
            return answer
        finally:
            self.in_flight -= 1

    def _require_pool(self) -> Supervisor:
        if self._pool is None:
            raise RenderUnavailable("the studio is stopping", 5)
        return self._pool

    # Work done in the server process: cheap, bounded, no rendering.

    def font_files(self) -> dict[str, Path]:
        """The brand's font files by name (the studio page is set in the brand's type)."""
        from portrait import font_files, load_brand

        return {path.name: path for path in font_files(self.project, load_brand(self.project))}

    def open_folder(self, *, folder: bytes | None, district: bytes | None, logo: bytes | None) -> dict[str, Any]:
        """Read a district folder (a zip, or a district.yaml and its logo) back into form values.

        Returns ``{"district": {...}, "slug", "logo": {"filename", "type", "data"}, "problems"}``;
        the values are returned even when the file has problems, so that they can be fixed in
        the form.
        """
        return open_folder(self.project, folder=folder, district=district, logo=logo)


def district_schema() -> dict[str, Any]:
    """The JSON Schema of district.yaml, from the pydantic model the build validates with."""
    from portrait import District

    schema = District.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "district.yaml"
    return schema


def slug_for(name: str) -> str:
    """A folder name from a district's name: "Distrito de Peña & Valle" → "distrito-de-pena-valle"."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    while len(slug) > 60:
        slug = slug[:60].rsplit("-", 1)[0] if "-" in slug[:60] else slug[:60]
    return slug or DEFAULT_SLUG


def logo_name(data: bytes | None, filename: str | None) -> str:
    """What the uploaded logo is called in the district folder: ``logo.svg``/``.png``/``.jpg``
    by its content; an unknown kind keeps the upload's extension, so that the pipeline's message
    ("not an SVG, PNG or JPEG file name") names it."""
    from portrait import sniff

    kind = sniff(data) if data else None
    if kind:
        return "logo." + {"svg": "svg", "png": "png", "jpeg": "jpg"}[kind]
    suffix = re.sub(r"[^a-z0-9]", "", Path(filename or "").suffix.lower())[:8]
    return f"logo.{suffix}" if suffix else "logo"


_LOGO_KEY = re.compile(r"^logo[ \t]*:[ \t]*(.*?)[ \t]*(?:#.*)?$", re.MULTILINE)


def with_logo_key(text: str, name: str) -> tuple[str, str]:
    """``text`` with a ``logo:`` key naming the uploaded file, and the name the file gets.

    A district.yaml that names its logo keeps that name (the file is saved under it, and the
    pipeline checks that its content matches); one without gets ``logo: <name>`` at the end.
    """
    match = _LOGO_KEY.search(text)
    if match:
        given = match.group(1).strip().strip("\"'")
        return text, given or name
    if text and not text.endswith("\n"):
        text += "\n"
    return text + f"logo: {name}\n", name


def field_of(problem: Problem) -> str:
    """The form field a pipeline problem belongs to."""
    if problem.key:
        return problem.key
    if problem.file.startswith("content/districts/") and problem.file.endswith("/"):
        return "slug"
    return "district"


def _peek(text: str) -> dict[str, Any]:
    """The top-level mapping of ``text``, or {} (load_district reports what is wrong with it)."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


# Work done in the worker processes.

_state: dict[str, Any] = {}


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` in a library
    swallows it and carries on rendering."""


def _on_alarm(signum: int, frame: Any) -> None:
    # Recorded before raising: C code that was running when the alarm fired may replace the
    # exception with one of its own (numpy turns it into a TypeError), and the render still timed out.
    _state["alarmed"] = True
    raise _Timeout()


def _setup(root: str) -> tuple[Project, Any]:
    """This worker's project and validated inputs, read once."""
    if _state.get("root") != root:
        from portrait import load_inputs

        project = Project.at(root)
        scratch = _state.get("scratch")
        _state.clear()
        inputs = load_inputs(project)
        # Nothing is read from or written to output/.cache/: the studio writes nothing into the project.
        maker = portrait.EditionMaker(project, inputs, disk_cache=False)
        _state.update(root=root, project=project, inputs=inputs, maker=maker, scratch=scratch)
    return _state["project"], _state["inputs"]


def _maker() -> portrait.EditionMaker:
    maker = _state["maker"]
    assert isinstance(maker, portrait.EditionMaker)
    return maker


def _worker_warm(root: str, scratch: str) -> list[tuple[str, str, str | None]]:
    """In the template process: read the project and lay out the shared pages, once for every worker."""
    return _warm(root)


def _worker_serve(conn: Any, root: str, scratch: str) -> None:
    """A render worker (forked from the template, warm): answer jobs until told to stop.

    Its requests' folders are made in ``scratch/<pid>/``, which the server removes when this
    worker is replaced: a worker killed mid-render leaves nothing behind in $TMPDIR."""
    _state["scratch"] = Path(scratch) / str(os.getpid())
    _state["scratch"].mkdir(parents=True, exist_ok=True)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server is gone
        if message is None:
            return
        job, timeout = message
        conn.send(ACK)
        answer = _work(root, job, timeout)
        payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        if _fault(job) == "die-writing-result":
            _die_halfway(conn, payload)
        conn.send_bytes(payload)


# Faults on purpose, for the fault-injection tests only: with PORTRAIT_STUDIO_FAULTS=1 in the
# server's environment, a job whose slug is ``fault-<name>`` misbehaves in its worker.
FAULTS_ENV = "PORTRAIT_STUDIO_FAULTS"


def _fault(job: Job) -> str | None:
    if os.environ.get(FAULTS_ENV) == "1" and job.slug and job.slug.startswith("fault-"):
        return job.slug.removeprefix("fault-")
    return None


def _act_fault(name: str | None) -> None:
    if name == "slow":  # a long render (the alarm stops it)
        time.sleep(3600)
    elif name == "hang":  # stuck where even the alarm cannot stop it
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
        time.sleep(3600)
    elif name == "die":
        os.kill(os.getpid(), signal.SIGKILL)


def _die_halfway(conn: Any, payload: bytes) -> None:
    """Write the answer's length and half of it, then die: the server must not wait for the rest."""
    data = struct.pack("!i", len(payload)) + payload[: len(payload) // 2]
    while data:
        data = data[os.write(conn.fileno(), data) :]
    os.kill(os.getpid(), signal.SIGKILL)


def _warm(root: str) -> list[tuple[str, str, str | None]]:
    """Read the Portrait's inputs and lay out its shared pages for the screen edition."""
    try:
        _setup(root)
    except InputError as exc:
        return [(p.file, p.message, p.fix) for p in exc.problems]
    _maker().renderer(portrait.SCREEN).shared()
    return []


def _work(root: str, job: Job, timeout: float) -> Answer:
    start = time.perf_counter()
    # The render is stopped after ``timeout`` seconds of work (waiting in the queue not counted).
    _state["alarmed"] = False
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        answer = _do(root, job)
    except Exception as exc:
        if _state["alarmed"]:  # the alarm's _Timeout, replaced on its way up (see _on_alarm)
            answer = _timed_out(job, timeout)
        else:  # a bug: the request gets a 500 (logged by the server), the worker lives on
            import traceback

            answer = Answer(job.slug or DEFAULT_SLUG, error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
    except _Timeout:
        answer = _timed_out(job, timeout)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return replace(answer, seconds=time.perf_counter() - start)


def _timed_out(job: Job, timeout: float) -> Answer:
    # A render stopped halfway may leave a renderer's layout half made: start afresh.
    if "maker" in _state:
        _maker().forget()
    return Answer(
        job.slug or DEFAULT_SLUG,
        error=f"the render took longer than {timeout:.0f} s and was stopped",
        timed_out=True,
    )


def _do(root: str, job: Job) -> Answer:
    from portrait import DISTRICT_FILE, check_slug, load_district, make_edition

    project, _ = _setup(root)
    if len(job.district) > MAX_DISTRICT_CHARS:  # before anything parses it
        return Answer(job.slug or DEFAULT_SLUG, problems=(too_long_problem(job.district),))
    data = _peek(job.district)
    name = data.get("short_name") or data.get("name")
    slug = job.slug or slug_for(name if isinstance(name, str) else "")
    bad_slug = check_slug(slug)
    if bad_slug:  # before the slug names a folder
        return Answer(DEFAULT_SLUG, problems=(_for_form(bad_slug, job),))
    problems = _studio_limits(job, data)
    if problems:
        return Answer(slug, problems=tuple(problems))
    text, logo_file = job.district, None
    if job.logo is not None:
        text, logo_file = with_logo_key(job.district, logo_name(job.logo, job.logo_filename))

    # A folder of this request's own, outside the project, removed when it is answered.
    with tempfile.TemporaryDirectory(prefix="request-", dir=_state.get("scratch")) as tmp:
        folder = Path(tmp) / slug
        folder.mkdir()
        (folder / DISTRICT_FILE).write_text(text, encoding="utf-8")
        if job.logo is not None and logo_file and _plain_name(logo_file) and logo_file != DISTRICT_FILE:
            (folder / logo_file).write_bytes(job.logo)
        _act_fault(_fault(job))
        try:
            district, logo = load_district(project, slug, folder)
        except InputError as exc:
            return Answer(slug, problems=tuple(_for_form(p, job) for p in exc.problems))
        edition = make_edition(slug, district, logo)
        if job.action == "folder":
            return Answer(slug, folder=_zip(text, logo_file, job.logo, slug), notices=edition.notices)
    try:
        if job.action == "previews":
            return _previews(slug, edition)
        if not portrait.edition_formats()[job.variant].is_pdf:
            return _reflowed(slug, edition, job.variant)
        return _pdf(slug, edition, job.variant)
    except PortraitError as exc:
        return Answer(slug, error=str(exc), notices=edition.notices)


def _plain_name(name: str) -> bool:
    # The pipeline refuses other names itself (logo_source); only never write outside the folder.
    return "/" not in name and "\\" not in name and name not in ("", ".", "..")


def too_long_problem(text: str) -> FieldProblem:
    return FieldProblem(
        "district",
        f"the district.yaml text is {len(text):,} characters; the studio takes at most {MAX_DISTRICT_CHARS:,}",
        fix="shorten the foreword",
    )


def _studio_limits(job: Job, data: dict[str, Any]) -> list[FieldProblem]:
    problems = []
    foreword = data.get("foreword")
    body = foreword.get("body") if isinstance(foreword, dict) else None
    if isinstance(body, str) and len(body) > MAX_FOREWORD_CHARS:
        problems.append(
            FieldProblem(
                "foreword.body",
                f"the foreword is {len(body):,} characters; the studio takes at most {MAX_FOREWORD_CHARS:,} "
                f"(about {MAX_FOREWORD_PAGES} pages)",
                fix="shorten the foreword",
            )
        )
    return problems


def _for_form(problem: Problem, job: Job) -> FieldProblem:
    fix = problem.fix
    if problem.key == "logo" and job.logo is None and "is not in the district's folder" in problem.message:
        fix = "choose the logo file (SVG, PNG or JPEG) to upload with it"
    return FieldProblem(field_of(problem), problem.message, fix, problem.line)


def download_name(slug: str, variant: str) -> str:
    """``portrait-of-a-leader-<slug>[-print].pdf``: the name the command line gives that file."""
    return portrait.edition_formats()[variant].output(Path(), slug).name


def _pdf(slug: str, edition: portrait.Edition, variant: str) -> Answer:
    made = _maker().make(portrait.edition_formats()[variant], edition, name=download_name(slug, variant))
    too_long = _foreword_too_long(made, edition)
    if too_long:
        return Answer(slug, problems=(too_long,), notices=edition.notices)
    made.checked()
    return Answer(slug, pdf=made.data, pages=made.pages, notices=edition.notices)


def _reflowed(slug: str, edition: portrait.Edition, fmt: str) -> Answer:
    """The web edition (zip) or the EPUB, in ``Answer.pdf``: the file asked for. The printed
    pages of the EPUB's page-list come from this worker's screen layout (the maker has no disk
    cache), and nothing is written to disk."""
    made = _maker().make(portrait.edition_formats()[fmt], edition, name=download_name(slug, fmt)).checked()
    return Answer(slug, pdf=made.data, notices=edition.notices)


def _foreword_too_long(rendered: portrait.Made, edition: portrait.Edition) -> FieldProblem | None:
    pages = _foreword_pages(rendered, edition)
    if pages <= MAX_FOREWORD_PAGES:
        return None
    return FieldProblem(
        "foreword.body",
        f"the foreword takes {pages} pages; the studio allows at most {MAX_FOREWORD_PAGES}",
        fix="shorten the foreword or use fewer signers",
    )


def _foreword_pages(rendered: portrait.Made, edition: portrait.Edition) -> int:
    """Pages between the cover and the contents (both are bookmarks of every edition)."""
    if edition.foreword is None:
        return 0
    assert rendered.facts is not None  # a PDF's
    contents = [page for level, title, page in rendered.facts.outline if level == 1 and title == "Contents"]
    return (contents[0] or 1) - 1 if contents else 1


def _previews(slug: str, edition: portrait.Edition) -> Answer:
    """The real pages of the screen edition: cover, foreword, a shared page with the district's
    footer, back cover; as PNG images of the PDF's pages."""
    from portrait import rasterise

    rendered = _maker().make(portrait.edition_formats()["screen"], edition, name=download_name(slug, "screen"))
    too_long = _foreword_too_long(rendered, edition)
    if too_long:
        return Answer(slug, problems=(too_long,), notices=edition.notices)
    foreword = _foreword_pages(rendered, edition)
    wanted = [(0, "Cover")]
    wanted += [(1 + i, "Foreword" if foreword == 1 else f"Foreword, page {i + 1}") for i in range(foreword)]
    # The first page after the contents: a page of the Portrait, with the district in its footer.
    wanted.append((foreword + 2, "A page of the Portrait, with your name in its footer"))
    wanted.append((rendered.pages - 1, "Back cover"))
    images = []
    for index, image in rasterise(rendered.data, width=PREVIEW_WIDTH_PX, pages=[i for i, _ in wanted]):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=False, compress_level=6)
        images.append(PreviewPage(index + 1, dict(wanted)[index], buffer.getvalue(), image.width, image.height))
    return Answer(
        slug, previews=tuple(images), pages=rendered.pages, notices=edition.notices, print_colors=edition.print_colors
    )


ZIP_SLUG = "portrait-district-slug: "  # the zip's comment: the folder name, kept for Continue editing


def _zip(text: str, logo_file: str | None, logo: bytes | None, slug: str) -> bytes:
    """district.yaml and the logo, at the top of the archive: unpacked into
    content/districts/<slug>/, it is a folder `build.py district <slug>` builds as it is. The
    slug travels in the zip's comment, so that opening the zip again gives the same folder name."""
    from portrait import DISTRICT_FILE

    buffer = io.BytesIO()
    stamp = (2025, 1, 1, 0, 0, 0)  # the same files give the same bytes
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.comment = (ZIP_SLUG + slug).encode()
        archive.writestr(zipfile.ZipInfo(DISTRICT_FILE, stamp), text.encode("utf-8"), zipfile.ZIP_DEFLATED)
        if logo_file and logo is not None:
            archive.writestr(zipfile.ZipInfo(logo_file, stamp), logo, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# Opening a district folder again (server process: small, bounded work).

MAX_ZIP_MEMBERS = 100


def open_folder(
    project: Project, *, folder: bytes | None, district: bytes | None, logo: bytes | None
) -> dict[str, Any]:
    from portrait import MAX_LOGO_BYTES, MAX_YAML_BYTES, sniff

    problems: list[FieldProblem] = []
    logo_filename: str | None = None
    kept_slug = None
    if folder is not None:
        district, logo, logo_filename, problems = _read_zip(folder, MAX_YAML_BYTES, MAX_LOGO_BYTES)
        kept_slug = _zip_slug(folder)
    if district is None:
        problems.append(FieldProblem("district", "no district.yaml was given", fix="choose a district.yaml or a zip"))
        return {"district": {}, "slug": None, "logo": None, "problems": [p.as_json() for p in problems]}
    values, read_problems = _read_yaml_text(district)
    problems += read_problems
    logo_json = None
    if logo is not None:
        kind = sniff(logo)
        mime = {"svg": "image/svg+xml", "png": "image/png", "jpeg": "image/jpeg"}.get(kind or "")
        if mime is None:
            problems.append(
                FieldProblem("logo", "the logo is not an SVG, PNG or JPEG image", fix="choose another file")
            )
        else:
            logo_json = {
                "filename": logo_filename or logo_name(logo, None),
                "type": mime,
                "data": base64.b64encode(logo).decode(),
            }
    name = values.get("short_name") or values.get("name")
    return {
        "district": values,
        "slug": kept_slug or (slug_for(name) if isinstance(name, str) else None),
        "logo": logo_json,
        "problems": [p.as_json() for p in problems],
    }


def _zip_slug(data: bytes) -> str | None:
    """The folder name of a zip: the slug in its comment (the studio's zips), or the one folder
    its district.yaml sits in (a district folder zipped whole); None when neither is a valid slug."""
    from portrait import DISTRICT_FILE, check_slug

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return None
    comment = archive.comment.decode("utf-8", "replace")
    slug = comment.removeprefix(ZIP_SLUG).strip() if comment.startswith(ZIP_SLUG) else None
    if slug is None:
        folders = {n.rsplit("/", 2)[-2] for n in archive.namelist() if n.endswith("/" + DISTRICT_FILE)}
        slug = folders.pop() if len(folders) == 1 else None
    return slug if slug and check_slug(slug) is None else None


def _read_zip(
    data: bytes, max_yaml: int, max_logo: int
) -> tuple[bytes | None, bytes | None, str | None, list[FieldProblem]]:
    """district.yaml and the logo it names, at the top of the zip or in one folder inside it."""
    from portrait import DISTRICT_FILE

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return None, None, None, [FieldProblem("folder", "not a zip file", fix="choose the zip the studio made")]
    if len(members) > MAX_ZIP_MEMBERS:
        return None, None, None, [FieldProblem("folder", f"the zip holds {len(members)} files", fix="zip one folder")]
    by_name = {m.filename: m for m in members if not m.is_dir()}
    yaml_name = next((n for n in sorted(by_name, key=len) if n.rsplit("/", 1)[-1] == DISTRICT_FILE), None)
    if yaml_name is None or yaml_name.count("/") > 1:
        return None, None, None, [FieldProblem("folder", "the zip has no district.yaml", fix="zip a district folder")]
    prefix = yaml_name[: -len(DISTRICT_FILE)]
    problems: list[FieldProblem] = []
    district = _read_member(archive, by_name[yaml_name], max_yaml)
    if district is None:
        return None, None, None, [FieldProblem("folder", "district.yaml in the zip is too large or damaged")]
    logo = logo_file = None
    named = _LOGO_KEY.search(district.decode("utf-8", "replace"))
    if named:
        logo_file = named.group(1).strip().strip("\"'")
        member = by_name.get(prefix + logo_file)
        if member is None:
            problems.append(FieldProblem("logo", f"the zip has no logo file `{logo_file}`", fix="choose the logo"))
        else:
            logo = _read_member(archive, member, max_logo)
            if logo is None:
                problems.append(FieldProblem("logo", "the logo in the zip is too large or damaged"))
    return district, logo, logo_file, problems


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bytes | None:
    if member.file_size > limit:
        return None
    try:
        with archive.open(member) as stream:
            data = stream.read(limit + 1)  # the header's size may lie: never read past the limit
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
        return None
    return data if len(data) <= limit else None


def _read_yaml_text(raw: bytes) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Parse with the pipeline's reader (no aliases, duplicate keys caught, line numbers), in
    memory: nothing is written for it. The studio's size limit is checked before parsing."""
    import json

    from portrait import DISTRICT_FILE, parse_yaml

    if len(raw) > 4 * MAX_DISTRICT_CHARS or len(raw.decode("utf-8", "replace")) > MAX_DISTRICT_CHARS:
        return {}, [too_long_problem(raw.decode("utf-8", "replace"))]
    try:
        source = parse_yaml(raw, DISTRICT_FILE)
    except InputError as exc:
        return {}, [FieldProblem(field_of(p), p.message, p.fix, p.line) for p in exc.problems]
    if not isinstance(source.data, dict):
        return {}, [FieldProblem("district", "the file must be keys and values (name:, logo:, ...)", line=1)]
    # Plain JSON values only (YAML dates and the like become text).
    return json.loads(json.dumps(source.data, default=str)), []

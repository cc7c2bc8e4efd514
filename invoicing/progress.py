"""Long runs show their progress: an issued run's documents (and any a crash left pending) are rendered after the
issuing commit, each committed, while the finance user's page (or the command line) shows how far it has got.

Jobs live in this process's memory: a page that asks after a job this process does not know is told so. A
document not rendered (a restart mid-way) stays pending (`invoicing.rendering`) for the next run,
`lantern render-pending` or sending.
"""
from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from invoicing.rendering import Pending, render_pending


@dataclass
class Job:
    id: str
    label: str
    total: int
    then: str                 # where the page goes once the job is done
    done: int = 0
    failed: str | None = None

    @property
    def finished(self) -> bool:
        return self.failed is not None or self.done >= self.total


_jobs: dict[str, Job] = {}
_lock = threading.Lock()


def start(label: str, total: int, then: str) -> Job:
    job = Job(uuid.uuid4().hex, label, total, then)
    with _lock:
        _jobs[job.id] = job
    return job


def get(job_id: str) -> Job | None:
    with _lock:
        return _jobs.get(job_id)


def render(db: Session, documents: list[Pending], report: Callable[[int, int], None]) -> list[str]:
    """Render and store each pending document, committing each; `report(done, total)` after each. Returns what could
    not be made, each a sentence with its reason."""
    return render_pending(db, documents, report).failures


def render_in_background(session_factory, documents: list[Pending], job: Job) -> None:
    """A background task after the response: its own session, the job updated as it goes."""
    db = session_factory(read_only=False)
    try:
        failures = render(db, documents, lambda done, _: setattr(job, "done", done))
        if failures:
            job.failed = " ".join(failures)
    except Exception as exc:  # the page says so; what is left stays pending for the next run or render-pending
        job.failed = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        db.close()

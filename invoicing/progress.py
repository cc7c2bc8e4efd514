"""Long runs show their progress: an issued run's documents are rendered after the issuing commit, a batch at a
time, each batch committed, while the finance user's page (or the command line) shows how far it has got.

Jobs live in this process's memory: a page that asks after a job this process does not know is told so. A
document not rendered (a restart mid-way) is rendered the first time it is opened or sent.
"""
from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from invoicing.models import CreditNote, Invoice
from invoicing.sending import after_issue
from provider.db import unit_of_work

BATCH = 25


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


def render(db: Session, documents: list[tuple[str, uuid.UUID]], report: Callable[[int, int], None]) -> None:
    """Render and store each document's PDF (and an NHS invoice's backing schedule), committing each batch;
    `report(done, total)` after each. `documents` are ("invoice" or "credit_note", id) in issuing order."""
    total = len(documents)
    for start_at in range(0, total, BATCH):
        batch = documents[start_at:start_at + BATCH]
        with unit_of_work(db):
            after_issue(db, [db.get(Invoice if kind == "invoice" else CreditNote, id_) for kind, id_ in batch])
        report(min(start_at + BATCH, total), total)


def refs(documents: list[Invoice | CreditNote]) -> list[tuple[str, uuid.UUID]]:
    return [("invoice" if isinstance(d, Invoice) else "credit_note", d.id) for d in documents]


def render_in_background(session_factory, documents: list[tuple[str, uuid.UUID]], job: Job) -> None:
    """A background task after the response: its own session, the job updated as it goes."""
    db = session_factory(read_only=False)
    try:
        render(db, documents, lambda done, _: setattr(job, "done", done))
    except Exception as exc:  # the page says so; each document is rendered again when it is opened or sent
        job.failed = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        db.close()

"""A live Lantern server for browser tests: uvicorn on a free port over its own committed database."""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def live_server(url: str, data_dir, fill: Callable) -> Iterator[str]:
    """Serve Lantern over `url` after `fill(session)` has run and committed; yields the base address."""
    import uvicorn

    from provider.config import Settings
    from provider.db import make_engine, open_session, unit_of_work
    from lantern.app import create_app

    engine = make_engine(url)
    with open_session(engine) as session, unit_of_work(session):
        fill(session)
    app = create_app(Settings(database_url=url, secret_key="browser-test-secret", data_dir=data_dir), engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        engine.dispose()

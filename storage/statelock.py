"""The state folder's lock: one service (`run` or `once`) at a time on a state folder.

Two services on one folder would both send what the outbox holds (issue 13 measured 977 alert
messages for 640 chat alerts). `StateLock.acquire(folder)` takes an exclusive, non-blocking
`flock` on `folder/sahelwatch.lock` and writes its process id there; a second service finds it
taken and gets a StoreError naming the process that holds it. The kernel releases the lock when
the holder's process ends, however it ends (kill -9 included): a lock file left behind is stale
by construction, and the next start takes it and writes its own id. The read-only commands
(`sources`, `search`, `export`, `backtest`) take no lock: SQLite's WAL lets them read beside the
running service.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from core.errors import StoreError
from storage.connect import private_folder

LOCK_NAME = "sahelwatch.lock"


class StateLock:
    """An exclusive lock on a state folder, held until `release` or the end of the process."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def acquire(cls, folder: Path) -> StateLock:
        """Lock `folder` (created private when missing) for this process, or StoreError
        naming the process that holds it."""
        private_folder(folder)
        path = folder / LOCK_NAME
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # not inherited by children
        except OSError as exc:
            raise StoreError(f"cannot open the lock file {path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise StoreError(
                f"another Sahel Watch service ({holder}) is running on the state folder "
                f"{folder}: stop it first, or give this one another --state (read-only "
                "commands such as sources, search and export may run beside it)"
            ) from None
        except OSError as exc:
            os.close(fd)
            raise StoreError(f"cannot lock {path}: {exc}") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        return cls(path, fd)

    def release(self) -> None:
        """Give the lock up (the file stays; the next holder writes its own id in it)."""
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)  # closing the last descriptor releases the flock


def _holder(fd: int) -> str:
    """ "pid N" from the lock file, as its holder wrote it ("pid unknown" while it writes)."""
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return f"pid {text}" if text.isdigit() else "pid unknown"

"""Who holds a job: the worker's host and process id, and whether that process is still alive.

A processing job records the host and pid of its worker. A worker on the *same* host can tell for
certain that the owner died (``kill -9``, a crash, a reboot) when no such process exists any more,
and takes the job over at once; an owner on another host can only be judged by its heartbeat (the
stale timeout in ``jobs``).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def this_host() -> str:
    return socket.gethostname()


def this_pid() -> int:
    return os.getpid()


def _is_zombie(pid: int) -> bool:
    """A killed child its parent has not reaped yet still answers signals but will never beat again."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no procfs (macOS) or the process is gone already
    # The state letter follows the command name in parentheses, which may itself contain spaces.
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def process_gone(pid: int) -> bool:
    """True when no live process on this host has ``pid``; a pid we may not signal is alive."""
    if pid <= 0:
        return False
    if pid == this_pid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # it exists, under another user
    except OSError:
        return False
    return _is_zombie(pid)


def owner_gone(host: str | None, pid: int | None) -> bool:
    """The job's owner is known to be dead: same host as us and its process no longer exists.

    Unknown owners (jobs claimed before host and pid were recorded) and owners on other hosts are
    never judged here: only their heartbeat can tell.
    """
    if not host or pid is None or host != this_host():
        return False
    return process_gone(int(pid))

"""Left for ``pages/9_Settings.py`` only (owned by the settings change, which moves it to
``service.projects.db_location``); delete this module once that page imports it from there.

The old app_reads dissolved: question pickers and project lists are in ``service.projects``, the Run
page's reads in ``service.runs``, codebook import and edits in ``service.codebook``, markdown escaping
in ``pages/_ui.py``, the labels in the pages that show them, the codebook CSV in ``exports.files``.
"""

from __future__ import annotations

from surveycoder_core.service.projects import db_location

__all__ = ["db_location"]

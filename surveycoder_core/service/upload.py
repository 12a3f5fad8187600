"""Reading what a researcher uploads: survey tables (CSV in any encoding/delimiter, XLSX, SPSS .sav,
JSON), API request bodies, codebook files and coded earlier waves.

Pure readers over bytes and frames (nothing is stored here): the Upload page reads and previews with
them, then stores through :func:`service.import_question`.
"""

from __future__ import annotations

from surveycoder_core.io.codebook_files import codebook_preview, read_codebook, read_request_json
from surveycoder_core.io.coded_wave import CodedTable, read_coded_table
from surveycoder_core.io.readers import ImportedTable, guess_columns, read_table, table_to_responses

__all__ = ["CodedTable", "ImportedTable", "codebook_preview", "guess_columns", "read_codebook", "read_coded_table",
           "read_request_json", "read_table", "table_to_responses"]

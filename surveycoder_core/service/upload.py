"""Reading what a researcher gives: survey tables (CSV in any encoding/delimiter, XLSX, SPSS .sav),
codebook files and coded earlier waves.

Pure readers over bytes and frames (nothing is stored here): ``surveycoder code`` reads its input with
them, then codes through :func:`service.code_request`.
"""

from __future__ import annotations

from surveycoder_core.io.codebook_files import read_codebook
from surveycoder_core.io.coded_wave import CodedTable, read_coded_table
from surveycoder_core.io.readers import ImportedTable, guess_columns, read_table, table_to_responses
from surveycoder_core.io.sample import sample_request

__all__ = ["CodedTable", "ImportedTable", "guess_columns", "read_codebook", "read_coded_table", "read_table",
           "sample_request", "table_to_responses"]

"""Upload's "learn from a coded earlier wave" block: read the coded table, show what it teaches.

Not a page (app.py lists the pages explicitly): widgets plus calls into surveycoder_core.service only.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages import _ui
from pages._ui import md
from surveycoder_core.errors import SurveyCoderError
from surveycoder_core.schemas import CodebookIn
from surveycoder_core.service import upload as imports

LAYOUT_NAMES = {"codes_list": "codes joined in one column", "mentions": "one column per mention",
                "dummies": "0/1 per code", "long": "one row per answer and code"}


def coded_wave_codebook() -> CodebookIn | None:
    """The codebook a coded table implies, every coded answer an example of its codes (or None)."""
    wave = st.file_uploader("Coded earlier wave (CSV, XLSX or .sav; any layout the Export page writes, one column "
                            "per mention, or 0/1 per code)", type=["csv", "tsv", "txt", "xlsx", "sav"],
                            key="upload_wave_file")
    if wave is None:
        st.caption("Its codes become this question's codebook and every coded answer teaches the engine; answers "
                   "with no code teach it what fits no code.")
        return None
    try:
        frame = imports.read_table(wave.getvalue(), wave.name).frame
    except SurveyCoderError as err:
        st.error(f"This file cannot be read: {md(err.message)}", icon=":material/error:")
        return None
    columns = [str(c) for c in frame.columns]
    guess_id, guess_text = imports.guess_columns(frame)
    guess_text = "text" if "text" in columns else guess_text
    c1, c2 = st.columns(2)
    id_col = c1.selectbox("Respondent id column (coded wave)", columns,
                          index=columns.index(guess_id) if guess_id in columns else 0, key="upload_wave_id")
    text_col = c2.selectbox("Verbatim column (coded wave)", columns,
                            index=columns.index(guess_text) if guess_text in columns else 0, key="upload_wave_text")
    coded, err = _ui.call(imports.read_coded_table, frame, id_col, text_col)
    if err:
        return None
    counts = coded.training_counts()
    no_code = counts.pop("")
    st.success(f"{len(coded.responses):,} coded answers ({LAYOUT_NAMES[coded.layout]}: "
               f"{md(', '.join(coded.code_columns[:6]))}{'…' if len(coded.code_columns) > 6 else ''}), "
               f"{len(counts)} codes; {no_code:,} answers have no code.", icon=":material/school:")
    for w in coded.warnings:
        st.warning(md(w), icon=":material/warning:")
    categories = {code.name: cat.name for cat in coded.codebook.categories for code in cat.codes}
    table = [{"category": categories[n], "code": n, "training answers": c} for n, c in counts.items()]
    st.dataframe(pd.DataFrame(table),
                 hide_index=True, height=min(400, 38 + 35 * len(counts)))
    return coded.codebook

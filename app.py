"""SurveyCoder review app: routing only (run with `streamlit run app.py`)."""

import streamlit as st

from pages import _ui
from surveycoder_core import config

config.limit_native_threads()  # the page runs and the in-process job worker: one native thread each
st.set_page_config(page_title="SurveyCoder", page_icon="🗂️", layout="wide")

PAGES = {
    "Projects": [
        st.Page("pages/1_Projects.py", title="Projects", icon=":material/folder_open:", default=True),
        st.Page("pages/2_Upload.py", title="Upload", icon=":material/upload_file:"),
        st.Page("pages/3_Run.py", title="Run", icon=":material/play_circle:"),
    ],
    "Analyse": [
        st.Page("pages/4_Dashboard.py", title="Dashboard", icon=":material/bar_chart:"),
        st.Page("pages/5_Review.py", title="Review", icon=":material/fact_check:"),
        st.Page("pages/6_Refine.py", title="Refine", icon=":material/auto_fix_high:"),
        st.Page("pages/7_Codebook.py", title="Codebook", icon=":material/menu_book:"),
    ],
    "Deliver": [
        st.Page("pages/8_Export.py", title="Export", icon=":material/download:"),
        st.Page("pages/9_Settings.py", title="Settings", icon=":material/settings:"),
    ],
}

page = st.navigation(PAGES)
_ui.sidebar()
page.run()

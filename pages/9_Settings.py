"""Settings: coding engine, reviewer name, database location. The API key never goes into the database."""

import streamlit as st

from pages import _ui
from surveycoder_core.service import app_reads as appstate
from surveycoder_core.service import settings

_ui.header("Settings")
_ui.show_flash()

st.subheader("You", anchor=False)
name = st.text_input("Reviewer name (recorded with every decision and edit)",
                     value=st.session_state.get("reviewer_name", ""), placeholder="reviewer", key="settings_name")
if name.strip() != st.session_state.get("reviewer_name", ""):
    st.session_state["reviewer_name"] = " ".join(name.split())[:60]

st.subheader("Coding engine", anchor=False)
current = settings.engine_settings()
engines = {"embedded": "Embedded (offline, no key, runs on this machine)",
           "llm": "LLM endpoint (OpenAI-compatible: OpenAI, Azure, vLLM, Ollama, LM Studio)"}
engine = st.radio("Engine", list(engines), format_func=engines.__getitem__, key="settings_engine",
                  index=list(engines).index(current["engine"]) if current["engine"] in engines else 0)
base_url = model = api_key = ""
if engine == "llm":
    c1, c2 = st.columns(2)
    base_url = c1.text_input("Base URL", value=current["SURVEYCODER_LLM_BASE_URL"],
                             placeholder="http://localhost:11434/v1", key="settings_url")
    model = c2.text_input("Model", value=current["SURVEYCODER_LLM_MODEL"], placeholder="gpt-4o-mini",
                          key="settings_model")
    key_now = current["SURVEYCODER_LLM_API_KEY"]
    api_key = st.text_input("API key", type="password", key="settings_key",
                            placeholder=f"set ({settings.mask_key(key_now)}) — leave empty to keep it" if key_now
                            else "sk-…")
    st.caption("The key is kept in this server process's environment only — never written to the database "
               "or to any file. It is forgotten when the server restarts; set SURVEYCODER_LLM_API_KEY to keep it.")
if st.button("Save engine settings", type="primary", key="settings_save", icon=":material/save:"):
    if engine == "llm" and not (base_url.strip() and model.strip()):
        st.error("The LLM engine needs a base URL and a model.")
    else:
        settings.apply_engine_settings(engine, base_url, model, api_key)
        _ui.flash(f"The {engine} engine will code the next runs.")
        st.rerun()

st.subheader("Database", anchor=False)
st.code(appstate.db_location(_ui.db_path()), language=None)
st.caption("Set SURVEYCODER_DB before starting the app to use another file. The API "
           "(`surveycoder serve`) and the CLI work on the same database.")

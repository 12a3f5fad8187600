"""Settings: reviewer name, this database's coding engine, database location.

The engine settings are stored in the database (service.settings), so they apply to this database only
and to every process coding it (the app, `surveycoder serve`, workers, the CLI); the SURVEYCODER_*
variables are the defaults. The LLM key is stored there too, and is never shown back.
"""

import streamlit as st

from pages import _ui
from surveycoder_core.service import projects, settings

_ui.header("Settings")
_ui.show_flash()

st.subheader("You", anchor=False)
name = st.text_input("Reviewer name (recorded with every decision and edit)",
                     value=st.session_state.get("reviewer_name", ""), placeholder="reviewer", key="settings_name")
if name.strip() != st.session_state.get("reviewer_name", ""):
    st.session_state["reviewer_name"] = " ".join(name.split())[:60]

st.subheader("Coding engine", anchor=False)
st.caption("These settings belong to this database: every run on it codes with them — here, over the API, in a "
           "worker or from the command line — and no other database changes.")
current = settings.engine_settings(_ui.db_path())
engines = {"embedded": "Embedded (offline, no key, runs on this machine)",
           "llm": "LLM endpoint (OpenAI-compatible: OpenAI, Azure, vLLM, Ollama, LM Studio)"}
engine = st.radio("Engine", list(engines), format_func=engines.__getitem__, key="settings_engine",
                  index=list(engines).index(current["engine"]) if current["engine"] in engines else 0)
base_url = model = api_key = ""
if engine == "llm":
    c1, c2 = st.columns(2)
    base_url = c1.text_input("Base URL", value=current["llm_base_url"],
                             placeholder="http://localhost:11434/v1", key="settings_url")
    model = c2.text_input("Model", value=current["llm_model"], placeholder="gpt-4o-mini", key="settings_model")
    from_environment = [label for name, label in (("llm_base_url", "base URL"), ("llm_model", "model"))
                        if current[name] and current["source"].get(name) == "environment"]
    if from_environment:
        st.caption(f"The {' and the '.join(from_environment)} shown come from the server's environment "
                   "(SURVEYCODER_LLM_*); saving stores them in this database.")
    from_env = current["key_source"] == "environment"
    api_key = st.text_input(
        "API key", type="password", key="settings_key",
        placeholder=(f"set ({current['key_masked']}{', from SURVEYCODER_LLM_API_KEY' if from_env else ''})"
                     " — leave empty to keep it") if current["key_set"] else "sk-…")
    st.caption("A key you enter here is stored in this database file, as it is (it has to be sent to the "
               "endpoint, so it cannot be hashed): anyone who can read the file — which holds every answer "
               "too — can read it. It is never shown again (only its last four characters), never exported "
               "and never written to the history. To keep it out of the file, leave this empty and set "
               "SURVEYCODER_LLM_API_KEY where the app and the API run.")
    if current["key_source"] == "database" and st.button("Forget the stored key", key="settings_forget",
                                                         icon=":material/key_off:"):
        settings.forget_llm_key(db_path=_ui.db_path(), actor=_ui.actor())
        _ui.flash("The stored key is forgotten.")
        st.rerun()
if st.button("Save engine settings", type="primary", key="settings_save", icon=":material/save:"):
    if engine == "llm" and not (base_url.strip() and model.strip()):
        st.error("The LLM engine needs a base URL and a model.")
    else:
        _, err = _ui.call(settings.save_engine_settings, engine, base_url, model, api_key,
                          db_path=_ui.db_path(), actor=_ui.actor())
        if err is None:
            _ui.flash(f"The {engine} engine will code the next runs on this database.")
            st.rerun()

st.subheader("Database", anchor=False)
st.code(projects.db_location(_ui.db_path()), language=None)
st.caption("Set SURVEYCODER_DB before starting the app to use another file. The API "
           "(`surveycoder serve`) and the CLI work on the same database, with the same engine settings.")

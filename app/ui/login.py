"""Who is at the UI: a login before any page shows, since the UI acts with the workspace token.

The password is the UI password (FLOWBENCH_UI_PASSWORD, else the `ui-password` file made in the
workspace at first start) or the workspace token. A team can use single sign-on instead:
with an ``[auth]`` section in Streamlit's secrets (OIDC), Streamlit's own `st.login` is used.
"""

from __future__ import annotations

import hmac
import time

import streamlit as st

from app.settings import ensure_ui_password, load_settings, read_token

SIGNED_IN = "flowbench_signed_in"


def signed_in() -> bool:
    """Whether this session has logged in (through OIDC where configured)."""
    if _oidc_configured():
        return bool(st.user.is_logged_in)
    return bool(st.session_state.get(SIGNED_IN))


def require_login() -> None:
    """Return when the session is signed in; otherwise draw the login form and stop the page."""
    if _oidc_configured():
        if not st.user.is_logged_in:
            st.title("Flowbench")
            st.button("Log in", on_click=st.login, type="primary")
            st.stop()
        st.sidebar.button("Log out", on_click=st.logout)
        return
    if st.session_state.get(SIGNED_IN):
        st.sidebar.button("Log out", on_click=lambda: st.session_state.pop(SIGNED_IN, None))
        return
    st.title("Flowbench")
    with st.form("login"):
        secret = st.text_input(
            "Password",
            type="password",
            help="The UI password (the workspace's ui-password file, or FLOWBENCH_UI_PASSWORD) "
            "or the workspace token.",
        )
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        if accepted(secret):
            st.session_state[SIGNED_IN] = True
            st.rerun()
        time.sleep(1.0)  # slows guessing
        st.error("Wrong password.")
    st.stop()


def accepted(secret: str) -> bool:
    """Whether `secret` is the UI password or the workspace token (constant-time compare)."""
    settings = load_settings()
    given = secret.strip().encode()
    return any(
        expected and hmac.compare_digest(given, expected.encode())
        for expected in (ensure_ui_password(settings), read_token(settings))
    )


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: Streamlit raises its own error types
        return False

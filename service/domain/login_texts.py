"""The login-link mail's words, in Swedish and English, and which language a person is written to in."""

from __future__ import annotations

from collections.abc import Iterable

SUBJECTS = {
    "sv": "Din inloggningslänk till Minnes",
    "en": "Your login link for Minnes",
}
"""Subject of the login-link mail per language."""

BODIES = {
    "sv": (
        "Hej!\n\n"
        "Någon, förhoppningsvis du, bad om att få logga in i Minnes, arkivet för minnesanteckningar, "
        "med den här adressen.\n\n"
        "Öppna länken i samma webbläsare som du bad om den i och tryck på knappen Logga in:\n\n"
        "{link}\n\n"
        "Länken fungerar en gång och i {minutes} minuter. Bad du inte om den kan du strunta i det här "
        "mejlet: ingen loggas in utan att knappen trycks i webbläsaren som bad om länken.\n\n"
        "/Minnes\n"
    ),
    "en": (
        "Hello,\n\n"
        "Someone, hopefully you, asked to log in to Minnes, the archive of meeting minutes, with this "
        "address.\n\n"
        "Open the link in the same browser you asked for it in and press the button Log in:\n\n"
        "{link}\n\n"
        "The link works once and for {minutes} minutes. If you did not ask for it, you can ignore this "
        "email: nobody is logged in unless the button is pressed in the browser that asked for the link.\n\n"
        "/Minnes\n"
    ),
}
"""Body of the login-link mail per language."""


def login_language(languages: Iterable[str]) -> str:
    """Return the language to write in: English only when every workplace of the person is English."""
    found = list(languages)
    return "en" if found and all(lang == "en" for lang in found) else "sv"


def render_login_link(link: str, minutes: int, language: str = "sv") -> tuple[str, str]:
    """Return the subject and body of the login-link mail."""
    lang = "en" if language == "en" else "sv"
    return SUBJECTS[lang], BODIES[lang].format(link=link, minutes=minutes)

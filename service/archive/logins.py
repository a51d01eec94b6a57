"""Login links: single use, expiring, stored hashed, bound to the browser that asked."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.archive.db import Base, utcnow


class LoginLink(Base):
    """One login link sent by mail (or printed on the terminal for the demo admin)."""

    __tablename__ = "login_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    """The address the link logs in as."""
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the link's token (the token itself is never stored)."""
    browser_hash: Mapped[str] = mapped_column(String(64), default="")
    """SHA-256 of the nonce in the asking browser's cookie; '' until a browser binds it (demo link)."""
    next_path: Mapped[str] = mapped_column(Text, default="")
    """The page the person asked for before logging in (a local path)."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    """When the link logged someone in; a used link never works again."""

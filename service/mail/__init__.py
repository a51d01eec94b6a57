"""Email in and out."""

"""The minutes PDF: rendering (reportlab), PDF/A archival form, signing and verification (pyHanko)."""

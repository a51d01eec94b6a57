"""The archive: database (source of truth) and content-addressed file storage."""

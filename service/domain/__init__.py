"""Pure logic of Minnes: no network, no database, no files."""

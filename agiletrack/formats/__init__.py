"""Date formats of AgileTrack's pages and admin (FORMAT_MODULE_PATH), by language."""

"""English date formats: see formats.py."""

"""English date formats: ISO-like and short, so admin lists fit a laptop screen ("2026-10-24
09:30" rather than "Oct. 24, 2026, 9:30 a.m.")."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"

"""The DORA band tables a team can choose: the 2021, 2023 and 2024 State of DevOps reports' tables
of elite, high, medium and low performance, as thresholds (docs/metrics.md, "Band tables").

The reports describe clusters, with gaps and overlaps between them; each table reads them the same
way: the bands are tried from elite to low and a value gets the first band whose limit it meets
(a value in a gap falls to the next band down that it meets; a band whose limit an earlier band
already covers is never reached). Low is what meets no limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.calculations._common import Band

HOUR = 60
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY
HALF_YEAR = 6 * MONTH

# Deployment frequency measures (DeploymentFrequency): DevLake's median deployment days per local
# week and per month, and deployments per elapsed half year (180 days).
DAYS_PER_WEEK = "days_per_week"
DAYS_PER_MONTH = "days_per_month"
PER_HALF_YEAR = "per_half_year"


@dataclass(frozen=True)
class BandTable:
    """One report's table: per metric, (band, limit) rows tried from elite down; low otherwise."""

    key: str
    name: str
    source: str  # where the table is published
    frequency: tuple[tuple[Band, str, float], ...]  # (band, measure, at least)
    lead_time: tuple[tuple[Band, int], ...]  # (band, median minutes below)
    change_failure: tuple[tuple[Band, float], ...]  # (band, rate at most)
    recovery: tuple[tuple[Band, int], ...]  # (band, median minutes below)

    def frequency_band(self, days_per_week: float, days_per_month: float, per_day: float) -> Band:
        measures = {
            DAYS_PER_WEEK: days_per_week,
            DAYS_PER_MONTH: days_per_month,
            PER_HALF_YEAR: per_day * HALF_YEAR / DAY,
        }
        for band, measure, least in self.frequency:
            if measures[measure] >= least:
                return band
        return Band.LOW

    def lead_time_band(self, median_minutes: float) -> Band:
        return next((band for band, below in self.lead_time if median_minutes < below), Band.LOW)

    def change_failure_band(self, rate: float) -> Band:
        return next((band for band, most in self.change_failure if rate <= most), Band.LOW)

    def recovery_band(self, median_minutes: float) -> Band:
        return next((band for band, below in self.recovery if median_minutes < below), Band.LOW)


# Accelerate State of DevOps 2023, read as DevLake v1.0 fills its gaps and overlaps (the report's
# low deployment frequency and lead time overlap medium's): the default.
DORA_2023 = BandTable(
    key="dora-2023",
    name="DORA 2023",
    source="Accelerate State of DevOps Report 2023 (https://dora.dev/research/2023/dora-report/)",
    frequency=(
        (Band.ELITE, DAYS_PER_WEEK, 5),
        (Band.HIGH, DAYS_PER_WEEK, 1),
        (Band.MEDIUM, DAYS_PER_MONTH, 1),
    ),
    lead_time=((Band.ELITE, DAY), (Band.HIGH, WEEK), (Band.MEDIUM, MONTH)),
    change_failure=((Band.ELITE, 0.05), (Band.HIGH, 0.10), (Band.MEDIUM, 0.15)),
    recovery=((Band.ELITE, HOUR), (Band.HIGH, DAY), (Band.MEDIUM, WEEK)),
)

# Accelerate State of DevOps 2021: elite on demand, high between once per week and once per month,
# medium between once per month and once every six months; lead time elite < 1 hour, high 1 day to
# 1 week, medium 1 to 6 months; time to restore elite < 1 hour, high < 1 day, medium 1 day to 1
# week, low more than 6 months; change failure rate elite 0-15 %, high, medium and low 16-30 %.
DORA_2021 = BandTable(
    key="dora-2021",
    name="DORA 2021",
    source="Accelerate State of DevOps Report 2021 (https://dora.dev/research/2021/dora-report/)",
    frequency=(
        (Band.ELITE, DAYS_PER_WEEK, 5),
        (Band.HIGH, DAYS_PER_MONTH, 1),
        (Band.MEDIUM, PER_HALF_YEAR, 1),
    ),
    lead_time=((Band.ELITE, HOUR), (Band.HIGH, WEEK), (Band.MEDIUM, HALF_YEAR)),
    change_failure=((Band.ELITE, 0.15), (Band.HIGH, 0.30)),
    recovery=((Band.ELITE, HOUR), (Band.HIGH, DAY), (Band.MEDIUM, WEEK)),
)

# Accelerate State of DevOps 2024: elite on demand, < 1 day, 5 %, < 1 hour; high daily to weekly,
# 1 day to 1 week, 20 %, < 1 day; medium weekly to monthly, 1 week to 1 month, 10 %, < 1 day; low
# monthly to every six months, 1 to 6 months, 40 %, 1 week to 1 month. Medium's 10 % and < 1 day
# are already high's, so no change failure rate or recovery time is medium.
DORA_2024 = BandTable(
    key="dora-2024",
    name="DORA 2024",
    source="Accelerate State of DevOps Report 2024 (https://dora.dev/research/2024/dora-report/)",
    frequency=(
        (Band.ELITE, DAYS_PER_WEEK, 5),
        (Band.HIGH, DAYS_PER_WEEK, 1),
        (Band.MEDIUM, DAYS_PER_MONTH, 1),
    ),
    lead_time=((Band.ELITE, DAY), (Band.HIGH, WEEK), (Band.MEDIUM, MONTH)),
    change_failure=((Band.ELITE, 0.05), (Band.HIGH, 0.20), (Band.MEDIUM, 0.10)),
    recovery=((Band.ELITE, HOUR), (Band.HIGH, DAY), (Band.MEDIUM, DAY)),
)

BAND_TABLES: dict[str, BandTable] = {t.key: t for t in (DORA_2023, DORA_2021, DORA_2024)}
DEFAULT_BAND_TABLE = DORA_2023.key


def band_table(key: str | None) -> BandTable:
    """The table of that key; the default (2023) for an empty or unknown key."""
    return BAND_TABLES.get(key or DEFAULT_BAND_TABLE, DORA_2023)

"""Settings of the fault suite's worker processes: the product settings with short HTTP waits
(and no pause between two asked-for syncs: F5 asks for its follow-up sync seconds after the first).

AGILETRACK_HTTP_OPTIONS has no environment variable, so the workers started by the fault tests
use this module (DJANGO_SETTINGS_MODULE) to make a hung provider time out in seconds.
"""

import os

from agiletrack.settings import *  # noqa: F403

AGILETRACK_HTTP_OPTIONS = {
    "read_timeout": float(os.environ.get("AGILETRACK_FAULTS_READ_TIMEOUT", "3")),
    "connect_timeout": 2.0,
    "transient_backoff": 0.2,
}
AGILETRACK_MANUAL_SYNC_MIN_INTERVAL_SECONDS = 0

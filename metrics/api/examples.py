"""Response examples for the API schema, taken from the demo data (the bundled sandbox, synced
into a team) and shortened: lists keep their first entries."""

METRICS_EXAMPLE = {
    "window": {
        "since": "2026-10-19",
        "until": "2026-10-25",
        "time_zone": "UTC",
        "integrations": [1, 2, 3],
    },
    "dora": {
        "deployment_frequency": {
            "deployments": 13,
            "deployment_days": 6,
            "per_day": 1.8571428571428572,
            "per_week": 13.0,
            "median_deployment_days_per_week": 6.0,
            "median_deployment_days_per_month": 6.0,
            "band": "elite",
        },
        "lead_time_for_changes": {
            "summary": {
                "count": 13,
                "median": 4407.0,
                "p75": 5587.0,
                "p90": 6403.6,
                "mean": 4730.7692307692305,
                "min": 1864.0,
                "max": 8332.0,
            },
            "band": "high",
        },
        "change_failure_rate": {"deployments": 16, "failed": 6, "rate": 0.375, "band": "low"},
        "time_to_restore": {
            "summary": {
                "count": 3,
                "median": 1317.0,
                "p75": 1546.0,
                "p90": 1683.4,
                "mean": 1231.0,
                "min": 601.0,
                "max": 1775.0,
            },
            "band": "high",
            "failed_deployment_recovery": {
                "count": 3,
                "median": 1414.0,
                "p75": 1927.5,
                "p90": 2235.6,
                "mean": 1670.0,
                "min": 1155.0,
                "max": 2441.0,
            },
        },
    },
    "pull_requests": {
        "stages": {
            "coding": {
                "count": 15,
                "median": 2401.0,
                "p75": 2793.5,
                "p90": 3167.4,
                "mean": 2086.0666666666666,
                "min": 57.0,
                "max": 4207.0,
            },
            "pickup": {
                "count": 15,
                "median": 1019.0,
                "p75": 1304.0,
                "p90": 1499.6,
                "mean": 949.3333333333334,
                "min": 26.0,
                "max": 1648.0,
            },
            "review": {
                "count": 15,
                "median": 648.0,
                "p75": 1696.5,
                "p90": 1829.6,
                "mean": 908.9333333333333,
                "min": 49.0,
                "max": 2017.0,
            },
            "deploy": {
                "count": 15,
                "median": 770.0,
                "p75": 1085.5,
                "p90": 2592.7999999999993,
                "mean": 1014.0,
                "min": 77.0,
                "max": 3695.0,
            },
            "cycle": {
                "count": 15,
                "median": 4407.0,
                "p75": 6170.5,
                "p90": 7491.799999999999,
                "mean": 4957.866666666667,
                "min": 1864.0,
                "max": 8332.0,
            },
        },
        "size": {
            "count": 15,
            "median": 62.0,
            "p75": 128.0,
            "p90": 491.1999999999998,
            "mean": 171.26666666666668,
            "min": 25.0,
            "max": 899.0,
        },
        "throughput": {"merged": 15, "per_week": 15.0},
        "review_load": [
            {"reviewer": "bob-codes", "reviews": 7, "pull_requests": 4},
            {"reviewer": "alice-dev", "reviews": 6, "pull_requests": 4},
        ],
        "merged_without_review": {"merged": 15, "without_review": 0, "rate": 0.0},
        "open": {
            "count": 4,
            "age": {
                "count": 4,
                "median": 1326.5,
                "p75": 2752.0,
                "p90": 4159.6,
                "mean": 2019.5,
                "min": 327.0,
                "max": 5098.0,
            },
        },
    },
    "work_items": {
        "lead_time": {
            "count": 11,
            "median": 11528.0,
            "p75": 14480.5,
            "p90": 17193.0,
            "mean": 11731.636363636364,
            "min": 2503.0,
            "max": 23358.0,
        },
        "cycle_time": {
            "count": 11,
            "median": 6746.0,
            "p75": 8959.0,
            "p90": 10358.0,
            "mean": 6992.818181818182,
            "min": 1532.0,
            "max": 16707.0,
        },
        "throughput": {"done": 11, "per_week": 11.0},
        "wip": {"at_window_end": 11},
        "aging_wip": {
            "count": 9,
            "age": {
                "count": 9,
                "median": 36765.0,
                "p75": 37406.0,
                "p90": 38990.8,
                "mean": 36666.333333333336,
                "min": 33983.0,
                "max": 43370.0,
            },
        },
        "cumulative_flow": [
            {"day": "2026-10-19", "todo": 12, "in_progress": 6, "done": 189},
            {"day": "2026-10-20", "todo": 14, "in_progress": 5, "done": 190},
        ],
    },
    "sprints": {
        "boards": [
            {
                "integration": 2,
                "sprints": [
                    {
                        "id": "8",
                        "name": "PAY Sprint 8",
                        "start_at": "2026-10-10T00:00:00Z",
                        "end_at": "2026-10-24T00:00:00Z",
                        "completed_at": "2026-10-23T23:00:00Z",
                        "committed_points": 22.0,
                        "added_points": 25.0,
                        "removed_points": 0.0,
                        "completed_points": 35.0,
                        "remaining_points": 12.0,
                    }
                ],
                "velocity": {"sprints": ["8"], "completed_points": [35.0], "mean": 35.0, "last": 6},
                "active_sprint": {
                    "id": "9",
                    "name": "PAY Sprint 9",
                    "start_at": "2026-10-24T00:00:00Z",
                    "end_at": "2026-11-07T00:00:00Z",
                    "completed_at": None,
                    "committed_points": 42.0,
                    "added_points": 5.0,
                    "removed_points": 0.0,
                    "completed_points": 8.0,
                    "remaining_points": 39.0,
                    "burndown": [
                        {"day": "2026-10-24", "remaining_points": 37.0},
                        {"day": "2026-10-25", "remaining_points": 39.0},
                    ],
                },
            }
        ]
    },
}

TIMESERIES_EXAMPLE = {
    "metric": "pull_requests_merged",
    "interval": "day",
    "window": {
        "since": "2026-10-19",
        "until": "2026-10-25",
        "time_zone": "UTC",
        "integrations": [1, 2, 3],
    },
    "points": [
        {"period": "2026-10-19", "value": 1, "count": None, "stages": None},
        {"period": "2026-10-20", "value": 2, "count": None, "stages": None},
        {"period": "2026-10-21", "value": 2, "count": None, "stages": None},
    ],
}

"""Operations: Prometheus metrics (/metrics), structured logs and the request id.

metrics.py defines the series every process writes (multiprocess files); collectors.py reads
them with the scrape-time gauges; logs.py is the log formatter; signals.py wires Celery.
"""

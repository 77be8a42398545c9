"""AgileTrack benchmarks (`make bench`): each prints a table with the machine and parameters.

Not part of `make test`: numbers are measured, never asserted.
"""

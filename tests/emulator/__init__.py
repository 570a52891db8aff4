"""Local emulator of the Open Telekom Cloud job APIs used by the otc.jobs tests, demo and benchmarks."""

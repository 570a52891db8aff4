"""The emulator as a process: ``python tests/emulator/otc_emulator [options]`` or, from the repository root,
``python -m tests.emulator.otc_emulator [options]`` (see README.md)."""

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

if __package__:
    from .emulator import Emulator
else:
    # Run as a directory (python tests/emulator/otc_emulator): import the package from its parent directory.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from otc_emulator.emulator import Emulator  # pylint: disable=import-error


def _write_state_file(path, payload):
    """Write JSON atomically: readers never see a partial file."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp_path = tempfile.mkstemp(prefix=".otc-emulator-", dir=directory)
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(payload, stream)
        os.replace(temp_path, path)
    except BaseException:
        os.unlink(temp_path)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(description="Local emulator of the OTC IAM and job APIs (127.0.0.1 only).")
    parser.add_argument("--port", type=int, default=0, help="the main port (IAM, control API, ELB, CFW; default 0: a free port); every "
                        "service gets a free port of its own")
    parser.add_argument("--state-file", help="write {\"url\", \"services\": {service: url}, \"pid\"} as JSON here once "
                        "listening; removed on exit")
    parser.add_argument("--default-duration", type=float, help="job duration when none is given (default 3 s)")
    parser.add_argument("--latency", type=float, help="seconds added to every service answer (default 0)")
    parser.add_argument("--rate-limit", type=float,
                        help="requests per second per project; beyond it, 429 with Retry-After (default: no limit)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)

    config = {} if args.default_duration is None else {"default_duration": args.default_duration}
    if args.latency is not None:
        config["latency"] = args.latency
    if args.rate_limit is not None:
        config["rate_limit"] = args.rate_limit
    emulator = Emulator(port=args.port, verbose=args.verbose, **config)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    emulator.start()
    if args.state_file:
        _write_state_file(args.state_file, {"url": emulator.url, "services": emulator.service_urls, "pid": os.getpid()})
    print("otc-emulator listening on %s" % emulator.url, flush=True)  # the service URLs are in the state file
    try:
        stop.wait()
    finally:
        emulator.stop()
        if args.state_file and os.path.exists(args.state_file):
            os.unlink(args.state_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())

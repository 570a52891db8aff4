"""The time formats the job families write (``TIME_FORMATS``) and IAM's."""

import datetime

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
CET = datetime.timezone(datetime.timedelta(hours=1))  # DDM's documents write +0100


def format_time(epoch, time_format):
    """Render a wall-clock instant (epoch seconds or None) in one of TIME_FORMATS."""
    if time_format == "null":
        return None
    if time_format == "empty":
        return ""
    if epoch is None:
        return None
    if time_format == "go_utc":
        # Go's time.String(): 2020-02-02 08:12:40.672772389 +0000 UTC (CCE metadata timestamps).
        seconds = int(epoch)
        nanos = int(round((epoch - seconds) * 1e9))
        if nanos >= 1000000000:
            seconds, nanos = seconds + 1, nanos - 1000000000
        utc = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
        # Go prints the fraction without trailing zeros, and none at all for whole seconds (".999999999" layout).
        fraction = ("%09d" % nanos).rstrip("0")
        return utc.strftime("%Y-%m-%d %H:%M:%S") + ("." + fraction if fraction else "") + " +0000 UTC"
    millis = int(round(epoch * 1000))
    if time_format == "ms":
        return millis
    if time_format == "ms_string":
        return str(millis)
    if time_format == "s":
        return millis // 1000
    utc = datetime.datetime.fromtimestamp(millis / 1000.0, tz=datetime.timezone.utc)
    if time_format == "iso_z":
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    if time_format == "iso_fraction":
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (utc.microsecond // 1000)
    if time_format == "utc_compact":
        return utc.strftime("%Y-%m-%dT%H:%M:%S+0000")  # RDS and DDS
    if time_format == "cet_compact":
        return utc.astimezone(CET).strftime("%Y-%m-%dT%H:%M:%S+0100")  # DDM
    # The CFW document speaks of Beijing offsets like +0800.
    local = utc.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M:%S")
    return local + ("+08:00" if time_format == "offset_colon" else "+0800")


def iam_time(epoch):
    """IAM writes times with microseconds: 2026-11-23T16:00:00.000000Z."""
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

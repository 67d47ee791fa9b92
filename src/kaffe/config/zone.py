"""The system's time zone: the default of ``[me] timezone``.

tzlocal finds it the way the platform keeps it (the ``TZ`` variable, the
``/etc/localtime`` symlink or a copy of a zone file, ``/etc/timezone``,
systemd's ``timedatectl``), which is more than a few lines here would cover.
Read once, when the config is loaded, so that rules get a named zone and never
look at the system themselves.
"""

from __future__ import annotations

import logging
import os
import zoneinfo
from collections.abc import Mapping

import tzlocal

log = logging.getLogger(__name__)

FALLBACK = "UTC"


def system_zone_name(env: Mapping[str, str] | None = None) -> str:
    """The IANA name of the system's zone; UTC (with a warning) when it has none.

    ``TZ`` is looked at first and on every call (tzlocal caches its answer for the
    process, and a test or a second config may set another ``TZ``)."""
    named = (os.environ if env is None else env).get("TZ", "").strip().removeprefix(":")
    if named in zoneinfo.available_timezones() and named != "localtime":
        return named
    try:
        name = tzlocal.get_localzone_name()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        log.warning("cannot tell the system's time zone (%s); using UTC: "
                    "set [me] timezone", exc)
        return FALLBACK
    if not name or name not in zoneinfo.available_timezones():
        log.warning("the system's time zone %r has no IANA name; using UTC: "
                    "set [me] timezone", name)
        return FALLBACK
    return name

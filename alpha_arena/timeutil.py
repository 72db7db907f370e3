"""Time conversions: scalars are tz-aware UTC datetimes; arrays are int64 ns since the epoch."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from alpha_arena.errors import ValidationError

NS_PER_SECOND = 1_000_000_000
NS_PER_MINUTE = 60 * NS_PER_SECOND
NS_PER_HOUR = 60 * NS_PER_MINUTE
NS_PER_DAY = 24 * NS_PER_HOUR

TimeLike = datetime | pd.Timestamp | np.datetime64 | str


def to_datetime(value: TimeLike, field: str = "time") -> datetime:
    """A tz-aware UTC datetime from a datetime, Timestamp, datetime64 or ISO-8601 string.

    Naive datetimes are refused: silently assuming a zone shifts every series by hours.
    """
    if isinstance(value, str):
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            raise ValidationError(field, "an ISO-8601 time", value) from exc
        if stamp.tzinfo is None:
            raise ValidationError(field, "a time with a zone (e.g. '2024-11-05T00:00Z')", value)
        return stamp.tz_convert(UTC).to_pydatetime()
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).tz_localize(UTC).to_pydatetime()
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(field, "a tz-aware datetime (naive times are ambiguous)", value)
        if isinstance(value, pd.Timestamp):
            return value.tz_convert(UTC).to_pydatetime()
        return value.astimezone(UTC)
    raise ValidationError(field, "a datetime, Timestamp, datetime64 or ISO string", value)


def to_ns(value: TimeLike | int, field: str = "time") -> int:
    """Nanoseconds since the epoch; an int is taken to be nanoseconds already."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    return int(pd.Timestamp(to_datetime(value, field)).value)


def from_ns(ns: int) -> datetime:
    """The UTC datetime of an int64 nanosecond timestamp."""
    return pd.Timestamp(int(ns), tz=UTC).to_pydatetime()


def ns_index(times_ns: np.ndarray) -> pd.DatetimeIndex:
    """A UTC DatetimeIndex over an int64 nanosecond array (for pandas fronts)."""
    return pd.DatetimeIndex(pd.to_datetime(np.asarray(times_ns, dtype=np.int64), utc=True))

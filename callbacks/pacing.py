"""Outbound calls paced to the provider account's calls per second, across every worker.

A provider takes calls faster than its account's rate and queues the excess, for hours if need
be: a call queued at 19:59 could ring at night. So every worker takes a token from one Redis
bucket before it places a call (one token, refilled at HUIFANG_CALLS_PER_SECOND), and a call
that could not start before its calling window closes is not placed at all.
"""

from datetime import datetime, timedelta

from callbacks.config import CallbackSettings
from callbacks.schedule import open_periods
from kernel.clock import as_utc
from kernel.queue import get_redis

BUCKET_KEY = "huifang:calls:bucket"

# One token at most (no bursts above the rate); Redis' own clock, so hosts need not agree.
_TAKE = """
local rate = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or '1')
local at = tonumber(redis.call('HGET', KEYS[1], 'at') or tostring(now))
tokens = math.min(1, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
return tostring(wait)
"""


def take_call_token(*, rate: float) -> float:
    """Take the bucket's token: 0 when taken, else the seconds until one will be there."""
    wait = get_redis().eval(_TAKE, 1, BUCKET_KEY, str(rate))
    return float(wait)


def window_end(moment: datetime, *, settings: CallbackSettings) -> datetime | None:
    """The end of the calling window `moment` falls in (UTC), or None outside every window."""
    moment = as_utc(moment)
    _, start, end = next(
        open_periods(moment, windows=settings.calling_windows, days=settings.calling_days)
    )
    return end if start <= moment else None


def starts_in_time(moment: datetime, *, wait: float, settings: CallbackSettings) -> bool:
    """Whether a call placed `wait` seconds after `moment` still starts inside its window."""
    end = window_end(moment, settings=settings)
    return end is not None and moment + timedelta(seconds=wait) < end

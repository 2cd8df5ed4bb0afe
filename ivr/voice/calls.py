"""Steering a live call from a webhook: end it once answering-machine detection says so."""

import logging

from callbacks.channel import ChannelError, get_channel

log = logging.getLogger(__name__)


def end_call(call_id: str) -> None:
    """End a call (after the webhook answered); a failure leaves it to end on its own."""
    try:
        get_channel().cancel_call(call_id=call_id)
    except (ChannelError, RuntimeError) as error:
        log.warning("could not end call %s: %s", call_id, error)

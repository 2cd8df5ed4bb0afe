"""The emulator's ASGI app: Twilio's REST routes behind basic auth, plus /_emulator."""

import random
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from twilio_emulator import control, routes_calls, routes_messages, routes_numbers
from twilio_emulator.clips import load_clips
from twilio_emulator.config import EmulatorConfig
from twilio_emulator.errors import TwilioApiError, handle_twilio_error, not_found, unauthorized
from twilio_emulator.resources import account_path
from twilio_emulator.runtime import Emulator, load_people_file

_basic = HTTPBasic(auto_error=False)


def authenticate(
    request: Request,
    AccountSid: str,  # Twilio's own name for the path parameter
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> None:
    """Basic auth AccountSid:AuthToken (20003), then the account in the path (20404)."""
    config: EmulatorConfig = request.app.state.emulator.config
    if credentials is None:
        raise unauthorized()
    good_user = secrets.compare_digest(credentials.username, config.twilio_account_sid)
    good_token = secrets.compare_digest(credentials.password, config.twilio_auth_token)
    if not (good_user and good_token):
        raise unauthorized()
    if AccountSid != config.twilio_account_sid:
        raise not_found(request.url.path)


def create_emulator_app(config: EmulatorConfig | None = None) -> FastAPI:
    """Build the Twilio emulator app; clips and the people file are read here, once."""
    config = config or EmulatorConfig()
    emulator = Emulator(
        config=config,
        clips=load_clips(config.emulator_clips_dir),
        rng=random.Random(config.emulator_seed),
    )
    load_people_file(emulator)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await emulator.close()

    app = FastAPI(
        title="Huifang Twilio emulator",
        lifespan=lifespan,
        docs_url="/_emulator/docs",
        openapi_url="/_emulator/openapi.json",
        redoc_url=None,
    )
    app.state.emulator = emulator
    app.add_exception_handler(TwilioApiError, handle_twilio_error)
    twilio = [Depends(authenticate)]
    prefix = account_path("{AccountSid}")
    app.include_router(routes_calls.router, prefix=prefix, dependencies=twilio)
    app.include_router(routes_messages.router, prefix=prefix, dependencies=twilio)
    app.include_router(routes_numbers.router, prefix=prefix, dependencies=twilio)
    app.include_router(control.router)
    return app

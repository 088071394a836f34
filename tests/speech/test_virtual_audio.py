"""The virtual sound server the audio tests run on: it comes back when it dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.fixtures.sound_server import VirtualAudioServer
from tests.fixtures.virtual_audio import start_server_or_skip

pytestmark = pytest.mark.speech


@pytest.fixture
def own_server() -> VirtualAudioServer:
    """A second server, separate from the session's, that this test may kill."""
    return start_server_or_skip()


def test_a_dead_server_is_started_afresh_with_its_devices(own_server: VirtualAudioServer) -> None:
    try:
        assert own_server.ensure_running() is False  # alive: nothing to do
        old_dir = own_server.dir
        assert own_server._server is not None
        os.kill(own_server._server.pid, signal.SIGKILL)
        own_server._server.wait(5)
        assert not own_server.running

        assert own_server.ensure_running() is True
        assert own_server.running
        assert own_server.dir != old_dir and not old_dir.exists()
        sinks = own_server.pactl("list", "short", "sinks")
        assert "vmic" in sinks and "vspk" in sinks
        assert own_server.count("source-outputs") >= 2  # the keep-alive readers are back
    finally:
        own_server.stop()
    assert not own_server.running


def test_clients_are_told_not_to_use_shared_memory(own_server: VirtualAudioServer) -> None:
    try:
        env = own_server.client_env()
        config = env["PULSE_CLIENTCONFIG"]
        assert config == own_server.tool_env()["PULSE_CLIENTCONFIG"]
        settings = dict(
            line.replace(" ", "").split("=", 1)
            for line in Path(config).read_text(encoding="utf-8").splitlines()
            if "=" in line
        )
        assert settings["enable-shm"] == "no" and settings["enable-memfd"] == "no"
        assert own_server.pactl("info")  # and the server still talks to such a client
    finally:
        own_server.stop()

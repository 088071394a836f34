"""``voicemock devices``: list the microphones and speakers PortAudio can use."""

from __future__ import annotations

import argparse

NO_DEVICES_HELP = """\
No sound devices found, so answers cannot be recorded or played here
(analyse, score and the other commands still work on audio files).
To fix:
  - plug in a microphone or headset, then run `voicemock devices` again;
  - on Linux, make sure a sound server runs (`pactl info`) and ALSA can reach
    it (Debian/Ubuntu: apt-get install libasound2-plugins; check `arecord -l`);
  - in a container or over SSH there is usually no sound device at all."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``devices`` subcommand."""
    parser = subparsers.add_parser(
        "devices",
        help="list microphones and speakers",
        description="List the sound devices (with their index) that --device and Settings accept.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print a table of input and output devices, or how to get one."""
    from rich.table import Table
    from rich.text import Text

    from voicemock.commands.console import make_console
    from voicemock.speech.devices import list_devices

    devices = list_devices()
    console = make_console()
    err = make_console(stderr=True)
    if not devices:
        err.print(NO_DEVICES_HELP, markup=False, highlight=False)
        return 0
    table = Table(title="Sound devices", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Name")
    table.add_column("In", justify="right")
    table.add_column("Out", justify="right")
    table.add_column("Default")
    table.add_column("Host API")
    for device in devices:
        defaults = [
            label
            for label, flag in (
                ("mic", device.is_default_input),
                ("speaker", device.is_default_output),
            )
            if flag
        ]
        table.add_row(
            str(device.index),
            Text(device.name),
            str(device.inputs or "-"),
            str(device.outputs or "-"),
            ", ".join(defaults),
            device.host_api,
        )
    console.print(table)
    if not any(device.inputs for device in devices):
        err.print("No microphone: answers cannot be recorded.", style="yellow")
    if not any(device.outputs for device in devices):
        err.print("No speaker: questions are shown, not spoken.", style="yellow")
    console.print("Pick one with --device INDEX (or part of its name), or in Settings.")
    return 0

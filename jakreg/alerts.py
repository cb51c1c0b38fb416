"""`jakreg alerts install`: the Prefect automations that tell the people on call about a night.

Two automations, defined here and created (or replaced) on the Prefect server the environment
points at (`PREFECT_API_URL`):

- `jakreg: night failed`: a `registry-refresh` run ends Failed, Crashed or TimedOut (nothing was
  published; the state's message says why);
- `jakreg: center quarantined`: a center's `refresh-center` subflow ends Failed (its newest
  extract could not be read or failed the quality gate; the registry was published without it).

Each sends its message through a notification block the operator chooses: `--webhook URL` makes a
`CustomWebhookNotificationBlock` named `jakreg-alerts` that POSTs `{"subject", "body"}` as JSON;
`--block TYPE/NAME` uses any notification block already configured (Slack, Teams, e-mail...).
Prefect names flow-run events `prefect.flow-run.<state name>` and relates them to their flow by
name, which is what the triggers match.
"""

from __future__ import annotations

import argparse
import contextlib
from datetime import timedelta
from typing import Any
from uuid import UUID

from jakreg.errors import ConfigError

WEBHOOK_BLOCK = "jakreg-alerts"
NIGHT_FAILED = "jakreg: night failed"
CENTER_QUARANTINED = "jakreg: center quarantined"
BODY = (
    "{{ flow_run.name }} ({{ flow.name }}) ended {{ flow_run.state.name }}: "
    "{{ flow_run.state.message }}"
)


def automations(block_id: UUID) -> list[Any]:
    """The two automations, sending through the notification block `block_id`."""
    from prefect.automations import Automation, EventTrigger, Posture, SendNotification

    def on(flow_name: str, states: tuple[str, ...], name: str, subject: str) -> Automation:
        return Automation(
            name=name,
            description=f"Notifies when a {flow_name} run ends {' or '.join(states)} "
            "(jakreg/alerts.py)",
            trigger=EventTrigger(
                match={"prefect.resource.id": "prefect.flow-run.*"},
                match_related={"prefect.resource.role": "flow", "prefect.resource.name": flow_name},
                expect={f"prefect.flow-run.{state}" for state in states},
                posture=Posture.Reactive,
                threshold=1,
                within=timedelta(0),
            ),
            actions=[SendNotification(block_document_id=block_id, subject=subject, body=BODY)],
        )

    return [
        on(
            "registry-refresh",
            ("Failed", "Crashed", "TimedOut"),
            NIGHT_FAILED,
            "jakreg: the night published nothing",
        ),
        on("refresh-center", ("Failed",), CENTER_QUARANTINED, "jakreg: a center was quarantined"),
    ]


def install(webhook: str | None = None, block: str | None = None) -> list[str]:
    """Creates the notification block (for `webhook`) and the automations, replacing earlier
    ones of the same names; returns what it did, a line each."""
    from prefect.automations import Automation
    from prefect.blocks.core import Block
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.exceptions import ObjectNotFound

    if webhook:
        notifier = CustomWebhookNotificationBlock(
            name=WEBHOOK_BLOCK,
            url=webhook,
            json_data={"subject": "{{subject}}", "body": "{{body}}"},
        )
        notifier.save(WEBHOOK_BLOCK, overwrite=True)
        done = [f"notification block custom-webhook/{WEBHOOK_BLOCK} posts to {webhook}"]
    elif block:
        try:
            notifier = Block.load(block)
        except (ValueError, ObjectNotFound) as err:
            raise ConfigError(f"notification block {block!r} cannot be loaded: {err}") from None
        done = [f"notifications go through block {block}"]
    else:
        raise ConfigError("give --webhook URL or --block TYPE/NAME")
    for automation in automations(notifier._block_document_id):
        with contextlib.suppress(ValueError):  # raised when there is none of that name yet
            Automation.read(name=automation.name).delete()
        automation.create()
        done.append(f"automation {automation.name!r} created ({automation.id})")
    return done


def add_alerts_command(commands: Any) -> None:
    alerts = commands.add_parser(
        "alerts",
        help="create the Prefect automations that notify on a failed night or quarantined center",
    )
    actions = alerts.add_subparsers(required=True, metavar="ACTION")
    install_parser = actions.add_parser(
        "install",
        help="create or replace the automations on the Prefect server at PREFECT_API_URL",
        description=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = install_parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--webhook", metavar="URL", help="POST each alert as JSON to URL")
    target.add_argument(
        "--block",
        metavar="TYPE/NAME",
        help="an existing notification block, e.g. slack-webhook/oncall",
    )
    install_parser.set_defaults(command=_install)


def _install(args: argparse.Namespace) -> int:
    for line in install(args.webhook, args.block):
        print(line)
    return 0

import argparse
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from events.matchmaking import services


def _moment(value):
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO date and time: {value!r}") from error
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = (
        "Matchmaking's daily work: expire the meeting requests left unanswered at their event's "
        "deadline (the sender is told), remind receivers of requests waiting for two days (at "
        "most three times), and send the surveys about each meeting after the event and six "
        "months later. Each e-mail is sent once, so running it twice a day is harmless. Run daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            type=_moment,
            default=None,
            help="Act as if it were this moment (ISO 8601, e.g. 2030-05-12T09:00+03:00).",
        )

    def handle(self, *args, now=None, **options):
        now = now or timezone.now()
        expired, reminded = services.expire_and_remind(now=now)
        surveys = services.send_surveys(now=now)
        self.stdout.write(
            f"Expired {expired} meeting request(s), sent {reminded} reminder(s) and "
            f"{surveys} survey(s)."
        )

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clusters.emails import deliver_pending
from clusters.models import OutgoingEmail


def send_due(*, batch_size=100, now=None):
    """Send the pending outbox messages that are due, oldest first; ``(sent, failed)``.

    Ids are read a batch at a time; each message is then locked, checked again and sent in its
    own transaction, so that two runs at once never send one twice (the other run skips it) and
    a run that dies loses at most the message it was sending.
    """
    now = now or timezone.now()
    sent = failed = 0
    last_pk = 0
    while True:
        ids = list(
            OutgoingEmail.objects.filter(
                status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=now, pk__gt=last_pk
            )
            .order_by("pk")  # the order they were accepted in
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return sent, failed
        for pk in ids:
            result = deliver_pending(pk, due_before=now)
            if result is True:
                sent += 1
            elif result is False:
                failed += 1
        last_pk = ids[-1]


class Command(BaseCommand):
    help = (
        "Send the e-mails waiting in the outbox whose next attempt is due (a mail server that "
        "failed earlier). Safe to run every five minutes from cron, also twice at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=100, help="Messages read at a time (default 100)."
        )

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        sent, failed = send_due(batch_size=batch_size)
        self.stdout.write(f"Sent {sent} e-mail(s); {failed} failed (retried later or given up).")

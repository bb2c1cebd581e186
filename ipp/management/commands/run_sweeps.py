import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ipp.sweeps import run_sweeps


class Command(BaseCommand):
    help = "Run every periodic sweep once, now or as if at --as-of, and print what changed."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="ISO-8601 date or time to act as if it were (default: now)")
        parser.add_argument("--dry-run", action="store_true", help="Only count what would change")

    def handle(self, *args, as_of=None, dry_run=False, **options):
        moment = timezone.now()
        if as_of:
            try:
                moment = dt.datetime.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(f"--as-of must be an ISO-8601 date or time, not {as_of!r}") from exc
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        verb = "would change" if dry_run else "changed"
        self.stdout.write(f"Sweeps as of {moment.isoformat()}{' (dry run)' if dry_run else ''}:")
        for name, count in run_sweeps(as_of=moment, dry_run=dry_run):
            self.stdout.write(f"  {name}: {verb} {count}")

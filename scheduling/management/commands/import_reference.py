import sys
from argparse import RawDescriptionHelpFormatter

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter
from tqdm import tqdm

from scheduling.csvfiles import CsvFileError
from scheduling.importers import (
    REFERENCE_KINDS,
    ReferenceRowsInvalid,
    reference_import,
)
from scheduling.management.orgs import find_organization

PROGRESS_MIN_ROWS = 1000


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Keeps the column list in the description one kind per line."""


class Command(BaseCommand):
    help = "\n".join(
        [
            "Upsert an organization's reference rows from a CSV file (UTF-8, header row).",
            "",
            "Rows are matched to the org's existing rows by external_id (procedure codes by",
            "code; goals by provider, location and date: a re-import changes their amounts).",
            "All rows are validated first; with any invalid row nothing is written",
            "unless --skip-invalid. Booleans: true/false, 1/0, yes/no; dates: YYYY-MM-DD;",
            "a blank cell means the default; a column left out keeps existing values.",
            "",
            "Columns (optional ones in brackets):",
            *(f"  {kind.describe()}" for kind in REFERENCE_KINDS.values()),
        ]
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(REFERENCE_KINDS))
        parser.add_argument("file", help="Path of the CSV file.")
        parser.add_argument("--org", required=True, help="The organization's UUID or exact name.")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Import the valid rows and report the invalid ones instead of importing none.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, kind, file, org, skip_invalid, no_progress, **options):
        organization = find_organization(org)
        try:
            with open(file, encoding="utf-8-sig", newline="") as csv_file:
                result = reference_import(
                    org=organization,
                    kind=kind,
                    csv_file=csv_file,
                    skip_invalid=skip_invalid,
                    progress=None if no_progress else _progress_bar,
                )
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        except CsvFileError as exc:
            raise CommandError(f"{file}: {exc}") from exc
        except ReferenceRowsInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{kind}: {exc} (--skip-invalid imports the valid rows only)"
            ) from exc
        for error in result.errors:
            self.stderr.write(str(error))
        self.stdout.write(result.summary())


def _progress_bar(rows):
    return tqdm(
        rows,
        desc="checking rows",
        unit="row",
        file=sys.stderr,
        disable=len(rows) < PROGRESS_MIN_ROWS,
    )

"""``newsletter_render ISSUE --format html|text|eml --output FILE [--recipient EMAIL]``."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsletter.composition import compose, sample_merge_values
from newsletter.issue_lookup import IssueNotFound, find_issue
from newsletter.rendering import RenderError, newsletter_settings, render_revision

SAMPLE_RECIPIENT = "reader@example.org"


class Command(BaseCommand):
    help = (
        "Render a newsletter issue (page id, slug or 'latest') as HTML, plain text, or the "
        "complete message one recipient would receive (eml)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("issue", help="Page id, slug, or 'latest'.")
        parser.add_argument("--format", choices=["html", "text", "eml"], default="html")
        parser.add_argument("--output", "-o", help="File to write; '-' or omitted: stdout.")
        parser.add_argument(
            "--recipient",
            default=SAMPLE_RECIPIENT,
            help="Whose personal links to use (a subscriber's own if they exist).",
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Render the latest draft instead of the published version.",
        )

    def handle(self, *args, **options) -> None:
        try:
            issue = find_issue(options["issue"])
            live = issue.live and not options["draft"]
            rendered = render_revision(issue, latest=not live)
        except (IssueNotFound, RenderError) as error:
            raise CommandError(str(error)) from error

        values = sample_merge_values(options["recipient"])
        fmt = options["format"]
        if fmt == "eml":
            settings = newsletter_settings(issue.get_site())
            message = compose(
                rendered, options["recipient"], values, sender_email=settings.sender_email
            )
            data = message.message().as_bytes(linesep="\r\n")
        else:
            html_body, text_body = rendered.personalise(values)
            data = (html_body if fmt == "html" else text_body).encode()

        output = options.get("output")
        if not output or output == "-":
            sys.stdout.buffer.write(data)
            return
        Path(output).write_bytes(data)
        self.stdout.write(f"Wrote {len(data):,} bytes ({fmt}) of “{issue.title}” to {output}")

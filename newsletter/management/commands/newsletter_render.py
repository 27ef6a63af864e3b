"""``newsletter_render ISSUE --format html|text|eml --output FILE [--recipient EMAIL]``."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from newsletter.issues.blocks import RenderError
from newsletter.issues.lookup import IssueNotFound, find_issue
from newsletter.issues.messages import Content, personal_message, sample_merge_values
from newsletter.issues.rendering import render_revision
from newsletter.sender import sender_identity

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
            content = Content.of_rendered(rendered, sender_identity(issue.get_site()))
            message = personal_message(content, options["recipient"], values)
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

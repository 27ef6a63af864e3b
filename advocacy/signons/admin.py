"""The moderation queue in the Wagtail admin."""

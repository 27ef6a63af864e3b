"""Organisational sign-on for open letters: the public form, the contact's confirmation, the
moderation queue and the emails (the model is :class:`advocacy.models.SignOnRequest`)."""

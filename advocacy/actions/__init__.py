"""Supporter actions: letters to representatives and petitions (the page type is
:class:`advocacy.models.ActionPage`): the form, the supporter's confirmation, delivery of the
letters, live counts, the JSON endpoint, and importing representatives and postal areas."""

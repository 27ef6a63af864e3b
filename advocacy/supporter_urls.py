"""URLs supporters reach from forms and emails: sign-on and action form posts, their
confirmation links, and the JSON endpoint for headless front ends.

Include them **without** a language prefix (outside ``i18n_patterns``), like
``newsletter.urls``: the links in emails already sent must keep working, and each view speaks
the language of the letter or action it serves.
"""

from advocacy.actions.urls import urlpatterns as action_urls
from advocacy.signons.urls import urlpatterns as sign_on_urls

app_name = "advocacy_supporters"
urlpatterns = [*sign_on_urls, *action_urls]

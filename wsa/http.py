"""HTTP method guards shared by the portals' views."""

from django.views.decorators.http import require_http_methods

# A page with a form: shown by GET (and HEAD), sent by POST; anything else is 405.
GET_OR_POST = require_http_methods(["GET", "HEAD", "POST"])

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "port.settings")
django_application = get_wsgi_application()

from port.core.chunked import ChunkedBodies  # noqa: E402 (needs the settings above)

# Chunked request bodies get a length (or a 411) before Django reads them: port/core/chunked.py.
application = ChunkedBodies(django_application)

"""The WSGI entry point for gunicorn: `gunicorn quizapp.wsgi:app`."""

import sys

from . import create_app
from .config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # one line saying which setting to change, not a traceback
    sys.exit(f"quizapp: {error}")

"""The command line. pydantic looks for plugins by scanning every installed distribution's entry points
when the first model is built (tens of milliseconds at each start); mailplan uses none, so it is told not
to look (the variable is pydantic's own switch; one set by the user is kept)."""

import os

os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

"""The version of trailtech, in a module of its own.

Modules that need the version (the CLI, the pipeline, the season cache and report) import it
from here, never from the package ``__init__``: importing the package from inside it makes an
import circle.
"""

__version__ = "0.1.0"

"""What the server's logs look like: uvicorn's messages and ours, one format, on stderr.

uvicorn's access log is switched off (it names the client's address and the query string);
`directory.access` (directory/web/access_log.py) writes one that does not.
"""

from __future__ import annotations

from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def config() -> dict[str, Any]:
    """A logging.config.dictConfig for uvicorn's `log_config`."""
    stderr = {"handlers": ["stderr"], "level": "INFO", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": FORMAT}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": stderr,
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "directory": stderr,
        },
    }

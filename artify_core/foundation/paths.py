"""Where Artify keeps things on this machine; every location has one override rule.

``$ARTIFY_CACHE`` (default ``~/.cache/artify``) holds, unless each is set on its
own: the artifact store (``$ARTIFY_STORE``), the scratch space for downloaded
inputs and assembled outputs (``$ARTIFY_SCRATCH``) and the lock files of stores
that have no directory of their own (object storage). The variables are defined
in ``foundation.environment``.
"""

from __future__ import annotations

from pathlib import Path

from artify_core.foundation.environment import environment


def cache_home() -> Path:
    return environment().cache_home


def default_store_uri() -> str:
    """``$ARTIFY_STORE``, else ``<cache home>/store``."""
    env = environment()
    return env.store or str(env.cache_home / "store")


def scratch_dir() -> Path:
    """Where remote inputs are downloaded and remote outputs assembled: ``$ARTIFY_SCRATCH``,
    else ``<cache home>/scratch``."""
    env = environment()
    return (env.scratch or env.cache_home / "scratch").expanduser()


def lock_dir() -> Path:
    """Lock files of stores that cannot hold their own (object storage): ``<cache home>/locks``."""
    return cache_home() / "locks"

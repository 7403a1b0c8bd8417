"""What a run published, recorded in its store, so that the same command run again answers
"up to date" from hashes alone: no orchestrator, no model, no decoding.

The record is keyed by the output's absolute path and holds the run's key (content, styles,
model version, encoder, every setting; conservative: any change means a run) and the sha256
of the published bytes. It is trusted only when the output's bytes still hash to that value,
so an edited, replaced or truncated output is made again (from the chunk cache).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from artify_core.foundation.hashing import combine, file_digest
from artify_core.models.spec import ModelSpec
from artify_core.pipeline.model_spec import spec_for
from artify_core.pipeline import keys
from artify_core.settings import NO_STYLE, VideoRequest
from artify_core.storage import StorageError, StorageUnavailableError, open_store
from artify_core.storage.uri import is_remote, remote_identity
from artify_core.video.encoders import resolve_encoder

RECORD_FORMAT = 1
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publication:
    output: str  # absolute path of the published file
    run_key: str
    frames: int
    sha256: str
    format: int = RECORD_FORMAT


def style_identities(request: VideoRequest) -> list[str]:
    """Every layer's styles by identity, in order (sha256 of a local file, URI + ETag of an object)."""
    return [NO_STYLE if path == NO_STYLE else remote_identity(path)
            for paths in request.layer_styles().values() for path in paths]


def run_key(request: VideoRequest, content_identity: str, styles: list[str], spec: ModelSpec) -> str:
    """Everything the output's bytes follow from. Locations are left out (the content and styles
    count by identity); every other field counts, runtime ones included, so a key can only be
    too strict (a rerun made from the chunk cache), never too loose."""
    fields = request.model_dump(mode="json")
    fields.update(content="", output="", report="")
    fields["style"] = []
    fields["segmented"].update(fg_style=[], bg_style=[])
    fields["encoding"]["encoder"] = resolve_encoder(request.encoding.encoder, spec.device)
    return combine(content_identity, *styles, spec.version, json.dumps(fields, sort_keys=True),
                   keys.PIPELINE_VERSION, keys.CUTS_VERSION, keys.PLAN_VERSION, keys.KEYFRAMES_VERSION)


def record_object(output: str) -> str:
    """Where the record of the file at ``output`` lives in the store."""
    return f"published/{combine(str(Path(output).expanduser().absolute()))}.json"


def record_publication(store_uri: str, output: str, key: str, frames: int) -> Publication | None:
    """Records that ``output`` (a local file, just published) is what ``key`` makes. Remote
    outputs are not recorded (their rerun goes through the run)."""
    if is_remote(output):
        return None
    path = Path(output).expanduser().absolute()
    publication = Publication(str(path), key, frames, file_digest(path))
    open_store(store_uri).put_bytes(record_object(output), json.dumps(asdict(publication)).encode())
    return publication


def current_publication(store_uri: str, output: str, key: str) -> Publication | None:
    """The record of ``output`` when it was made with ``key`` and its bytes are unchanged; else None
    (no record, another key, a record that is not one, an output edited or gone)."""
    path = Path(output).expanduser().absolute()
    if is_remote(output) or not path.is_file():
        return None
    try:
        data = json.loads(open_store(store_uri).get_bytes(record_object(output)))
        publication = Publication(**data)
    except (FileNotFoundError, StorageUnavailableError):  # none yet; a store that is down fails the run itself
        return None
    except (StorageError, ValueError, TypeError, UnicodeDecodeError) as error:
        _log.warning("%s: the record of the last publication is unreadable (%s); running again", output, error)
        return None
    if (publication.format != RECORD_FORMAT or publication.run_key != key or publication.output != str(path)
            or publication.sha256 != file_digest(path)):
        return None
    return publication


def up_to_date(request: VideoRequest, store_uri: str, content_identity: str) -> Publication | None:
    """The publication that already answers ``request`` (its output set), or None."""
    if request.evaluate or is_remote(request.output):  # a report to make, or an object to HEAD: run
        return None
    key = run_key(request, content_identity, style_identities(request), spec_for(request))
    return current_publication(store_uri, request.output, key)


def seen_before(store_uri: str, content_identity: str) -> bool:
    """Whether a run has planned this content with this store before (its scene cuts are there):
    then its chunks may well be there too, and loading a model up front may be wasted."""
    try:
        return open_store(store_uri).exists(keys.cuts_object(keys.cuts_key(content_identity)))
    except (StorageError, StorageUnavailableError, OSError):
        return False

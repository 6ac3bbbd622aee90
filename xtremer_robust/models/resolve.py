"""Turn what the user typed (Hub id, local folder, ``builtin:me5-small``) into a local folder.

Hub downloads go through ``huggingface_hub.snapshot_download`` (so the usual HF cache and
``HF_HUB_OFFLINE`` apply). An unreachable Hub costs tens of seconds per retry, so before
asking it we probe the endpoint with a short socket timeout and, when it does not answer,
switch this process to offline mode: a model already in the local HF cache still loads,
anything else fails at once with :class:`HubUnreachableError`.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from xtremer_robust.errors import HubUnreachableError, ModelError
from xtremer_robust.models.builtin import BUILTIN_PREFIX, builtin_model_dir
from xtremer_robust.models.info import (ModelInfo, hash_tokenizer_files, hash_weight_files, load_training_metadata, prefixes_for,
                                         trained_on, training_summary)

__all__ = ["resolve_model", "hub_reachable"]

#: Files a checkpoint needs for scoring; other files in a Hub repo (ONNX, TF, Flax) are skipped.
_ALLOW = ["*.json", "*.safetensors", "*.txt", "*.model", "*.py", "pytorch_model*.bin"]
_OFFLINE_HINT = (
    "Pass a local checkpoint folder, or builtin:me5-small (needs no network), or run once where the Hub "
    "is reachable so that the model lands in the Hugging Face cache."
)


def hub_reachable(timeout: float = 3.0) -> bool:
    """True when a TCP connection to the Hub endpoint opens within ``timeout`` seconds."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    parsed = urlparse(endpoint)
    host, port = parsed.hostname or "huggingface.co", parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _looks_like_path(model_id: str) -> bool:
    """A Hub id is ``name`` or ``org/name``; anything with more parts, or starting like a path, is a path."""
    return model_id.startswith((".", "/", "~")) or model_id.count("/") > 1 or "\\" in model_id or Path(model_id).exists()


def _download(model_id: str, revision: str | None) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    from huggingface_hub.utils import HFValidationError, validate_repo_id

    try:
        validate_repo_id(model_id)
    except HFValidationError as exc:
        raise ModelError(
            f"MODEL_ID: '{model_id}' is neither a local folder nor a valid Hub id ({exc}). "
            "Pass an existing checkpoint folder, a Hub id such as org/name, or builtin:me5-small."
        ) from None
    online = hub_reachable()
    try:
        return Path(snapshot_download(model_id, revision=revision, allow_patterns=_ALLOW, local_files_only=not online))
    except HFValidationError as exc:
        raise ModelError(f"--revision: '{revision}' is not a valid revision for '{model_id}' ({exc}).") from None
    except RepositoryNotFoundError as exc:
        raise ModelError(
            f"MODEL_ID: '{model_id}' is neither a local folder nor a model on the Hugging Face Hub (or it is private). "
            "Check the spelling, pass a folder path, or use builtin:me5-small."
        ) from exc
    except RevisionNotFoundError as exc:
        raise ModelError(f"--revision: '{revision}' does not exist for model '{model_id}'. Use a branch, tag or commit of that repo.") from exc
    except GatedRepoError as exc:
        raise ModelError(f"MODEL_ID: '{model_id}' is gated on the Hub; log in with `hf auth login` after accepting its terms.") from exc
    except LocalEntryNotFoundError as exc:
        raise HubUnreachableError(
            f"MODEL_ID: '{model_id}' is not a local folder, not in the Hugging Face cache, and the Hub "
            f"cannot be reached from this machine. {_OFFLINE_HINT}"
        ) from exc
    except (OSError, ConnectionError) as exc:  # requests/httpx connection failures subclass these
        raise HubUnreachableError(f"MODEL_ID: downloading '{model_id}' from the Hugging Face Hub failed ({exc}). {_OFFLINE_HINT}") from exc


def resolve_model(
    model_id: str,
    *,
    revision: str | None = None,
    trust_remote_code: bool = False,
    cache_dir: Path | None = None,
) -> ModelInfo:
    """Resolve ``model_id`` to a local folder and hash its weights and tokenizer.

    ``builtin:<name>`` converts the bundled model on first use; an existing folder is used
    as is (``revision`` must then be None); anything else is a Hub id.
    """
    quantized = False
    if model_id.startswith(BUILTIN_PREFIX):
        if revision is not None:
            raise ModelError(f"--revision: built-in models have no revisions (got '{revision}' for {model_id}).")
        folder = builtin_model_dir(model_id[len(BUILTIN_PREFIX):], cache_dir=cache_dir)
        quantized = True
    elif Path(model_id).expanduser().is_dir():
        if revision is not None:
            raise ModelError(f"--revision: '{revision}' given for the local folder {model_id}; revisions apply to Hub ids only.")
        folder = Path(model_id).expanduser().resolve()
    elif _looks_like_path(model_id):
        raise ModelError(f"MODEL_ID: the folder '{model_id}' does not exist. Pass an existing checkpoint folder, a Hub id, or builtin:me5-small.")
    else:
        folder = _download(model_id, revision)
    if not (folder / "config.json").is_file():
        raise ModelError(f"MODEL_ID: {folder} has no config.json; it is not a Hugging Face checkpoint folder.")
    if not any(p.suffix in (".safetensors", ".bin") for p in folder.iterdir()):
        raise ModelError(f"MODEL_ID: {folder} has no weight file (*.safetensors or pytorch_model*.bin).")
    weights = hash_weight_files(folder)
    meta = load_training_metadata(folder)  # read once: the summary and the leakage guard's sets
    return ModelInfo(
        id=model_id,
        revision=revision,
        path=str(folder),
        weights_sha256=weights,
        tokenizer_sha256=hash_tokenizer_files(folder),
        quantized_4bit_expanded=quantized,
        prefixes=prefixes_for(model_id),
        trust_remote_code=trust_remote_code,
        training=None if meta is None else training_summary(meta),
        trained_on=trained_on(meta),
    )

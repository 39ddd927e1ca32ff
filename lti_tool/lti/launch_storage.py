"""pylti1p3's launch data storage on PeerReady's shared store (database or Redis)."""

from __future__ import annotations

from typing import Any

from pylti1p3.launch_data_storage.base import LaunchDataStorage

from lti_tool.store import KeyValueStore


class StoreLaunchDataStorage(LaunchDataStorage[Any]):
    """Launch data, nonces and cached platform keys in the store every worker shares.

    Keys are not tied to a cookie-held session id (cookies may be blocked in the iframe); every
    key pylti1p3 writes holds an unguessable uuid, state or nonce.
    """

    def __init__(self, store: KeyValueStore) -> None:
        super().__init__()
        self._store = store

    def get_session_cookie_name(self) -> str | None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        return self._store.get(self._prepare_key(key))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        self._store.set(self._prepare_key(key), value, exp)

    def check_value(self, key: str) -> bool:
        return self._store.get(self._prepare_key(key)) is not None

    def delete_value(self, key: str) -> None:
        self._store.delete(self._prepare_key(key))

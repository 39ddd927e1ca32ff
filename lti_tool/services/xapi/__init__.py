"""xAPI statements: vocabulary, pseudonymous actors, builders, validation, LRS delivery, export.

Features emit statements through ``recording.emit`` (see ``docs/xapi.md``); the builders in
``statements`` turn PeerReady events into statements from published profiles (cmi5, the xAPI
Video Profile, ADL's vocabulary, the Open Badges profile).
"""

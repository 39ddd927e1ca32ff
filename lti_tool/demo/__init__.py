"""A tiny LMS for development: a course page that launches PeerReady through real LTI 1.3.

It registers itself as a platform (with an inline key set), signs id_tokens with its own RSA
key and offers Platform Storage (postMessage) to the tool's iframe, so a developer sees the
whole OIDC flow work on a laptop. It is registered only when ENVIRONMENT is "development".
"""

"""gunicorn settings for production: ``gunicorn -c config/gunicorn.conf.py wsgi:app``.

Override any of them on the command line (``-w 8``, ``-b 0.0.0.0:9000``).
"""

import os

# Workers serve requests only: no `flask` commands or migrations loaded in each (saves memory).
os.environ.setdefault("PEERREADY_WEB_WORKER", "true")

bind = os.environ.get("PEERREADY_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("PEERREADY_WORKERS", "4"))
timeout = 30
graceful_timeout = 20
# PeerReady's session token travels in URLs (``?s=``) because cookies may be blocked inside
# the LMS iframe. Log the path without its query string, and no Referer (it holds the same
# URLs), so that access logs never hold a usable session token.
accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'

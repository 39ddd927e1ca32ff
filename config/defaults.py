"""Working defaults for a laptop: no secrets here. Override with PEERREADY_* variables."""

# Database: SQLite in instance/ unless PEERREADY_SQLALCHEMY_DATABASE_URI says otherwise.
SQLALCHEMY_DATABASE_URI = None  # filled in by create_app: sqlite:///<instance>/peerready.sqlite3
# Redis for launch state, sessions and rate limits; None keeps them in the database.
REDIS_URL = None
# Prefix of every Redis key PeerReady writes (several installs may share one Redis).
REDIS_KEY_PREFIX = "peerready:"
# The public base URL behind a proxy, e.g. "https://peerready.example.org"; None: from the request.
PUBLIC_BASE_URL = None
# How many proxies sit in front of the app (for ProxyFix); 0 when it is reached directly.
PROXY_COUNT = 0
# Name shown to users and sent as the issuer of badges and certificates.
SCHOOL_NAME = "PeerReady"
# Contact address in the Open Badges issuer profile (OB 2.0 requires one); a school can set its own.
SCHOOL_EMAIL = None
# "development" enables the demo platform and writes a secret key to instance/.
ENVIRONMENT = "development"
# True in gunicorn workers (config/gunicorn.conf.py sets PEERREADY_WEB_WORKER): they serve
# requests only, so they skip the `flask` commands and Alembic, which cost memory in every worker.
WEB_WORKER = False
# The built-in demo platform (a tiny LMS at /demo): only ever on in development.
DEMO_PLATFORM = True

# A school's own training videos: a folder laid out like modules/content (one folder per module,
# programmes/ for programmes). Its modules add to or replace the shipped ones; None: shipped only.
MODULES_DIR = None

# Learning Record Store: None keeps statements in PeerReady's own statement store. This is the
# default LRS for schools without endpoints of their own (set those on the admin page).
LRS_ENDPOINT = None  # the xAPI base URL, e.g. "https://lrs.example.org/xAPI/"
LRS_USERNAME = None  # Basic auth
LRS_PASSWORD = None
LRS_OAUTH2_TOKEN_URL = None  # set these instead for OAuth2 client credentials
LRS_OAUTH2_CLIENT_ID = None
LRS_OAUTH2_CLIENT_SECRET = None
LRS_OAUTH2_SCOPE = None
LRS_TIMEOUT_SECONDS = 10
# Let admins add http:// LRS endpoints (never in production: credentials would travel in clear).
LRS_ALLOW_HTTP = False
# Send pupils' display names to the LRS: off unless a school turns it on. E-mail is never sent.
XAPI_SEND_NAMES = False
# Root of activity IRIs; None: the tool's public URL + /xapi. Set it to keep IRIs if the URL moves.
XAPI_ACTIVITY_BASE = None

# Outbox delivery (statements to LRSs, scores to gradebooks).
OUTBOX_BATCH_SIZE = 50  # items per claim and per LRS POST
OUTBOX_LEASE_SECONDS = 120  # a claim's lease: longer than the slowest send
OUTBOX_BACKOFF_BASE_SECONDS = 5  # first retry after 2.5-5 s, doubling up to the cap
OUTBOX_BACKOFF_CAP_SECONDS = 3600
OUTBOX_IDLE_SECONDS = 2  # the worker's pause when nothing is due
OUTBOX_CHORE_SECONDS = 60  # how often workers run their chores (ending idle xAPI sessions)
# A launch's session ends (xAPI "terminated") this long after its last activity...
XAPI_SESSION_IDLE_SECONDS = 1800
# ...or this long after its page was closed, if no PeerReady page opened since.
XAPI_SESSION_LEAVE_GRACE_SECONDS = 120
# Deliver from a thread inside the web process; None: only on the embedded default (SQLite).
# Production runs `flask xapi deliver` as its own process instead.
OUTBOX_IN_PROCESS_WORKER = None
# Keep display names that the platform sends (shown to trainers); e-mail is never stored.
STORE_DISPLAY_NAMES = True

# Google Classroom add-on (see README): the OAuth client of the school's Cloud project.
GOOGLE_CLIENT_ID = None
GOOGLE_CLIENT_SECRET = None
GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GOOGLE_CERTS_URI = "https://www.googleapis.com/oauth2/v3/certs"  # keys that sign id_tokens
GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
CLASSROOM_API_ENDPOINT = None  # None: Google's; tests point it at a fake Classroom
CLASSROOM_TIMEOUT_SECONDS = 10
# The only origins that may frame the add-on's pages and a Classroom visit's training pages.
CLASSROOM_FRAME_ANCESTORS = ("https://classroom.google.com",)
# How long a browser remembers who signed in (a partitioned cookie) to skip the prompt.
CLASSROOM_REMEMBER_SECONDS = 30 * 24 * 3600

# Cookies are only a convenience: sessions also travel as a signed token in URLs and forms.
SESSION_COOKIE_NAME = "peerready_session"
SESSION_COOKIE_SAMESITE = "None"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
# How long a learner's session lasts after their last request (seconds).
SESSION_LIFETIME_SECONDS = 4 * 3600
# How long OIDC state and nonce stay valid between login and launch (seconds).
LAUNCH_STATE_SECONDS = 600
# How long a platform's JWKS is cached before it is fetched again (seconds).
PLATFORM_JWKS_CACHE_SECONDS = 3600
# How long each worker reuses a platform registration or deployment it read (seconds); a
# change made through another worker or the CLI reaches this one within that time.
REGISTRATION_CACHE_SECONDS = 30
# Largest id_token accepted (bytes); larger posts are refused before parsing.
MAX_ID_TOKEN_BYTES = 32 * 1024
# Clock skew allowed on id_token iat/exp/nbf (seconds).
JWT_LEEWAY_SECONDS = 10

# Origins allowed to frame PeerReady or receive its forms besides registered platforms.
EXTRA_FRAME_ANCESTORS: tuple[str, ...] = ()
EXTRA_FORM_ACTION: tuple[str, ...] = ()

# Rate limits (Flask-Limiter syntax) for the LTI entry points, per client address.
RATELIMIT_LOGIN = "60 per minute"
RATELIMIT_LAUNCH = "60 per minute"
RATELIMIT_HEADERS_ENABLED = True

# CSRF: Flask-WTF, with the token kept in the server-side session.
WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds it
WTF_CSRF_SSL_STRICT = False  # launches come from the platform's origin, not ours

LOGGING_CONFIG = "logging.ini"  # in config/

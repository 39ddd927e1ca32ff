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
# The built-in demo platform (a tiny LMS at /demo): only ever on in development.
DEMO_PLATFORM = True

# Learning Record Store: None keeps statements in PeerReady's own statement store.
LRS_ENDPOINT = None
LRS_USERNAME = None
LRS_PASSWORD = None
# Send pupils' names and e-mail addresses to the LRS: off unless a school turns it on.
XAPI_SEND_NAMES = False
# Keep display names that the platform sends (shown to trainers); e-mail is never stored.
STORE_DISPLAY_NAMES = True

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
# Largest id_token accepted (bytes); larger posts are refused before parsing.
MAX_ID_TOKEN_BYTES = 32 * 1024
# Clock skew allowed on id_token iat/exp/nbf (seconds).
JWT_LEEWAY_SECONDS = 10

# Rate limits (Flask-Limiter syntax) for the LTI entry points, per client address.
RATELIMIT_LOGIN = "60 per minute"
RATELIMIT_LAUNCH = "60 per minute"
RATELIMIT_HEADERS_ENABLED = True

# CSRF: Flask-WTF, with the token kept in the server-side session.
WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds it
WTF_CSRF_SSL_STRICT = False  # launches come from the platform's origin, not ours

LOGGING_CONFIG = "logging.ini"  # in config/

# Pelican's side of the benchmark: the same papers, notes and topics as the litdigest build.
# peers.py appends SITENAME and DEFAULT_PAGINATION (litdigest's topic_page_size).
SITEURL = ""
RELATIVE_URLS = True
PATH = "content"
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_DATE_FORMAT = "%Y-%m-%d"

# papers/<id>/ and notes/<slug>/, like litdigest; the category says which.
ARTICLE_URL = "{category}/{slug}/"
ARTICLE_SAVE_AS = "{category}/{slug}/index.html"
CATEGORY_SAVE_AS = ""
CATEGORY_URL = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
PAGE_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "tags", "archives"]
ARCHIVES_SAVE_AS = "archive/index.html"
TAGS_SAVE_AS = "topics/index.html"

# Topics are tags: one paginated list and one feed per topic.
TAG_URL = "topics/{slug}/"
TAG_SAVE_AS = "topics/{slug}/index.html"
PAGINATED_TEMPLATES = {"tag": None}
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

# Per-day lists: Pelican's day archives.
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = "days/{date:%Y}-{date:%m}-{date:%d}/index.html"
DAY_ARCHIVE_URL = "days/{date:%Y}-{date:%m}-{date:%d}/"

# RSS and Atom for the site, for every topic, and for the notes (a category), 50 items each,
# like litdigest's feeds in the benchmark corpus.
FEED_MAX_ITEMS = 50
FEED_ALL_RSS = "feed.xml"
FEED_ALL_ATOM = "atom.xml"
TAG_FEED_RSS = "topics/{slug}/feed.xml"
TAG_FEED_ATOM = "topics/{slug}/atom.xml"
CATEGORY_FEED_RSS = "{slug}/feed.xml"
CATEGORY_FEED_ATOM = "{slug}/atom.xml"
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None

# A full build from clean: no cache from an earlier run.
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = True

"""Reading pasted product addresses: one per line, each checked against its platform's shapes.

Pure functions over text: what a line says (a listing id, or why it is not one). Whether
the listing exists, repeats or is already reported is decided in ``services`` with the
marketplace adapter and the database.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from .models import Platform

# What a product page's address looks like on each platform (the page's hint, the upload's template).
EXAMPLE_URLS = {
    "taobao": "https://item.taobao.com/item.htm?id={id}",
    "tmall": "https://detail.tmall.com/item.htm?id={id}",
    "tmallhk": "https://detail.tmall.hk/hk/item.htm?id={id}",
    "1688": "https://detail.1688.com/offer/{id}.html",
    "alibaba": "https://www.alibaba.com/product-detail/Example-Product_{id}.html",
    "aliexpress": "https://www.aliexpress.com/item/{id}.html",
    "lazada": "https://www.lazada.sg/products/example-product-i{id}.html",
}

# Operators that share a brand with a platform but run their own complaint channel.
SEPARATE_OPERATORS = {
    "aliexpress.ru": ("AliExpress Russia", "https://aliexpress.ru"),
}

# Where an address starts: a scheme, or "www." that no scheme precedes ("https://www." is one start);
# not inside a query string ("?ref=https://…" is one address), but after a letter or digit it is glued on.
_URL_START = re.compile(r"(?:(?<![=%&?/:])https?://|(?<![/\w.=%&?:-])www\.)", re.IGNORECASE)
# Invisible characters that copying from chat apps and spreadsheets leaves around an address.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0"
_SEPARATORS = re.compile(r"[\s,;，；、]+")
_HOST = re.compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)+$")


@dataclass(frozen=True)
class UrlProblem:
    line: int
    url: str
    code: str
    message: str


@dataclass(frozen=True)
class ProductUrl:
    line: int
    url: str  # as given, with https:// added when it had no scheme
    listing_id: str


def _owner_of(host: str, platforms: list[Platform]) -> Platform | None:
    for candidate in platforms:
        if any(host == domain or host.endswith("." + domain) for domain in candidate.host_list):
            return candidate
    return None


def _separate_operator(host: str):
    return next((operator for domain, operator in SEPARATE_OPERATORS.items()
                 if host == domain or host.endswith("." + domain)), None)


def read_line(number: int, line: str, *, platform: Platform, platforms: list[Platform]) -> ProductUrl | UrlProblem:
    """What one non-blank line holds: a product page of ``platform``, or the first reason it is not one."""
    text = line.strip().strip(_INVISIBLE).strip()

    def problem(code: str, message: str) -> UrlProblem:
        return UrlProblem(line=number, url=text, code=code, message=message)

    tokens = [token for token in _SEPARATORS.split(text) if token]
    if len(_URL_START.findall(text)) > 1 or (len(tokens) > 1 and all("." in token and "/" in token for token in tokens)):
        return problem("multiple_per_line", _("This line holds several addresses; put each on its own line."))
    if not text.isascii():
        return problem("non_english", _("The address contains non-English words or characters; copy the product "
                                        "page's address from the browser's address bar."))
    # Commas may sit inside one address's query; only whitespace shows text that is not an address.
    if re.search(r"\s", text):
        return problem("invalid_url", _("This line holds words besides a web address (an address has no spaces); "
                                         "keep only the product page's address."))
    candidate = text if "://" in text else "https://" + text.removeprefix("//")
    try:
        parts = urlsplit(candidate)
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return problem("invalid_url", _("This is not a valid web address."))
    if parts.scheme.lower() not in ("http", "https"):
        return problem("invalid_url", _(
            "A product page's address starts with http:// or https://; this one starts with %(scheme)s://.")
            % {"scheme": parts.scheme})
    # A user name before the host ("mailto:x@…", "https://taobao.com@elsewhere") is never a product page.
    if not _HOST.match(host) or parts.username is not None:
        return problem("invalid_url", _("This is not a valid web address."))
    operator = _separate_operator(host)
    if operator:
        name, site = operator
        return problem("separate_platform", _(
            "%(name)s is run by a separate company and is not handled here; file your complaint through "
            "%(name)s's own intellectual property channel at %(site)s.") % {"name": name, "site": site})
    owner = _owner_of(host, platforms)
    if owner is None:
        return problem("wrong_platform", _("This address is on %(host)s, not on %(platform)s (%(domains)s).") % {
            "host": host, "platform": platform.label, "domains": ", ".join(platform.host_list)})
    if owner.code != platform.code:
        return problem("wrong_platform", _(
            "This is a %(other)s address; this complaint is for %(platform)s. File it in a %(other)s complaint.")
            % {"other": owner.label, "platform": platform.label})
    subject = f"{host}{parts.path}?{parts.query}"
    for pattern in platform.pattern_list:
        try:
            match = re.search(pattern, subject, re.IGNORECASE)
        except re.error:
            continue  # an admin's broken pattern (Platform.clean refuses new ones) must not break filing
        if match and match.groupdict().get("id"):
            # With its scheme: the address is kept on the complaint item and shown as a link.
            return ProductUrl(line=number, url=candidate, listing_id=match.group("id"))
    return problem("not_product_page", _(
        "This %(platform)s address is not a product page (search results, shop and category pages are not "
        "accepted); open the product and copy its address.") % {"platform": platform.label})


def read_lines(text: str, *, platform: Platform, platforms: list[Platform],
               limit: int | None = None) -> tuple[list[ProductUrl], list[UrlProblem], list[int]]:
    """The first ``limit`` non-blank lines read with ``read_line``, numbered as the user sees them (from 1),
    and the numbers of the non-blank lines past the limit (counted, not read: a huge paste costs little)."""
    found: list[ProductUrl] = []
    problems: list[UrlProblem] = []
    over: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if limit is not None and len(found) + len(problems) >= limit:
            over.append(number)
            continue
        result = read_line(number, line, platform=platform, platforms=platforms)
        (found if isinstance(result, ProductUrl) else problems).append(result)
    return found, problems, over

"""Canonical URLs: one spelling per resource, so a report behind different links is seen once.

`canonical_url(url, hint)` folds what does not change the resource: scheme and host case (and
http/https, and a leading `www.`), default ports, user info, fragments, trailing slashes, the
order of query parameters, and tracking parameters (`utm_*`, `fbclid`, `gclid`,
`traffic_source`, the BBC's `at_*`, ...). AMP and mobile variants are folded only when the page
says so: `hint` is the page's own canonical link (`Item.extra["canonical"]`), and when it is an
absolute http(s) URL it wins.

The result is an identity key, not a link to show: keep the published URL for display.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "igsh",
        "traffic_source",
        "ocid",
        "cmpid",
        "cmp",
        "icid",
        "xtor",
        "smid",
        "smtyp",
        "s_cid",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "spm",
        "_ga",
        "_gl",
        "mkt_tok",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
        "sr_share",
        "wt.mc_id",
        "wt_mc_id",
        "rss",
        "feed",
        "dicbo",
        "ito",
        "soc_src",
        "soc_trk",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "mc_", "ns_", "pk_", "mtm_", "hsa_", "oly_", "vero_", "_hs")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left as they are in a path (RFC 3986 unreserved + sub-delims + ":@/" + "%").
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def is_tracking(name: str) -> bool:
    """True for a query parameter that only says where a click came from."""
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, hint: str | None = None) -> str:
    """The identity spelling of `url`; `hint` (a page's canonical link) wins when it is usable."""
    if hint:
        hinted = _canonical(hint.strip())
        if hinted:
            return hinted
    return _canonical(url.strip()) or url.strip()


def _canonical(url: str) -> str:
    """Canonical form of an absolute http(s) URL, or "" when `url` is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname.lower().rstrip(".")
    host = host.removeprefix("www.")
    if port is not None and port != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = quote(unquote(parts.path), safe=_PATH_SAFE)
    while path.endswith("/"):
        path = path[:-1]
    params = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)
    ]
    query = urlencode(sorted(params), doseq=False)
    # http and https name the same article: one scheme for identity.
    return urlunsplit(("https", host, path, query, ""))

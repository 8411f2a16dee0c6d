"""Hostile text for every place PhysNet shows what people write.

Each payload calls `xss(N)` (or alert) if it ever runs; the browser test defines `xss` and
records calls and dialogs. Add a surface (tips, new profile fields) to SURFACES in
tests/test_xss_browser.py and it is run against the whole corpus.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

PAYLOADS: list[tuple[str, str]] = [
    ("script tag", "<script>xss(1)</script>"),
    ("script tag, mixed case", "<ScRiPt>xss(2)</sCrIpT>"),
    ("img onerror", "<img src=x onerror=xss(3)>"),
    ("svg onload", "<svg onload=xss(4)>"),
    ("svg script", "<svg><script>xss(5)</script></svg>"),
    ("mathml mutation", "<math><mtext><table><mglyph><style><img src=x onerror=xss(6)>"),
    ("details ontoggle", "<details open ontoggle=xss(7)>x</details>"),
    ("iframe javascript", '<iframe src="javascript:xss(8)"></iframe>'),
    ("object data", '<object data="javascript:xss(9)"></object>'),
    ("raw anchor", '<a href="javascript:xss(10)">open</a>'),
    ("anchor onclick", '<a href="https://example.org" onclick="xss(11)">open</a>'),
    ("markdown javascript link", "[order set](javascript:xss(12))"),
    ("markdown link, mixed case", "[order set](JaVaScRiPt:xss(13))"),
    ("markdown link, entity", "[order set](&#106;avascript:xss(14))"),
    ("markdown link, hex entity", "[order set](&#x6A;avascript&#x3A;xss(15))"),
    ("markdown link, tab", "[order set](java\tscript:xss(16))"),
    ("markdown link, leading space", "[order set]( javascript:xss(17))"),
    ("markdown image javascript", "![chart](javascript:xss(18))"),
    ("markdown image attribute break", '![chart](x" onerror="xss(19))'),
    ("markdown title break", '[docs](https://example.org "a\\" onmouseover=\\"xss(20)")'),
    ("data URL", "[x](data:text/html;base64,PHNjcmlwdD54c3MoMjEpPC9zY3JpcHQ+)"),
    ("vbscript URL", "[x](vbscript:xss(22))"),
    ("autolink javascript", "<javascript:xss(23)>"),
    ("reference link", "[ref][1]\n\n[1]: javascript:xss(24)"),
    ("bare javascript text", "javascript:xss(25)"),
    ("entities", "&lt;script&gt;xss(26)&lt;/script&gt; &#60;img src=x onerror=xss(26)&#62;"),
    ("attribute breaking", '"><script>xss(27)</script><b x="'),
    ("single-quote breaking", "' onmouseover='xss(28)' x='"),
    ("template breaking", "</textarea></title></style><script>xss(29)</script>"),
    ("RTL override", "\u202egnp.<img src=x onerror=xss(30)>"),
    ("homoglyph javascript", "[x](j\u0430vascript:xss(31))"),
    ("zero-width javascript", "[x](java\u200bscript:xss(32))"),
    ("style import", "<style>@import 'javascript:xss(33)';</style>"),
    ("form action", '<form action="javascript:xss(34)"><button>go</button></form>'),
    ("base href", '<base href="javascript:xss(35)//">'),
    ("mention with tag", "@<img src=x onerror=xss(36)>"),
    ("code span", "`<script>xss(37)</script>` and ```\n<img src=x onerror=xss(37)>\n```"),
    ("table cell", "| a |\n|---|\n| <img src=x onerror=xss(38)> |"),
    ("alert dialog", "<img src=x onerror=alert(39)>"),
    ("meta refresh", '<meta http-equiv="refresh" content="0;url=javascript:xss(40)">'),
]

SAFE_SCHEMES = ("http:", "https:", "mailto:")
# Elements that must never come out of user text.
FORBIDDEN_TAGS = (
    "script",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "style",
    "form",
    "base",
    "meta",
    "img",
    "details",
    "link",
)
URL_ATTRIBUTES = ("href", "src", "action", "data", "formaction", "xlink:href", "poster")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"element <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and value is not None:
                # Browsers ignore control characters and whitespace inside a scheme.
                compact = re.sub(r"[\x00-\x20]", "", value).lower()
                scheme = _SCHEME.match(compact)
                if scheme and scheme.group(0) not in SAFE_SCHEMES:
                    self.problems.append(f"<{tag} {name}={value!r}>")


def unsafe_html(html: str) -> list[str]:
    """What is wrong with an HTML fragment meant to be inserted as-is (empty when safe)."""
    parser = _Audit()
    parser.feed(html)
    parser.close()
    return parser.problems


# Runs in the page before anything else: records every payload that runs.
HOOK = """
window.__xss = [];
window.xss = (n) => window.__xss.push(String(n));
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = (n) => window.__xss.push(name + ":" + String(n));
}
"""

# Elements that must never appear in a rendered page region. The app's own chrome uses
# <svg class="icon"> and images from /static/, which DOM_CHECK allows; any other svg or img
# came from user text.
DOM_FORBIDDEN = (
    "script",
    "iframe",
    "frame",
    "object",
    "embed",
    "style",
    "base",
    "meta",
    "link",
    "math",
)

# Checks the DOM under a CSS selector: no forbidden element, no on* attribute, no link,
# source or form target with a scheme other than http, https or mailto. Called with
# [selector, DOM_FORBIDDEN, SAFE_SCHEMES].
DOM_CHECK = """
([selector, forbiddenTags, safeSchemes]) => {
  const bad = [];
  const forbidden = new Set(forbiddenTags);
  const own = (url) => url.origin === location.origin && url.pathname.startsWith("/static/");
  for (const root of document.querySelectorAll(selector)) {
    for (const el of root.querySelectorAll("*")) {
      const tag = el.localName;
      if (forbidden.has(tag)) bad.push("element " + tag);
      if (tag === "svg" && !el.classList.contains("icon")) bad.push("svg not an icon");
      if (tag === "img" && !own(new URL(el.getAttribute("src") || "", document.baseURI))) {
        bad.push("img " + el.getAttribute("src"));
      }
      for (const attr of el.attributes) {
        if (/^on/i.test(attr.name)) bad.push(tag + " " + attr.name);
        if (["href", "src", "action", "data", "formaction", "xlink:href"].includes(attr.name)) {
          const url = new URL(attr.value, document.baseURI);
          if (!safeSchemes.includes(url.protocol)) bad.push(`${tag} ${attr.name}=${attr.value}`);
        }
      }
    }
  }
  return bad;
}
"""

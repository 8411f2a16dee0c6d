"""Render message Markdown to HTML that is safe to put in any page."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

MENTION_RE = re.compile(r"(?<![\w@.])@([a-z][a-z0-9._-]{1,63})")
_TAGS = {
    "a",
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "span",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "code": {"class"},
    "span": {"class"},
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}


def _mention_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "@":
        return False
    if state.pos > 0 and (state.src[state.pos - 1].isalnum() or state.src[state.pos - 1] in "@."):
        return False
    match = MENTION_RE.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("mention", "", 0)
        token.content = match.group(1).rstrip("._-")
    state.pos += 1 + len(match.group(1).rstrip("._-"))
    return True


def _build() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "breaks": True})
    md.enable(["table", "strikethrough", "linkify"])
    md.inline.ruler.before("emphasis", "mention", _mention_rule)
    md.add_render_rule(
        "mention",
        lambda self, tokens, idx, options, env: (
            f'<span class="mention">@{tokens[idx].content}</span>'
        ),
    )
    return md


_MD = _build()


# Plain text, one line: words, numbers and the punctuation that means nothing to Markdown
# or to linkify (no "*_`[]<>&@#/|~\\", no "." before a letter as in a domain, no "1." or
# "1)" list marker at the start). Its HTML is the text in a paragraph, exactly as the
# renderer below makes it (tests/test_markdown.py compares the two), without the ~1 ms
# of parsing and sanitizing most chat messages would otherwise cost.
_PLAIN = re.compile(r"(?!\d+[.)])[A-Za-z0-9(][A-Za-z0-9 ,.;:'?!()%-]*")
_DOMAIN_DOT = re.compile(r"\.[A-Za-z]")


def _plain(body: str) -> bool:
    return (
        _PLAIN.fullmatch(body) is not None
        and not body.endswith(" ")
        and _DOMAIN_DOT.search(body) is None
    )


def render(body: str) -> str:
    """Markdown to sanitized HTML: no raw HTML survives; links open safely."""
    if _plain(body):
        return f"<p>{body}</p>"
    return _render(body)


def _render(body: str) -> str:
    html = _MD.render(body)
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def mentioned_usernames(body: str) -> set[str]:
    """Usernames written as @name in `body`, outside code."""
    without_code = re.sub(r"```.*?```|`[^`]*`", " ", body, flags=re.S)
    return {m.group(1).rstrip("._-") for m in MENTION_RE.finditer(without_code)}

"""What RSS and Atom share as formats: rules.items' feed check and the XML validator."""

from __future__ import annotations

from ..model import Article
from ..rules.items import ItemProblem, feed_item_problem
from ..validate import Problem, Profile, validate


class XmlFeedFormat:
    """Base of the XML feed formats; a subclass names itself and says how it renders and where."""

    name = ""
    media_type = ""
    xml = True

    def check_article(self, article: Article) -> ItemProblem | None:
        return feed_item_problem(article)

    def sniff(self, raw: bytes) -> bool:
        # The XML validator tells RSS from Atom by the root element.
        return False

    def check(self, raw: bytes, profile: Profile) -> list[Problem]:
        return validate(raw, self.name, profile=profile)

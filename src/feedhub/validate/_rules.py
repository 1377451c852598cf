"""Every rule id the validator can report: its profile, severity and the sentence behind it.

Two profiles (issue 12).  ``spec`` rules state what the specifications require: an error
only where the spec says MUST / REQUIRED (or the document cannot be read at all), a warning
for a SHOULD, a best practice or a known reader problem.  ``publish`` rules are feedhub's
own, stricter policy for the files it writes; they apply only under ``profile="publish"``.

A spec rule with ``publish_as`` is reported under that publish rule instead when the
profile is ``publish``: the same finding, judged by feedhub's policy (a missing guid is a
warning for anyone's feed and an error for ours).

The ids are stable: build status, logs and tests refer to them, and ``docs/validation.md``
lists every one (``python -m feedhub.validate._rules`` prints that table).  A check that
reports a rule missing here fails loudly (``KeyError`` in ``Report.add``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Profile = Literal["spec", "publish"]
Severity = Literal["error", "warning"]
PROFILES: tuple[Profile, ...] = ("spec", "publish")

XML = "https://www.w3.org/TR/xml/"
XMLNS = "https://www.w3.org/TR/xml-names/"
RSS = "https://www.rssboard.org/rss-specification"
PROFILE = "https://www.rssboard.org/rss-profile"
MRSS = "https://www.rssboard.org/media-rss"
ATOM = "https://www.rfc-editor.org/rfc/rfc4287"
SM = "https://www.sitemaps.org/protocol.html"
GNEWS = "https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap"
GIMAGE = "https://developers.google.com/search/docs/crawling-indexing/sitemaps/image-sitemaps"
ROBOTS = "https://www.rfc-editor.org/rfc/rfc9309"
FEEDHUB = "docs/validation.md#the-publish-profile"


@dataclass(frozen=True, slots=True)
class Rule:
    #: ``spec`` (every profile) or ``publish`` (feedhub's own outputs only).
    profile: Profile
    #: ``error`` blocks publishing and fails ``feedhub validate``; ``warning`` is reported only.
    severity: Severity
    #: What the rule checks, in a few words.
    what: str
    #: The sentence of the spec (or of feedhub's policy) the rule comes from, quoted.
    sentence: str
    #: Where that sentence is: section and link.
    cite: str
    #: Under the publish profile, report this (publish) rule instead.
    publish_as: str | None = None


def _s(sev: Severity, what: str, sentence: str, cite: str, publish_as: str | None = None) -> Rule:
    return Rule("spec", sev, what, sentence, cite, publish_as)


def _p(sev: Severity, what: str, sentence: str) -> Rule:
    return Rule("publish", sev, what, sentence, FEEDHUB)


E: Severity = "error"
W: Severity = "warning"

_ANY = {
    "xml.gzip": _s(E, "gzip data is corrupt or truncated", "A gzip file consists of a series of \"members\" (compressed data sets).", "RFC 1952 §2.2 https://www.rfc-editor.org/rfc/rfc1952#section-2.2"),
    "xml.encoding": _s(E, "bytes not legal in the declared (or detected) encoding", "It is a fatal error if an XML entity is determined (via default, encoding declaration, or higher-level protocol) to be in a certain encoding but contains byte sequences that are not legal in that encoding.", f"XML 1.0 §4.3.3 {XML}#charencoding"),
    "xml.utf8": _p(E, "the document is not UTF-8", "feedhub writes UTF-8 only."),
    "xml.doctype": _s(E, "a DOCTYPE is present: refused, never parsed (entity expansion and external entities are attacks)", "(No MUST: a DOCTYPE is legal XML. feedhub will not parse a DTD, so it cannot judge the document; this refusal is the one spec-profile error without a MUST, see the note in docs/validation.md.)", f"XML 1.0 §2.8 {XML}#sec-prolog-dtd"),
    "xml.well-formed": _s(E, "not well-formed XML", "Violations of well-formedness constraints are fatal errors.", f"XML 1.0 §1.2 {XML}#dt-fatal"),
    "xml.namespace": _s(E, "the root element has a known name in the wrong namespace", "The namespace name for the Atom format is: [the Atom namespace] (and the sitemap root's is the sitemaps.org one).", f"RFC 4287 §1.2 {ATOM}#section-1.2; {SM}#xmlTagDefinitions"),
    "xml.namespace-root": _s(W, "a namespace declared below the root element", "(paraphrase) A declaration's scope is the element it is on and its content, so any element may declare a namespace; some feed readers look only at the root (a known reader problem).", f"Namespaces in XML §6.1 {XMLNS}#scoping", "publish.namespace-root"),
    "publish.namespace-root": _p(E, "a namespace declared below the root element", "feedhub declares every namespace it uses on the root element."),
    "kind.unknown": _s(E, "not RSS 2.0, Atom 1.0, a sitemap, a sitemap index or robots.txt", "At the top level of a RSS document is a <rss> element (likewise <feed>, <urlset>, <sitemapindex>).", f"RSS 2.0 §Required channel elements {RSS}#requiredChannelElements"),
    "kind.mismatch": _s(E, "the document is not of the kind it was published or asked for as", "At the top level of a RSS document is a <rss> element (likewise <feed>, <urlset>, <sitemapindex>).", f"RSS 2.0 {RSS}#whatIsRss"),
    "sitemap.max-bytes": _s(E, "uncompressed size above the limit (50 MB)", "Your Sitemap file must have no more than 50,000 URLs and must be no larger than 50MB (52,428,800 bytes).", f"sitemaps.org §Sitemap file location {SM}#index"),
    "sitemap.encoding": _s(E, "a sitemap or sitemap index not in UTF-8", "The Sitemap must: ... Use UTF-8 encoding.", f"sitemaps.org §XML tag definitions {SM}#xmlTagDefinitions"),
}

_RSS = {
    "rss.version": _s(E, 'root is <rss version="2.0">', "At the top level, a RSS document is a <rss> element, with a mandatory attribute called version, that specifies the version of RSS that the document conforms to.", f"RSS 2.0 §What is RSS {RSS}#whatIsRss"),
    "rss.channel": _s(E, "exactly one channel", "Subordinate to the <rss> element is a single <channel> element.", f"RSS 2.0 §What is RSS {RSS}#whatIsRss"),
    "rss.channel.title": _s(E, "channel title present and non-empty", "Here's a list of the required channel elements: title, link, description.", f"RSS 2.0 §Required channel elements {RSS}#requiredChannelElements"),
    "rss.channel.link": _s(E, "channel link present, an absolute URL", "link: The URL to the HTML website corresponding to the channel.", f"RSS 2.0 §Required channel elements {RSS}#requiredChannelElements"),
    "rss.channel.description": _s(E, "channel description present and non-empty", "Here's a list of the required channel elements: title, link, description.", f"RSS 2.0 §Required channel elements {RSS}#requiredChannelElements"),
    "rss.channel.image": _s(E, "image has url, title and link; width at most 144, height at most 400", "<image> is an optional sub-element of <channel>, which contains three required sub-elements ... Maximum value for width is 144 ... Maximum value for height is 400.", f"RSS 2.0 §<image> sub-element {RSS}#ltimagegtSubelementOfLtchannelgt"),
    "rss.duplicate": _s(E, "an element that may appear once appears more often", "(paraphrase) The spec defines each channel and item element, but category (and item, enclosure), as one value; the RSS Profile lists them as appearing at most once.", f"RSS Best Practices Profile {PROFILE}#element-channel"),
    "rss.unknown-element": _s(E, "an element in no namespace that RSS 2.0 does not define", "A RSS feed may contain elements not described on this page, only if those elements are defined in a namespace.", f"RSS 2.0 §Extending RSS {RSS}#extendingRss"),
    "rss.language": _s(E, "language is a language tag with an ISO 639 primary code", "language: The language the channel is written in ... You can also use values defined by the W3C.", f"RSS 2.0 §Optional channel elements {RSS}#optionalChannelElements"),
    "rss.date": _s(E, "pubDate/lastBuildDate are RFC 822 dates", "All date-times in RSS conform to the Date and Time Specification of RFC 822, with the exception that the year may be expressed with two characters or four characters (four preferred).", f"RSS 2.0 §Optional channel elements {RSS}#optionalChannelElements"),
    "rss.date-year": _s(W, "a two-digit year", "... the year may be expressed with two characters or four characters (four preferred).", f"RSS 2.0 §Optional channel elements {RSS}#optionalChannelElements", "rss.date-year4"),
    "rss.date-year4": _p(E, "a two-digit year", "feedhub writes four-digit years."),
    "rss.ttl": _s(E, "ttl is a whole number of minutes", "ttl stands for time to live. It's a number of minutes that indicates how long a channel can be cached.", f"RSS 2.0 §<ttl> sub-element {RSS}#ltttlgtSubelementOfLtchannelgt"),
    "rss.category": _s(W, "an empty category", "<category> ... The value of the element is a forward-slash-separated string that identifies a hierarchic location.", f"RSS 2.0 §<category> sub-element of <item> {RSS}#ltcategorygtSubelementOfLtitemgt"),
    "rss.email": _s(E, "managingEditor, webMaster and author hold an e-mail address", "managingEditor: Email address for person responsible for editorial content.", f"RSS 2.0 §Optional channel elements {RSS}#optionalChannelElements"),
    "rss.docs": _s(E, "docs is a URL", "docs: A URL that points to the documentation for the format used in the RSS file.", f"RSS 2.0 §Optional channel elements {RSS}#optionalChannelElements"),
    "rss.cloud": _s(E, "cloud has domain, port, path, registerProcedure and protocol; port a positive integer", "(paraphrase) <cloud> names the procedure to register with a cloud by its five attributes: domain, port, path, registerProcedure, protocol; the RSS Profile requires all five.", f"RSS 2.0 §<cloud> sub-element {RSS}#ltcloudgtSubelementOfLtchannelgt; {PROFILE}#element-channel-cloud"),
    "rss.skip-hours": _s(E, "skipHours holds hour elements from 0 to 23", "This element contains up to 24 <hour> sub-elements whose value is a number between 0 and 23.", f"RSS 2.0 §skipHours {RSS}#optionalChannelElements; https://www.rssboard.org/skip-hours-days#skiphours"),
    "rss.skip-days": _s(E, "skipDays holds at most seven day elements naming a day", "This element contains up to seven <day> sub-elements whose value is Monday, Tuesday, Wednesday, Thursday, Friday, Saturday or Sunday.", f"RSS 2.0 §skipDays {RSS}#optionalChannelElements; https://www.rssboard.org/skip-hours-days#skipdays"),
    "rss.text-input": _s(E, "textInput has title, description, name and link; link a URL", "<textInput> ... contains four required sub-elements.", f"RSS 2.0 §<textInput> sub-element {RSS}#lttextinputgtSubelementOfLtchannelgt"),
    "rss.atom-self": _s(W, 'channel has no atom:link rel="self"', "A feed should identify its own URL with an atom:link element with rel=\"self\".", f"RSS Best Practices Profile §atom:link {PROFILE}#namespace-elements-atom-link"),
    "rss.atom-self-type": _p(E, 'the self link has no type', 'feedhub writes type="application/rss+xml" on the self link.'),
    "rss.atom-link": _s(E, "atom:link has an href that is an IRI reference", "atom:link elements MUST have an href attribute, whose value MUST be a IRI reference [RFC3987].", f"RFC 4287 §4.2.7.1 {ATOM}#section-4.2.7.1"),
    "rss.item.title-or-description": _s(E, "item has a non-empty title or description", "All elements of an item are optional, however at least one of title or description must be present.", f"RSS 2.0 §Elements of <item> {RSS}#hrelementsOfLtitemgt"),
    "rss.item.link": _s(E, "item link is an absolute URL", "link: The URL of the item.", f"RSS 2.0 §Elements of <item> {RSS}#hrelementsOfLtitemgt"),
    "rss.item.guid-missing": _s(W, "item without a guid", "A publisher should provide a guid with each item.", f"RSS Best Practices Profile §guid {PROFILE}#element-item-guid", "rss.item.guid"),
    "rss.item.guid": _p(E, "item without a guid", "feedhub gives every item a guid, so readers can tell new items from changed ones."),
    "rss.item.guid-unique": _s(E, "guids are unique within the feed", "guid stands for globally unique identifier. It's a string that uniquely identifies the item.", f"RSS 2.0 §<guid> sub-element {RSS}#ltguidgtSubelementOfLtitemgt"),
    "rss.item.guid-permalink": _s(E, 'isPermaLink is "true" or "false"; a permalink guid is a URL', "If the guid element has an attribute named isPermaLink with a value of true, the reader may assume that it is a permalink to the item ... isPermaLink is optional, its default value is true.", f"RSS 2.0 §<guid> sub-element {RSS}#ltguidgtSubelementOfLtitemgt"),
    "rss.item.enclosure": _s(E, "enclosure has an http url, an integer length and a MIME type", "It has three required attributes. ... The url must be an http url.", f"RSS 2.0 §<enclosure> sub-element {RSS}#ltenclosuregtSubelementOfLtitemgt"),
    "rss.item.enclosure-count": _s(W, "more than one enclosure in an item", "Support for the enclosure element in RSS software varies significantly because of disagreement over whether the specification permits more than one enclosure per item.", f"RSS Best Practices Profile §enclosure {PROFILE}#element-item-enclosure"),
    "media.content.url": _s(E, "media:content has a url (or a media:player) that is a URL", "url should specify the direct URL to the media object. If not included, a <media:player> element must be specified.", f"Media RSS §media:content {MRSS}#media-content"),
    "media.content.medium": _s(E, "medium is image, audio, video, document or executable", "medium is the type of object (image | audio | video | document | executable).", f"Media RSS §media:content {MRSS}#media-content"),
    "media.content.number": _s(E, "sizes, durations and rates are non-negative numbers", "fileSize is the number of bytes of the media object ... bitrate is the kilobits per second rate of media.", f"Media RSS §media:content {MRSS}#media-content"),
    "media.content.value": _s(E, "isDefault, expression and type hold allowed values", "isDefault determines if this is the default object ... expression determines if the object is a sample or the full version ... (sample | full | nonstop).", f"Media RSS §media:content {MRSS}#media-content"),
    "media.content.parent": _s(E, "media:content sits in an item or media:group", "<media:content> is a sub-element of either <item> or <media:group>.", f"Media RSS §media:content {MRSS}#media-content"),
    "media.description.type": _s(E, "media:description/media:title type is plain or html", "type specifies the type of text embedded. Possible values are either \"plain\" or \"html\".", f"Media RSS §media:title {MRSS}#media-title"),
    "media.thumbnail.url": _s(E, "media:thumbnail has a url", "url specifies the url of the thumbnail. It is a required attribute.", f"Media RSS §media:thumbnails {MRSS}#media-thumbnails"),
    "media.unknown-element": _s(W, "an element Media RSS does not define", "(paraphrase) Media RSS defines the elements of its namespace; readers ignore others.", f"Media RSS {MRSS}"),
}

_ATOM = {
    "atom.feed.id": _s(E, "feed has exactly one atom:id", "atom:feed elements MUST contain exactly one atom:id element.", f"RFC 4287 §4.1.1 {ATOM}#section-4.1.1"),
    "atom.feed.title": _s(E, "feed has exactly one atom:title", "atom:feed elements MUST contain exactly one atom:title element.", f"RFC 4287 §4.1.1 {ATOM}#section-4.1.1"),
    "atom.feed.updated": _s(E, "feed has exactly one atom:updated", "atom:feed elements MUST contain exactly one atom:updated element.", f"RFC 4287 §4.1.1 {ATOM}#section-4.1.1"),
    "atom.entry.id": _s(E, "entry has exactly one atom:id", "atom:entry elements MUST contain exactly one atom:id element.", f"RFC 4287 §4.1.2 {ATOM}#section-4.1.2"),
    "atom.entry.title": _s(E, "entry has exactly one atom:title", "atom:entry elements MUST contain exactly one atom:title element.", f"RFC 4287 §4.1.2 {ATOM}#section-4.1.2"),
    "atom.entry.updated": _s(E, "entry has exactly one atom:updated", "atom:entry elements MUST contain exactly one atom:updated element.", f"RFC 4287 §4.1.2 {ATOM}#section-4.1.2"),
    "atom.id": _s(E, "atom:id is an absolute IRI", "Its content MUST be an IRI, as defined by [RFC3987]. Note that the definition of \"IRI\" excludes relative references.", f"RFC 4287 §4.2.6 {ATOM}#section-4.2.6"),
    "atom.iri": _s(E, "xml:base, uri, icon, logo, link href, scheme, src hold IRI references", "The content of atom:uri / atom:icon / atom:logo MUST be an IRI reference [RFC3987]; the value of href / scheme / src MUST be an IRI reference.", f"RFC 4287 §3.2.2, §4.2.7.1, §4.2.8, §4.1.3.2 {ATOM}#section-3.2.2; RFC 3987 §2.2"),
    "atom.date": _s(E, "date constructs are RFC 3339 date-times, no surrounding space", "A Date construct is an element whose content MUST conform to the \"date-time\" production in [RFC3339]. In addition, an uppercase \"T\" character MUST be used.", f"RFC 4287 §3.3 {ATOM}#section-3.3"),
    "atom.author": _s(E, "every entry has an author, or the feed has one", "atom:feed elements MUST contain one or more atom:author elements, unless all of the atom:feed element's child atom:entry elements contain at least one atom:author element.", f"RFC 4287 §4.1.1 {ATOM}#section-4.1.1"),
    "atom.entry.id-repeat": _s(W, "two entries with the same id and the same updated", "If multiple atom:entry elements with the same atom:id value appear in an Atom Feed Document, they represent the same entry. Their atom:updated timestamps SHOULD be different.", f"RFC 4287 §4.1.1 {ATOM}#section-4.1.1"),
    "atom.entry.id-unique": _p(E, "entry ids are unique within the feed", "feedhub writes each article once per feed."),
    "atom.entry.alternate": _s(E, 'an entry without content has a rel="alternate" link', "atom:entry elements that contain no child atom:content element MUST contain at least one atom:link element with a rel attribute value of \"alternate\".", f"RFC 4287 §4.1.2 {ATOM}#section-4.1.2"),
    "atom.entry.summary": _s(E, "an entry with out-of-line or binary content has a summary", "atom:entry elements MUST contain an atom:summary element in either of the following cases: the atom:entry contains an atom:content that has a \"src\" attribute ..., or ... Base64-encoded.", f"RFC 4287 §4.1.2 {ATOM}#section-4.1.2"),
    "atom.link.href": _s(E, "atom:link has href", "atom:link elements MUST have an href attribute.", f"RFC 4287 §4.2.7.1 {ATOM}#section-4.2.7.1"),
    "atom.link.type": _s(E, "atom:link type is a MIME media type", "On the link element, the \"type\" attribute's value ... MUST conform to the syntax of a MIME media type [MIMEREG].", f"RFC 4287 §4.2.7.3 {ATOM}#section-4.2.7.3"),
    "atom.link.alternate-duplicate": _s(E, "at most one alternate link per type and hreflang", "atom:entry elements MUST NOT contain more than one atom:link element with a rel attribute value of \"alternate\" that has the same combination of type and hreflang attribute values.", f"RFC 4287 §4.1.1, §4.1.2 {ATOM}#section-4.1.2"),
    "atom.content": _s(E, "atom:content type, src and body agree", "... MUST NOT be a composite type; If the value of \"type\" begins with \"text/\", then atom:content MUST NOT contain child elements; ... the content of atom:content MUST be a valid Base64 encoding.", f"RFC 4287 §4.1.3.1, §4.1.3.3 {ATOM}#section-4.1.3"),
    "atom.text": _s(E, "text constructs are text, html or one xhtml:div; icon, logo, generator and person parts hold text only", "If the value of \"type\" is \"text\", the content of the Text construct MUST NOT contain child elements ... the content of the Text construct MUST be a single XHTML div element.", f"RFC 4287 §3.1.1 {ATOM}#section-3.1.1"),
    "atom.xhtml-foreign": _s(W, "markup that is not XHTML inside an xhtml:div", "The XHTML div element itself MUST NOT be considered part of the content ... the content SHOULD be XHTML.", f"RFC 4287 §3.1.1.3 {ATOM}#section-3.1.1.3"),
    "atom.category.term": _s(E, "atom:category has a term", "atom:category elements MUST have a \"term\" attribute.", f"RFC 4287 §4.2.2.1 {ATOM}#section-4.2.2.1"),
    "atom.person": _s(E, "author/contributor has one name, at most one uri and one email", "Person constructs MUST contain exactly one \"atom:name\" element ... MAY contain an \"atom:uri\" element, but MUST NOT contain more than one.", f"RFC 4287 §3.2 {ATOM}#section-3.2"),
    "atom.email": _s(E, "atom:email is an RFC 2822 addr-spec", "Its content MUST conform to the \"addr-spec\" production in [RFC2822].", f"RFC 4287 §3.2.3 {ATOM}#section-3.2.3"),
    "atom.cardinality": _s(E, "an element that may appear once appears more often", "atom:feed elements MUST NOT contain more than one atom:generator element (likewise icon, logo, rights, subtitle, content, published, source, summary).", f"RFC 4287 §4.1.1, §4.1.2 {ATOM}#section-4.1.1"),
    "atom.unknown-element": _s(E, "an atom: element RFC 4287 does not define here", "(paraphrase) Section 6.2: extensions are foreign markup, i.e. outside the Atom namespace; Atom elements go where Sections 4.1-4.2 put them.", f"RFC 4287 §6.2, Appendix B {ATOM}#section-6.2"),
    "atom.attribute": _s(E, "an unqualified attribute RFC 4287 does not define", "(paraphrase) Section 6.3: unqualified attributes are not extension points; the elements' attributes are those of Sections 3-4.", f"RFC 4287 §6.3, Appendix B {ATOM}#appendix-B"),
    "atom.order": _s(E, "feed metadata after the first entry", "(paraphrase) The grammar puts feed metadata before the entries: atomFeed = element atom:feed { ... extensionElement*, atomEntry* }.", f"RFC 4287 Appendix B {ATOM}#appendix-B"),
    "atom.stray-text": _s(E, "text where RFC 4287 allows only elements", "(paraphrase) The feed, entry, source and Person constructs hold elements, not text.", f"RFC 4287 Appendix B {ATOM}#appendix-B"),
    "atom.self": _s(W, 'feed has no rel="self" link', "atom:feed elements SHOULD contain one atom:link element with a rel attribute value of \"self\".", f"RFC 4287 §4.1.1 {ATOM}#section-4.1.1"),
    "atom.lang": _s(E, "xml:lang and hreflang are language tags (xml:lang may be empty)", "The values of the attribute are language identifiers as defined by [IETF BCP 47] ... In addition, the empty string may be specified.", f"XML 1.0 §2.12 {XML}#sec-lang-tag; RFC 4287 §4.2.7.4"),
}

_SITEMAPS = {
    "sitemap.empty": _s(W, "a urlset without url entries", "The urlset holds a <url> entry for each URL (sitemap.xsd: maxOccurs unbounded, minOccurs 0).", f"sitemaps.org §XML tag definitions {SM}#xmlTagDefinitions"),
    "sitemap.structure": _s(E, "elements, order, attributes and text as sitemap.xsd defines them", "The Sitemap must: Begin with an opening <urlset> tag and end with a closing </urlset> tag ... Include a <url> entry for each URL, as a parent XML tag.", f"sitemaps.org §XML tag definitions {SM}#xmlTagDefinitions"),
    "sitemap.url.loc": _s(E, "every url has exactly one loc", "<loc> required: URL of the page.", f"sitemaps.org §XML tag definitions {SM}#xmlTagDefinitions"),
    "sitemap.loc-absolute": _s(E, "loc is an absolute http(s) URL", "This URL must begin with the protocol (such as http).", f"sitemaps.org §XML tag definitions {SM}#xmlTagDefinitions"),
    "sitemap.loc-whitespace": _s(E, "loc contains no whitespace", "Your Sitemap must ... use entity escape codes for the characters listed; URLs hold no white space (RFC 3986).", f"sitemaps.org §Entity escaping {SM}#escaping"),
    "sitemap.loc-escaped": _s(E, "loc is a valid URI", "Please check to make sure that your URLs follow the RFC-3986 standard for URIs.", f"sitemaps.org §Entity escaping {SM}#escaping"),
    "sitemap.loc-length": _s(E, "loc is less than 2,048 characters", "This value must be less than 2,048 characters.", f"sitemaps.org §XML tag definitions {SM}#xmlTagDefinitions"),
    "sitemap.loc-host": _p(E, "loc is on the site's scheme and host", "feedhub lists only its own site's pages."),
    "sitemap.loc-unique": _s(W, "the same loc listed twice", "(paraphrase) A loc is a page's entry; the same page listed twice is noise to crawlers.", f"sitemaps.org {SM}#xmlTagDefinitions"),
    "sitemap.lastmod": _s(E, "lastmod is a W3C date-time", "This date should be in W3C Datetime format.", f"sitemaps.org §XML tag definitions {SM}#xmlTagDefinitions; sitemap.xsd tLastmod"),
    "sitemap.changefreq": _s(E, "changefreq is one of the seven allowed values", "Valid values are: always hourly daily weekly monthly yearly never.", f"sitemaps.org §XML tag definitions {SM}#xmlTagDefinitions"),
    "sitemap.priority": _s(E, "priority is a decimal from 0.0 to 1.0", "Valid values range from 0.0 to 1.0.", f"sitemaps.org §XML tag definitions {SM}#xmlTagDefinitions"),
    "sitemap.max-urls": _s(E, "more url entries than allowed (50,000)", "Your Sitemap file must have no more than 50,000 URLs.", f"sitemaps.org §Sitemap index {SM}#index"),
    "sitemap.foreign": _s(W, "an extension other than Google News and Image", "(paraphrase) Extensions are allowed in their own namespace; search engines may ignore ones they do not know.", f"sitemaps.org §Extending the Sitemaps protocol {SM}#extending"),
    "news.news": _s(E, "every url of a news sitemap has one news:news", "<news:news> Required: The parent tag for a single news article.", f"Google News sitemap §Tag definitions {GNEWS}#tags"),
    "news.structure": _s(E, "news elements, order and text as the news schema defines them", "The news tags as defined (sitemap-news.xsd).", f"Google News sitemap §Tag definitions {GNEWS}#tags"),
    "news.publication": _s(E, "news:news has a news:publication", "<news:publication> Required: The publication where the article appears.", f"Google News sitemap §Tag definitions {GNEWS}#tags"),
    "news.name": _s(E, "news:name is present and non-empty", "<news:name> Required: The name of the news publication.", f"Google News sitemap §Tag definitions {GNEWS}#tags"),
    "news.language": _s(E, "news:language is an ISO 639 code, or zh-cn / zh-tw", "<news:language> Required: The language of your publication. Use an ISO 639 language code (two or three letters). Exception: For Simplified Chinese, use zh-cn and for Traditional Chinese, use zh-tw.", f"Google News sitemap §Tag definitions {GNEWS}#tags"),
    "news.publication-date": _s(E, "news:publication_date is a W3C date (YYYY-MM-DD) or date-time", "<news:publication_date> Required: The article publication date in W3C format. Use either the \"complete date\" format (YYYY-MM-DD) or the \"complete date plus hours, minutes, and seconds\" format with time zone designator.", f"Google News sitemap §Tag definitions {GNEWS}#tags"),
    "news.title": _s(E, "news:title is present and non-empty", "<news:title> Required: The title of the news article.", f"Google News sitemap §Tag definitions {GNEWS}#tags"),
    "news.window-stale": _s(W, "publication date outside the last two days, or in the future", "Only include URLs for articles that were published in the last 2 days.", f"Google News sitemap §Guidelines {GNEWS}#guidelines", "news.window"),
    "news.window": _p(E, "publication date within the news window as of the build", "feedhub's news sitemap lists only stories inside the configured window."),
    "news.max-urls": _s(E, "more than 1,000 urls in a news sitemap", "Include a maximum of 1,000 news:news tags in a single news sitemap.", f"Google News sitemap §Guidelines {GNEWS}#guidelines"),
    "news.deprecated": _s(W, "genres, keywords, stock_tickers and access are no longer used", "Google no longer uses these tags.", f"Google News sitemap {GNEWS}"),
    "image.loc": _s(E, "image:image has one image:loc, an absolute URI", "<image:loc> Required: The URL of the image.", f"Google image sitemap §Tag definitions {GIMAGE}#image-sitemap-tags"),
    "image.max": _s(E, "more than 1,000 image:image in one url", "You can include up to 1,000 <image:image> tags for each <url> tag.", f"Google image sitemap §Tag definitions {GIMAGE}#image-sitemap-tags"),
    "image.structure": _s(E, "image elements and order as the image schema defines them", "The image tags as defined (sitemap-image.xsd).", f"Google image sitemap §Tag definitions {GIMAGE}#image-sitemap-tags"),
    "image.deprecated": _s(W, "caption, geo_location, title and license are no longer used", "Google deprecated these tags.", f"Google image sitemap {GIMAGE}"),
    "index.empty": _s(W, "a sitemapindex without sitemap entries", "The index holds a <sitemap> entry for each Sitemap.", f"sitemaps.org §Sitemap index XML tag definitions {SM}#index"),
    "index.structure": _s(E, "elements, order, attributes and text as siteindex.xsd defines them", "The Sitemap index file must: Begin with an opening <sitemapindex> tag and end with a closing </sitemapindex> tag. Include a <sitemap> entry for each Sitemap as a parent XML tag.", f"sitemaps.org §Sitemap index {SM}#index"),
    "index.loc": _s(E, "every sitemap entry has exactly one loc", "<loc> required: Identifies the location of the Sitemap.", f"sitemaps.org §Sitemap index {SM}#index"),
    "index.loc-host": _p(W, "a listed sitemap is not on the site's host", "feedhub lists its own shards; another host needs robots.txt cross-submission."),
    "index.max-entries": _s(E, "more than 50,000 sitemap entries", "Sitemap index files may not list more than 50,000 Sitemaps.", f"sitemaps.org §Sitemap index {SM}#index"),
}

_ROBOTS = {
    "robots.encoding": _s(E, "robots.txt is not UTF-8", "The file MUST be UTF-8 encoded.", f"RFC 9309 §2.3 {ROBOTS}#section-2.3"),
    "robots.max-bytes": _s(W, "robots.txt larger than the 500 KiB crawlers must read", "Crawlers SHOULD impose a parsing limit ... The parsing limit MUST be at least 500 kibibytes.", f"RFC 9309 §2.5 {ROBOTS}#section-2.5"),
    "robots.syntax": _s(W, "a line that is not `field: value`", "Crawlers MUST try to parse each line of the robots.txt file; lines that are not rules are ignored.", f"RFC 9309 §2.2 {ROBOTS}#section-2.2"),
    "robots.sitemap-url": _s(E, "a Sitemap: line holds one absolute URL", "Sitemap: <sitemap_location> ... the full URL to the Sitemap.", f"sitemaps.org §Submitting via robots.txt {SM}#submit_robots"),
    "robots.no-sitemap": _s(W, "no Sitemap: line at all", "You can specify the location of the Sitemap using a robots.txt file.", f"sitemaps.org §Submitting via robots.txt {SM}#submit_robots"),
}

RULES: dict[str, Rule] = {**_ANY, **_RSS, **_ATOM, **_SITEMAPS, **_ROBOTS}


def resolve(rule: str, profile: Profile) -> tuple[str, Rule] | None:
    """The id and Rule that report *rule* under *profile*; None when the profile ignores it."""
    r = RULES[rule]
    if profile == "publish" and r.publish_as is not None:
        return r.publish_as, RULES[r.publish_as]
    if r.profile == "publish" and profile == "spec":
        return None
    return rule, r


def markdown_table() -> str:
    """The rule table of docs/validation.md."""
    lines = ["| id | profile | severity | what | the sentence it comes from | where |", "|---|---|---|---|---|---|"]
    for rid, r in RULES.items():
        extra = f" (publish: `{r.publish_as}`)" if r.publish_as else ""
        cells = (f"`{rid}`", r.profile, r.severity + extra, r.what, f"“{r.sentence}”", r.cite)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(markdown_table())

"""The importers' limits that their command lines show, in a module that imports nothing."""

#: Pages larger than this are refused (``--max-bytes``): no article page is that big, a dump is.
MAX_PAGE_BYTES = 5 * 1024 * 1024
#: Posts per WordPress REST API request (``--per-page``): the API's own maximum.
PER_PAGE = 100

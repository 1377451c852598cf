"""Deterministic synthetic newsroom corpus in feedhub's import format (see feedhub/contract.py).

Article ``i`` depends only on ``i`` and the seed (one RNG stream, generated in order), so the
first 100,000 articles of the 1,000,000 corpus are the 100,000 corpus.  Article 0 is the
newest: about 400 stories a day, so roughly 800 fall inside the 48-hour news window of
:data:`NOW`, and a handful are scheduled up to an hour after it.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

#: Bump when the generated data changes; cached stores are keyed by it (and by this file's hash).
CORPUS_VERSION = 1
SEED = 20240620
SITE = "https://genpi.example"
JAKARTA = timezone(timedelta(hours=7))
#: The fixed "now" every workload builds at.
NOW = datetime(2024, 6, 20, 12, 0, tzinfo=JAKARTA)
#: Mean spacing between stories: 216 s is 400 a day.
SPACING_S = 216

SECTIONS = ("nasional", "internasional", "ekonomi", "olahraga", "teknologi", "gaya-hidup", "otomotif")
TAGS = ("pemilu", "timnas", "ekonomi-digital", "iklim", "bencana", "startup", "kesehatan", "pendidikan",
        "energi", "transportasi", "pariwisata", "kuliner", "sepak-bola", "bulu-tangkis", "ai")
#: (language, weight, UTC offset in hours)
LANGUAGES = (("id", 55, 7), ("en", 20, 0), ("en-US", 5, -5), ("zh-TW", 15, 8), ("ar", 5, 3))
AUTHORS = (
    {"name": "Redaksi GenPI.co"},
    {"name": "Dwi Pratama", "email": "dwi@genpi.example"},
    {"name": "Siti Rahmawati", "url": "https://genpi.example/penulis/siti"},
    {"name": "Chen Wei-Ling"},
    {"name": "Layla Haddad", "email": "layla@genpi.example"},
    {"name": "John O'Neil"},
)
CREDITS = ("AP Photo/Susan Walsh", "GenPI.co/Ricardo", "Reuters/Willy Kurniawan", "AFP", "Dok. Humas")
WORDS = {
    "id": ("jepang selandia baru menyetujui perjanjian berbagi intelijen presiden menteri harga beras naik "
           "timnas indonesia menang piala banjir jakarta gempa bumi pemilu rupiah saham bank sentral listrik "
           "kendaraan baterai festival budaya bali wisata pantai kereta cepat bandung petani cuaca sekolah").split(),
    "en": ("japan new zealand agree intelligence sharing pact president minister rice prices rise national team "
           "wins cup floods hit capital earthquake election rupiah stocks central bank electric vehicles battery "
           "festival culture tourism beach high speed rail farmers weather schools").split(),
    "zh": "日本 紐西蘭 同意 情報 共享 協定 總統 部長 米價 上漲 國家隊 奪冠 洪水 地震 選舉 股市 央行 電動車 電池 節慶 文化 觀光 高鐵 農民 天氣".split(),
    "ar": "اليابان نيوزيلندا توافقان على اتفاق لتبادل المعلومات الرئيس الوزير أسعار الأرز ترتفع المنتخب يفوز بالكأس فيضانات زلزال انتخابات".split(),
}
#: Titles that make naive XML writers fail: markup characters, CDATA end, emoji, RTL, quotes.
HOSTILE = ('Tom & Jerry <b>live</b>', 'x ]]> y', "“Kopi Kita” & 'Teh' \"Manis\"", "🔥🚀 viral 😂",
           "مرحبا بالعالم ‏(RTL)", "a < b > c", "R&D <script>alert(1)</script>", "\u202eevil\u202c text")


def _pick_lang(rng: random.Random) -> tuple[str, int]:
    x = rng.randrange(100)
    for lang, weight, offset in LANGUAGES:
        if x < weight:
            return lang, offset
        x -= weight
    return LANGUAGES[0][0], LANGUAGES[0][2]


def _words(rng: random.Random, lang: str, k: int) -> str:
    key = lang.split("-")[0]
    pool = WORDS.get(key, WORDS["en"])
    sep = "" if key == "zh" else " "
    return sep.join(rng.choices(pool, k=k))


def _make_sentences(lang: str, n: int = 2048) -> tuple[str, ...]:
    rng = random.Random(f"{SEED}-{lang}")
    out = []
    for _ in range(n):
        s = _words(rng, lang, rng.randint(8, 18))
        out.append(s[0].upper() + s[1:] + ("。" if lang.startswith("zh") else "."))
    return tuple(out)


#: Sentence pools per language (drawing whole sentences keeps generation cheap: 1M articles in minutes).
_SENTENCES = {lang: _make_sentences(lang) for lang in WORDS}


def _sentence(rng: random.Random, lang: str) -> str:
    pool = _SENTENCES.get(lang.split("-")[0], _SENTENCES["en"])
    return pool[rng.randrange(len(pool))]


def _body(rng: random.Random, lang: str, hostile: str | None) -> str:
    paras = []
    for p in range(rng.randint(3, 7)):
        text = " ".join(_sentence(rng, lang) for _ in range(rng.randint(2, 4)))
        if p == 1 and rng.random() < 0.3:
            text += ' Baca juga: <a href="https://genpi.example/nasional/berita-lain">berita <em>lain</em></a>.'
        if p == 0 and rng.random() < 0.2:
            text = "<strong>JAKARTA</strong> &#8212; " + text
        if p == 0 and hostile:
            text += " " + hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        paras.append(f"<p>{text}</p>")
    return "".join(paras)


def article(i: int, rng: random.Random) -> dict:
    """The import-contract record of article *i*; *rng* must have produced articles 0..i-1 before."""
    lang, offset = _pick_lang(rng)
    tz = timezone(timedelta(hours=offset))
    section = SECTIONS[rng.randrange(len(SECTIONS))]
    hostile = HOSTILE[rng.randrange(len(HOSTILE))] if rng.random() < 0.04 else None
    title = _words(rng, lang, rng.randint(6, 11))
    title = title[0].upper() + title[1:]
    if hostile:
        title = f"{title} {hostile}"
    published = NOW - timedelta(seconds=i * SPACING_S + rng.randrange(200) - 3600)
    slug_src = _words(rng, "id", rng.randint(4, 8)).replace(" ", "-")
    if rng.random() < 0.01:
        slug_src += "-日本-情報"  # a non-ASCII path: sitemaps must percent-encode it
    rec: dict = {
        "id": f"genpi-{i:07d}",
        "url": f"{SITE}/{section}/{slug_src}-{i}",
        "title": title,
        "published": published.astimezone(tz).isoformat(),
        "section": section,
        "language": lang,
        "authors": [AUTHORS[j] for j in sorted(set(rng.choices(range(len(AUTHORS)), k=rng.randint(1, 2))))],
    }
    if rng.random() < 0.3:
        updated = published + timedelta(minutes=rng.randint(5, 4000))
        if published <= NOW < updated:
            updated = max(published, NOW - timedelta(minutes=rng.randint(0, 30)))
        rec["updated"] = updated.astimezone(tz).isoformat()
    if rng.random() < 0.9:
        rec["summary"] = _sentence(rng, lang) + (" " + hostile if hostile else "")
    rec["content_html"] = _body(rng, lang, hostile)
    tags = sorted(set(rng.choices(TAGS, k=rng.randint(0, 4))))
    if tags:
        rec["tags"] = tags
    n_img = rng.choices((0, 1, 2, 3), weights=(20, 50, 20, 10))[0]
    images = []
    for k in range(n_img):
        img: dict = {"url": f"{SITE}/img/{published:%Y/%m}/{i}-{k}.jpg"}
        if rng.random() < 0.6:
            img["caption"] = _sentence(rng, lang) + (" " + hostile if hostile and k == 0 else "")
        if rng.random() < 0.7:
            img["credit"] = CREDITS[rng.randrange(len(CREDITS))]
        if rng.random() < 0.9:
            img["type"] = "image/jpeg"
            img["width"], img["height"] = 1200, 675
        if rng.random() < 0.5:
            img["length"] = rng.randint(40_000, 400_000)
        images.append(img)
    if images:
        rec["images"] = images
    related = []
    for _ in range(rng.choices((0, 1, 2, 3, 4), weights=(30, 25, 20, 15, 10))[0]):
        j = i + rng.randint(1, 500)
        related.append({"url": f"{SITE}/{SECTIONS[j % len(SECTIONS)]}/berita-terkait-{j}", "title": _words(rng, lang, 6)})
    if related:
        rec["related"] = related
    x = rng.random()
    if x < 0.01:
        rec["status"] = "draft"
    elif x < 0.015:
        rec["status"] = "deleted"
    return rec


def records(n: int, seed: int = SEED) -> Iterator[dict]:
    """Articles 0..n-1 (newest first), deterministic."""
    rng = random.Random(seed)
    for i in range(n):
        yield article(i, rng)


def version_key() -> str:
    """Corpus version plus a hash of this file, so an edited generator never reuses a stale cache."""
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]
    return f"c{CORPUS_VERSION}-{digest}"


def write_ndjson(path: Path, n: int) -> Path:
    """Write *n* articles as NDJSON (atomically: a killed run leaves no half file under the name)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for rec in records(n):
            f.write(json.dumps(rec, ensure_ascii=False))
            f.write("\n")
    tmp.replace(path)
    return path


if __name__ == "__main__":  # a peek: python bench/corpus.py 3
    import sys

    for r in records(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
        print(json.dumps(r, ensure_ascii=False))

"""Print sample GenPI.co articles dated over the last two days, as NDJSON.

The README's first command pipes this into `feedhub ingest -` so a newcomer's
news sitemap (which only lists the last 48 hours) has stories in it.  Same
ids every run, so running it again updates rather than duplicates.
"""

import json
import sys
from datetime import datetime, timedelta, timezone

JAKARTA = timezone(timedelta(hours=7))
SECTIONS = ["nasional", "internasional", "teknologi", "olahraga", "ekonomi"]
HEADLINES = [
    ("Harga Beras Turun di Pasar Induk Cipinang", "ekonomi"),
    ("Timnas Indonesia Menang 2–1 atas Vietnam", "olahraga"),
    ("Satelit Baru BRIN Meluncur dari India", "teknologi"),
    ("Presiden Resmikan Tol Trans-Sumatra Ruas Baru", "nasional"),
    ("PBB Serukan Gencatan Senjata di Gaza", "internasional"),
    ("Startup “Kopi Kita” Raih Pendanaan Seri A", "ekonomi"),
    ("Atlet Bulu Tangkis Juara di Jepang", "olahraga"),
    ("Gempa M5,2 Guncang Sulawesi Tengah, Tak Berpotensi Tsunami", "nasional"),
    ("Jepang dan Korea Selatan Perkuat Kerja Sama Chip", "internasional"),
    ("Aplikasi AI Lokal Bantu Petani Baca Cuaca", "teknologi"),
    ("Rupiah Menguat ke Rp15.900 per Dolar AS", "ekonomi"),
    ("Persib & Persija Imbang 1–1 di GBK", "olahraga"),
]


def main() -> None:
    now = datetime.now(JAKARTA).replace(microsecond=0)
    for i, (title, section) in enumerate(HEADLINES):
        published = now - timedelta(hours=1 + i * 3, minutes=7 * i)
        slug = "-".join(w.lower() for w in title.replace("“", "").replace("”", "").replace("&", "dan").split())
        slug = "".join(c for c in slug if c.isalnum() or c == "-")
        record = {
            "id": f"genpi-sample-{i + 1:02d}",
            "url": f"https://genpi.example/{section}/{slug}",
            "title": title,
            "summary": f"{title}. Ringkasan berita contoh dari redaksi GenPI.co.",
            "content_html": f"<p>{title.replace('&', '&amp;')}.</p><p>Berita contoh untuk mencoba feedhub.</p>",
            "authors": [{"name": "Redaksi GenPI.co"}],
            "published": published.isoformat(),
            "section": section,
            "tags": [section, "contoh"],
            "images": [
                {
                    "url": f"https://genpi.example/img/sample/{i + 1:02d}.jpg",
                    "caption": f"Ilustrasi: {title}",
                    "credit": "GenPI.co/Dok.",
                    "type": "image/jpeg",
                    "width": 1200,
                    "height": 675,
                }
            ],
            "related": [
                {"url": "https://genpi.example/internasional/jepang-dan-selandia-baru-menyetujui-perjanjian-berbagi-intelijen", "title": "Jepang dan Selandia Baru Menyetujui Perjanjian Berrbagi Intelijen"}
            ],
        }
        if i % 4 == 3:
            record["updated"] = (published + timedelta(minutes=30)).isoformat()
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

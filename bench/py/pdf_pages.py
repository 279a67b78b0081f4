"""Per printed page of a PDF made from report.xlsx: the median font size of its cell text in
points as printed (pdfminer's LTChar.size is the size after the page's scaling), and whether
any text shows "###" (a number too wide for its column). One tab-separated line per page:
page number, median size, `###` or `ok`. The page header and footer (printed unscaled) are
left out.

    python pdf_pages.py report.pdf
"""
import statistics
import sys

from pdfminer.high_level import extract_pages
from pdfminer.layout import LTChar, LTTextLine


def text_lines(element):
    if isinstance(element, LTTextLine):
        yield element
    elif hasattr(element, "__iter__"):
        for child in element:
            yield from text_lines(child)


def main(path):
    for number, page in enumerate(extract_pages(path), start=1):
        sizes, hashes = [], False
        for line in text_lines(page):
            if line.y0 < 45 or line.y1 > page.height - 45:
                continue
            if "###" in line.get_text():
                hashes = True
            sizes += [c.size for c in line if isinstance(c, LTChar) and not c.get_text().isspace()]
        median = statistics.median(sizes) if sizes else 0.0
        print(f"{number}\t{median:.1f}\t{'###' if hashes else 'ok'}")


if __name__ == "__main__":
    main(sys.argv[1])

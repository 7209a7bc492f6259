"""The evidence pack as a Word file (.docx), for board secretaries who assemble papers in Word.

The pack's content is written once, in its HTML template; this module reads that HTML and
writes the same headings, paragraphs and tables with python-docx: the sections as Word
headings (so Word's navigation pane lists them), the tables as Word tables whose header row
repeats on each page, the charts as pictures with their alt text, and the programme and the
fingerprint in the page header and footer. python-docx is imported only when a .docx is made.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import TYPE_CHECKING

from .charts import Chart, draw

if TYPE_CHECKING:  # python-docx and lxml are imported only when a .docx is made
    from docx.document import Document
    from docx.section import Section
    from docx.shared import Length
    from docx.table import _Cell
    from docx.text.paragraph import Paragraph
    from lxml.html import HtmlElement

MUTED = (0x5A, 0x65, 0x70)
NHS_BLUE = (0x00, 0x5E, 0xB8)
HEADING_LEVEL = {"h1": 0, "h2": 1, "h3": 2}  # h1 is the programme: Word's Title style
PICTURE_WIDTH_CM = 16.0
TEXT_WIDTH_CM = 17.4  # A4 less 1.8 cm margins
TEXT_WIDTH_CHARS = 110  # 8.5 pt Arial across that width, roughly
SKIPPED = {"nav", "style", "script", "colgroup", "svg", "head"}


def html_to_docx(
    html: str,
    charts: dict[str, Chart],
    *,
    title: str,
    author: str,
    subject: str,
    keywords: str,
    created: datetime,
    header: str,
    footer: str,
) -> bytes:
    """The pack's HTML as a .docx. `charts` by name: each <figure data-chart="name"> becomes the
    chart drawn as PNG, with the chart's alt text as the picture's description."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt
    from lxml import html as lxml_html

    document = docx.Document()
    _british_english(document)
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.8))
    section.top_margin = section.bottom_margin = Cm(2.0)
    _header_and_footer(section, header, footer)

    props = document.core_properties
    props.title, props.author, props.subject, props.keywords = title, author, subject, keywords
    props.created = props.modified = created.replace(tzinfo=None)
    props.language = "en-GB"
    props.comments = footer

    body = lxml_html.document_fromstring(html).find("body")
    _Writer(document, charts).blocks(body)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _british_english(document: Document) -> None:
    """Every run's language en-GB (spelling checks and screen readers), set once in the
    document's default run properties."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    defaults = document.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    for attr in ("w:val", "w:eastAsia", "w:bidi"):
        lang.set(qn(attr), "en-GB")


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays the pages out."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1")):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText" if text == instruction else "w:t")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)


def _header_and_footer(section: Section, header: str, footer: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt, RGBColor

    head = section.header.paragraphs[0]
    run = head.add_run(f"{header}\tEvidence pack")
    run.font.size, run.font.color.rgb = Pt(8.5), RGBColor(*MUTED)
    foot = section.footer.paragraphs[0]
    run = foot.add_run(footer)
    run.font.size, run.font.name, run.font.color.rgb = Pt(6.5), "DejaVu Sans Mono", RGBColor(*MUTED)
    pages = section.footer.add_paragraph()
    pages.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    pages.add_run("Page ").font.size = Pt(8.5)
    _field(pages, "PAGE")
    pages.add_run(" of ").font.size = Pt(8.5)
    _field(pages, "NUMPAGES")


def _column_widths(rows: list[tuple[HtmlElement, bool]], columns: int) -> list[Length]:
    """Column widths from their content, as the PDF sizes them: a column is at least as wide as
    its longest word (a date, which never wraps, counts as one word), and shares what is left in
    proportion to how much text it holds."""
    from docx.shared import Cm

    longest = [4] * columns
    text = [0] * columns
    for tr, _ in rows:
        i = 0
        for td in tr:
            if td.tag not in ("td", "th"):
                continue
            span = int(td.get("colspan", 1))
            if span == 1:
                words = " ".join(td.text_content().split())
                dates = re.findall(r"\b[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}\b", words)
                parts = (
                    dates
                    + re.sub(r"\b[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}\b", "", words).split()
                )
                longest[i] = max([longest[i]] + [min(len(w), 30) for w in parts])
                text[i] += len(words)
            i += span
    least = [n + 1.5 for n in longest]  # characters
    share = [max(t / max(len(rows), 1), 1) for t in text]
    room = max(TEXT_WIDTH_CHARS - sum(least), 0)
    chars = [m + room * w / sum(share) for m, w in zip(least, share)]
    scale = TEXT_WIDTH_CM / sum(chars)
    return [Cm(c * scale) for c in chars]


def _classes(el: HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


class _Writer:
    """Walks the pack's HTML, block by block, into the Word document."""

    def __init__(self, document: Document, charts: dict[str, Chart]):
        self.document = document
        self.charts = charts

    # -- blocks -------------------------------------------------------------------------------

    def blocks(self, parent: HtmlElement) -> None:
        for el in parent:
            if not isinstance(el.tag, str) or el.tag in SKIPPED:
                continue
            tag = el.tag
            if tag in HEADING_LEVEL:
                self.heading(el, HEADING_LEVEL[tag])
            elif tag == "p":
                self.paragraph(el, self.document.add_paragraph())
            elif tag == "table":
                self.table(el)
            elif tag == "figure" and el.get("data-chart"):
                self.picture(el)
            elif tag in ("ul", "ol"):
                for li in el.iter("li"):
                    self.paragraph(li, self.document.add_paragraph(style="List Bullet"))
            elif "figure" in _classes(el) and tag == "div":
                for figure in el.findall("b"):  # a headline figure, then what it counts
                    figure.tail = " " + (figure.tail or "")
                self.paragraph(el, self.document.add_paragraph(style="List Bullet"))
            else:  # header, section, footer, the figures' row: their children in order
                self.blocks(el)

    def heading(self, el: HtmlElement, level: int) -> None:
        from docx.shared import RGBColor

        paragraph = self.document.add_heading(_text(el), level=level)
        for run in paragraph.runs:
            run.font.color.rgb = RGBColor(*NHS_BLUE)

    def picture(self, figure: HtmlElement) -> None:
        """The chart as a PNG picture whose description (alt text) is the chart's, and its
        caption under it."""
        from docx.shared import Cm

        chart = self.charts[figure.get("data-chart")]
        self.document.add_picture(io.BytesIO(draw(chart, "png")), width=Cm(PICTURE_WIDTH_CM))
        inline = self.document.inline_shapes[-1]
        doc_pr = inline._inline.docPr
        doc_pr.set("descr", chart.alt)
        doc_pr.set("title", chart.title)
        caption = figure.find("figcaption")
        if caption is not None:
            self.paragraph(caption, self.document.add_paragraph(style="Caption"))

    def table(self, el: HtmlElement) -> None:
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Pt

        rows = [(tr, tr.getparent().tag == "thead") for tr in el.iter("tr")]
        columns = (
            max(
                (sum(int(c.get("colspan", 1)) for c in tr if c.tag in ("td", "th")))
                for tr, _ in rows
            )
            if rows
            else 0
        )
        if not columns:
            return
        table = self.document.add_table(rows=0, cols=columns)
        table.style = "Table Grid"
        for tr, is_head in rows:
            row = table.add_row()
            tr_pr = row._tr.get_or_add_trPr()
            no_split = OxmlElement("w:cantSplit")
            tr_pr.append(no_split)
            if is_head:  # repeated at the top of each page the table runs onto
                tr_pr.append(OxmlElement("w:tblHeader"))
            cells = row.cells
            i = 0
            for td in tr:
                if td.tag not in ("td", "th"):
                    continue
                span = int(td.get("colspan", 1))
                cell = cells[i]
                if span > 1:
                    cell = cell.merge(cells[i + span - 1])
                self.cell(td, cell, bold=td.tag == "th", italic="context" in _classes(tr))
                i += span
        widths = _column_widths(rows, columns)
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = width
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.space_after = Pt(0)
                    for run in paragraph.runs:
                        if run.font.size is None:
                            run.font.size = Pt(8.5)
        header_rows = sum(1 for _, head in rows if head)
        table_pr = table._tbl.tblPr
        look = OxmlElement("w:tblLook")
        look.set(qn("w:firstRow"), "1" if header_rows else "0")
        look.set(qn("w:val"), "04A0" if header_rows else "0000")
        table_pr.append(look)
        self.document.add_paragraph()

    def cell(self, td: HtmlElement, cell: _Cell, bold: bool, italic: bool) -> None:
        paragraph = cell.paragraphs[0]
        self.inline(td, paragraph, bold=bold, italic=italic, cell=cell)
        # A list or quote opens a paragraph for what may follow it: drop those left empty.
        for extra in cell.paragraphs:
            if len(cell.paragraphs) > 1 and not extra.text.strip():
                extra._element.getparent().remove(extra._element)

    # -- inline content -----------------------------------------------------------------------

    def paragraph(self, el: HtmlElement, paragraph: Paragraph) -> None:
        self.inline(el, paragraph)

    def inline(
        self,
        el: HtmlElement,
        paragraph: Paragraph,
        bold: bool = False,
        italic: bool = False,
        muted: bool = False,
        mono: bool = False,
        cell: _Cell | None = None,
    ) -> None:
        """Text and inline markup of `el` into `paragraph`; in a table cell, a list or a quote
        starts a new paragraph of the cell."""
        from docx.shared import Pt, RGBColor

        def add(
            text: str, b: bool = bold, i: bool = italic, m: bool = muted, code: bool = mono
        ) -> None:
            text = re.sub(r"\s+", " ", text)
            if not paragraph.text or paragraph.text.endswith((" ", "\n")):
                text = text.lstrip()  # HTML's indentation, not a space the reader sees
            if not text:
                return
            run = paragraph.add_run(text)
            run.bold, run.italic = b or None, i or None
            if m:
                run.font.color.rgb = RGBColor(*MUTED)
                run.font.size = Pt(8)
            if code:
                run.font.name = "DejaVu Sans Mono"

        add(el.text or "")
        for child in el:
            if not isinstance(child.tag, str) or child.tag in SKIPPED:
                add(child.tail or "")
                continue
            classes = _classes(child)
            if child.tag == "br":
                paragraph.add_run().add_break()
            elif child.tag in ("ul", "ol", "blockquote") and cell is not None:
                for item in child.iter("li") if child.tag != "blockquote" else [child]:
                    inner = cell.add_paragraph()
                    prefix = "• " if child.tag != "blockquote" else ""
                    if prefix:
                        inner.add_run(prefix)
                    self.inline(item, inner, italic=child.tag == "blockquote")
                paragraph = cell.add_paragraph()
            elif child.tag in ("figure",) and child.get("data-chart"):
                self.picture(child)
            else:
                self.inline(
                    child,
                    paragraph,
                    bold=bold or child.tag in ("b", "strong") or "carried" in classes,
                    italic=italic or child.tag in ("i", "em") or "source" in classes,
                    muted=muted or bool(classes & {"note", "source"}),
                    mono=mono or child.tag == "code",
                    cell=cell,
                )
            add(child.tail or "")


def _text(el: HtmlElement) -> str:
    return " ".join(el.text_content().split())

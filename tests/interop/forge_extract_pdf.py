"""Forges an extract's PDF as a reader of its claims would be fooled: a later revision (an
incremental update, with pyHanko's own writer) that puts other claims in the document catalog's
/CazierExtract. Usage: forge_extract_pdf.py <genuine.pdf> <forged.pdf> <text to put there>."""

import io
import sys

from pyhanko.pdf_utils.generic import NameObject, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

genuine, forged, text = sys.argv[1], sys.argv[2], sys.argv[3]
with open(genuine, "rb") as f:
    writer = IncrementalPdfFileWriter(io.BytesIO(f.read()))
writer.root[NameObject("/CazierExtract")] = pdf_string(text)
writer.update_root()
out = io.BytesIO()
writer.write(out)
with open(forged, "wb") as f:
    f.write(out.getvalue())

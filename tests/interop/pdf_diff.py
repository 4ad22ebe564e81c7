"""pyHanko's judgement of signed PDFs, as an outside oracle for cazier's offline verifier:
for each file, whether the seal is intact, what the signature covers, and what pyHanko's
difference analysis says was modified after it (tests/tests/forgery.rs compares).

    pdf_diff.py <root.pem> <file.pdf>...   one JSON object per line:
    {"file", "accepted", "intact", "coverage", "modification_level", "error"}

"accepted": intact, and nothing changed after the seal but validation material
(ModificationLevel NONE or LTA_UPDATES) over the entire signed revision.
"""

import json
import sys

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext


def judge(path, context):
    try:
        with open(path, "rb") as handle:
            reader = PdfFileReader(handle, strict=False)
            signatures = reader.embedded_signatures
            if not signatures:
                return {"accepted": False, "error": "no signature"}
            status = validate_pdf_signature(signatures[-1], context)
            level = status.modification_level
            coverage = status.coverage
            accepted = (
                status.intact
                and status.valid
                and coverage
                in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
                and level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)
            )
            return {
                "accepted": bool(accepted),
                "intact": bool(status.intact),
                "coverage": coverage.name if coverage else None,
                "modification_level": level.name if level is not None else None,
            }
    except Exception as error:  # a file pyHanko cannot read is one it does not accept
        return {"accepted": False, "error": f"{type(error).__name__}: {error}"[:200]}


def main():
    root = load_cert_from_pemder(sys.argv[1])
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    for path in sys.argv[2:]:
        print(json.dumps({"file": path, **judge(path, context)}), flush=True)


if __name__ == "__main__":
    main()

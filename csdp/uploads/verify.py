"""Verifying that content of a detected type really is what it claims, with the type's own parser.

The parsers (pypdf, Pillow, openpyxl) raise a wide and version-dependent set of exceptions on
malformed input; any of them means "cannot be opened", so each verifier catches Exception broadly
and turns it into one Chinese message. UploadRejected raised inside passes through unchanged.
"""

from __future__ import annotations

import warnings
import zipfile

from csdp.uploads.errors import UploadRejected
from PIL import Image
from openpyxl import load_workbook

# A 300 dpi A3 scan is ~17.5 million pixels; 50 million leaves room and stops decompression bombs
# (a few kilobytes of PNG that would inflate to gigabytes of pixels) before any decoding.
MAX_IMAGE_PIXELS = 50_000_000
PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG"}


def verify_pdf(path) -> None:
    # Imported here: pypdf (~160 ms) loads on the first PDF, not with every process (nothing else imports it).
    from pypdf import PdfReader

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            raise UploadRejected("PDF 文件已加密（设有密码或权限限制），请上传未加密的 PDF。")
        pages = len(reader.pages)
        _refuse_active_pdf_content(reader)
    except UploadRejected:
        raise
    except Exception:
        raise UploadRejected("PDF 文件已损坏，无法打开，请重新生成 PDF 后上传。") from None
    if pages < 1:
        raise UploadRejected("PDF 文件没有任何页面，请检查后重新上传。")
    _refuse_polyglot(path, "PDF")


def _refuse_active_pdf_content(reader) -> None:
    """Document-level JavaScript, launch actions and embedded files: scripts and smuggled programs."""
    root = reader.trailer["/Root"].get_object()
    names = root.get("/Names")
    names = names.get_object() if names is not None else {}
    open_action = root.get("/OpenAction")
    open_action = open_action.get_object() if open_action is not None else None
    action_kind = open_action.get("/S") if hasattr(open_action, "get") else None
    if "/JavaScript" in names or "/AA" in root or action_kind in ("/JavaScript", "/Launch"):
        raise UploadRejected("PDF 文件内含脚本或自动执行的动作，不允许上传，请重新生成（打印为 PDF）后上传。")
    if "/EmbeddedFiles" in names:
        raise UploadRejected("PDF 文件内嵌了附件，不允许上传，请删除附件后重新上传。")


def _refuse_polyglot(path, label: str) -> None:
    # A file can be a valid PDF or image and, read from its end, a ZIP as well.
    if zipfile.is_zipfile(path):
        raise UploadRejected(f"该{label}文件内部夹带了压缩包，不允许上传。")


def verify_image(path, detected: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.format != PIL_FORMATS[detected]:
                    raise ValueError(image.format)
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise UploadRejected(f"图片像素过多（{width}×{height}），请降低分辨率后重新上传。")
                image.verify()
            if detected == "jpeg":
                _decode_jpeg_reduced(path)
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected("图片像素过多，请降低分辨率后重新上传。") from None
    except Exception:
        raise UploadRejected("图片文件已损坏，无法打开，请重新扫描或导出后上传。") from None
    _refuse_polyglot(path, "图片")


def _decode_jpeg_reduced(path) -> None:
    """verify() barely reads a JPEG; decoding at 1/8 scale walks the whole entropy-coded stream cheaply."""
    with Image.open(path) as image:
        image.draft("RGB", (max(1, image.size[0] // 8), max(1, image.size[1] // 8)))
        image.load()


def verify_xlsx(path) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # A file object: given a path, openpyxl judges by the extension, and temp files have none.
            with open(path, "rb") as fh:
                workbook = load_workbook(fh, read_only=True, data_only=True)
                try:
                    sheets = workbook.sheetnames
                finally:
                    workbook.close()
    except Exception:
        raise UploadRejected("Excel 文件已损坏，无法打开，请用 Excel 另存为 .xlsx 后上传。") from None
    if not sheets:
        raise UploadRejected("Excel 文件没有任何工作表。")

"""Zips the Lambda `bootstrap` as deployed (deflate level 9, mode 0755, fixed timestamp).

usage: zip_bootstrap.py BOOTSTRAP ZIP
"""
import sys
import zipfile

binary, out = sys.argv[1], sys.argv[2]
info = zipfile.ZipInfo("bootstrap", (2025, 1, 1, 0, 0, 0))
info.external_attr = 0o755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(binary, "rb") as f, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr(info, f.read())

"""WeCom callback security: the message signature, AES-256-CBC decryption and the XML envelope.

WeCom signs every callback with SHA1 over the sorted (token, timestamp, nonce, ciphertext) and
encrypts the message with the app's EncodingAESKey: key = base64decode(EncodingAESKey + "="),
IV = the key's first 16 bytes, PKCS#7 padding to 32-byte blocks. The plaintext is 16 random bytes,
a 4-byte big-endian length, the message, then the receive id (the CorpID), which must be ours.

Our own small implementation on `cryptography` (wechatpy does the same but is unmaintained since
2021); the tests check it against wechatpy's independent encryption.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import hmac
import re
import struct
import time
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MAX_SKEW = 300          # seconds a callback's timestamp may differ from our clock
BLOCK = 32              # WeCom pads to 32 bytes, not AES's 16
MAX_XML = 256_000       # a text message is at most 2048 bytes; anything far larger is not WeCom


class Refused(Exception):
    """A callback that is not from WeCom for our app (or not readable): refused with `status`."""

    def __init__(self, reason: str, status: int = 403):
        super().__init__(reason)
        self.reason = reason
        self.status = status


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte AES key from the 43-character EncodingAESKey; ValueError when it is not one."""
    text = (encoding_aes_key or "").strip()
    try:
        key = base64.b64decode(text + "=", validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(text) != 43 or len(key) != 32:
        raise ValueError("encoding_aes_key must be the 43-character EncodingAESKey shown in the WeCom admin")
    return key


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    """WeCom's msg_signature: SHA1 of the four strings sorted and joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
UNMARKED = ((b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"), (b"\x00<\x00?", "utf-16-be"),
            (b"<\x00?\x00", "utf-16-le"), (b"\x4c\x6f\xa7\x94", "cp500"))     # XML 1.0, appendix F
DECLARATION = re.compile(r"^\s*<\?xml\b[^>]*?\?>")
DECLARED = re.compile(r"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
ENCRYPT = re.compile(r"<Encrypt>\s*(?:<!\[CDATA\[\s*([A-Za-z0-9+/=]*)\s*\]\]>|([A-Za-z0-9+/=]*))\s*</Encrypt>")


def decode_xml(raw: bytes) -> str:
    """An XML document's text, decoded the way an XML parser would: by its byte-order mark, else by
    how its first characters are laid out, else by its declared encoding (UTF-8 by default).
    Refused(400) when it does not decode."""
    codec = next((c for bom, c in BOMS if raw.startswith(bom)), None) \
        or next((c for head, c in UNMARKED if raw.startswith(head)), None)
    if codec is None:
        declared = DECLARED.match(raw[:200].decode("latin-1"))
        codec = declared.group(1) if declared else "utf-8"
    try:
        return raw.decode(codec)
    except (LookupError, UnicodeDecodeError):
        raise Refused(f"XML not readable (encoding {codec})", 400) from None


def envelope_ciphertext(text: str) -> str:
    """The Encrypt value of a callback envelope, found without an XML parser, so the signature is
    checked before any XML of a stranger is parsed; "" when there is none."""
    found = ENCRYPT.search(text)
    return (found.group(1) or found.group(2) or "") if found else ""


def parse_xml(text: str | bytes) -> dict[str, str]:
    """The child elements of a flat WeCom <xml> document as a dict; Refused(400) when unreadable.

    The document is decoded first (any encoding: UTF-16, UTF-32, EBCDIC, UTF-7 …) and refused when
    its text has a DOCTYPE or an ENTITY, so no entity trick reaches the parser in any encoding."""
    raw = text.encode() if isinstance(text, str) else text
    if len(raw) > MAX_XML:
        raise Refused("callback body too large", 413)
    decoded = text if isinstance(text, str) else decode_xml(raw)
    decoded = DECLARATION.sub("", decoded, count=1)
    upper = decoded.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        raise Refused("XML with a DOCTYPE", 400)
    try:
        root = ET.fromstring(decoded.encode("utf-8", "surrogatepass"))
    except (ET.ParseError, UnicodeEncodeError) as exc:
        raise Refused(f"XML not readable ({exc})", 400) from exc
    return {child.tag: (child.text or "").strip() for child in root}


class CallbackCrypto:
    """Checks and opens callbacks for one self-built app (token, EncodingAESKey, CorpID)."""

    def __init__(self, token: str, encoding_aes_key: str, corp_id: str, *, clock=time.time):
        self.token = token
        self.key = aes_key(encoding_aes_key)
        self.corp_id = corp_id
        self.clock = clock

    def open(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        """The plaintext of a signed, encrypted payload (a callback body's Encrypt, or echostr)."""
        if not (msg_signature and timestamp and nonce and encrypted):
            raise Refused("msg_signature, timestamp, nonce or the ciphertext missing", 400)
        try:
            sent_at = int(timestamp)
        except ValueError:
            raise Refused(f"timestamp {timestamp!r} is not a number", 400) from None
        if abs(self.clock() - sent_at) > MAX_SKEW:
            raise Refused(f"timestamp {timestamp} is more than {MAX_SKEW} s off our clock")
        expected = signature(self.token, timestamp, nonce, encrypted)
        if not msg_signature.isascii() or not hmac.compare_digest(expected.encode(), msg_signature.lower().encode()):
            raise Refused("bad msg_signature")
        message, receive_id = self.decrypt(encrypted)
        if not hmac.compare_digest(receive_id.encode(), self.corp_id.encode()):
            raise Refused(f"receive id {receive_id!r} is not our CorpID")
        return message

    def decrypt(self, encrypted: str) -> tuple[str, str]:
        """(message, receive id) from the base64 ciphertext; Refused(400) when it does not decrypt."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise Refused("ciphertext is not base64", 400) from None
        if not data or len(data) % 16:
            raise Refused("ciphertext length is not a whole number of AES blocks", 400)
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise Refused("bad padding (wrong EncodingAESKey?)", 403)
        body = plain[16:-pad]
        if len(body) < 4:
            raise Refused("decrypted payload too short", 403)
        (length,) = struct.unpack(">I", body[:4])
        if length > len(body) - 4:
            raise Refused("decrypted length out of range", 403)
        try:
            return body[4:4 + length].decode(), body[4 + length:].decode()
        except UnicodeDecodeError:
            raise Refused("decrypted payload is not UTF-8", 403) from None

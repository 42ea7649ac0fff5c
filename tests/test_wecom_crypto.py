"""Our callback crypto against wechatpy's independent implementation of the same WeCom protocol."""
from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest
from wechatpy.crypto import PrpCrypto, _get_signature
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.channels.wecom_crypto import CallbackCrypto, Refused, aes_key, parse_xml
from tests.fake_wecom import AES_KEY, CORP_ID, TOKEN, message_xml


def sealed(plain: str, *, corp_id: str = CORP_ID, timestamp: int | None = None, aes: str = AES_KEY):
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    reply = ET.fromstring(WeChatCrypto(TOKEN, aes, corp_id).encrypt_message(plain, "n0nce", timestamp))
    return reply.findtext("MsgSignature"), timestamp, "n0nce", reply.findtext("Encrypt")


@pytest.fixture
def crypto():
    return CallbackCrypto(TOKEN, AES_KEY, CORP_ID)


def test_opens_a_message_wechatpy_encrypted(crypto):
    plain = message_xml({"FromUserName": "zhangsan", "MsgType": "text", "Content": "张总，A型号订50台 <&> ✓",
                         "MsgId": "1234567890123456", "CreateTime": 1700000000})
    message = parse_xml(crypto.open(*sealed(plain)))
    assert message["Content"] == "张总，A型号订50台 <&> ✓"
    assert message["FromUserName"] == "zhangsan" and message["CreateTime"] == "1700000000"


def test_opens_an_echostr_of_every_length(crypto):
    # lengths around the 32-byte padding block, where off-by-one padding bugs show
    for size in (1, 11, 12, 27, 28, 43, 44, 60):
        echo = "e" * size
        encrypted = PrpCrypto(WeChatCrypto(TOKEN, AES_KEY, CORP_ID).key).encrypt(echo, CORP_ID).decode()
        timestamp = str(int(time.time()))
        assert crypto.open(_get_signature(TOKEN, timestamp, "abc", encrypted), timestamp, "abc", encrypted) == echo


def test_a_bad_signature_is_refused(crypto):
    signature, timestamp, nonce, encrypted = sealed("<xml><Content>hi</Content></xml>")
    forged = ("0" if signature[0] != "0" else "1") + signature[1:]
    with pytest.raises(Refused, match="signature") as refused:
        crypto.open(forged, timestamp, nonce, encrypted)
    assert refused.value.status == 403


def test_a_message_for_another_corp_is_refused(crypto):
    with pytest.raises(Refused, match="CorpID") as refused:
        crypto.open(*sealed("<xml><Content>hi</Content></xml>", corp_id="wwsomeoneelse000000"))
    assert refused.value.status == 403


def test_an_old_or_future_timestamp_is_refused(crypto):
    for skew in (-301, 301, -3600):
        with pytest.raises(Refused, match="off our clock"):
            crypto.open(*sealed("<xml/>", timestamp=int(time.time()) + skew))
    crypto.open(*sealed("<xml/>", timestamp=int(time.time()) - 250))   # within five minutes is fine


def test_another_apps_key_does_not_decrypt(crypto):
    other_key = "a" * 42 + "A"
    with pytest.raises(Refused) as refused:
        crypto.open(*sealed("<xml><Content>hi</Content></xml>", aes=other_key))
    assert refused.value.status in (400, 403)


@pytest.mark.parametrize("bad", ["", "short", "x" * 43 + "=", "!" * 43])
def test_a_wrong_encoding_aes_key_is_a_clear_config_error(bad):
    with pytest.raises(ValueError, match="43-character EncodingAESKey"):
        aes_key(bad)


@pytest.mark.parametrize("body", [b"not xml", b"<xml><a>", b'<!DOCTYPE x [<!ENTITY e "x">]><xml>&e;</xml>',
                                  b"<xml>" + b"<a>x</a>" * 60000 + b"</xml>"])
def test_unreadable_bodies_are_refused_not_crashed(body):
    with pytest.raises(Refused) as refused:
        parse_xml(body)
    assert refused.value.status in (400, 413)

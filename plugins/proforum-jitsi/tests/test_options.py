"""Settings are checked when the provider is built, and refused without quoting secrets."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jitsi_support import JAAS_APP, JAAS_KEY, SECRET
from proforum_jitsi import JitsiNotConfigured, JitsiOptionInvalid, parse_options

from proforum.domain.common import Secret
from proforum.errors import PluginError

if TYPE_CHECKING:
    from proforum_jitsi.testing import KeyPair


def refused(options: Any) -> JitsiOptionInvalid:
    with pytest.raises(JitsiOptionInvalid) as caught:
        parse_options(options)
    error = caught.value
    assert isinstance(error, PluginError)
    assert error.value is None  # never the offending (possibly secret) value
    for lang in ("ko", "en"):
        assert error.message(lang)
    return error


def test_minimal_self_hosted_settings_get_the_defaults(self_hosted: dict[str, Any]) -> None:
    settings = parse_options(self_hosted)
    assert settings.mode == "self-hosted"
    assert settings.room_base == "https://meet.example.com"
    assert (settings.issuer, settings.audience, settings.subject) == (
        "proforum-app",
        "jitsi",
        "meet.example.com",
    )
    assert settings.signer.algorithm == "HS256"
    assert settings.signer.key_id is None
    assert settings.join_before == settings.grace_after == timedelta(minutes=30)
    assert settings.token_ttl == timedelta(hours=3)
    assert settings.share_email is False
    assert settings.features == {}


def test_mode_defaults_to_self_hosted(self_hosted: dict[str, Any]) -> None:
    del self_hosted["mode"]
    assert parse_options(self_hosted).mode == "self-hosted"


def test_minimal_jaas_settings(jaas: dict[str, Any]) -> None:
    settings = parse_options(jaas)
    assert settings.room_base == f"https://8x8.vc/{JAAS_APP}"
    assert (settings.issuer, settings.audience, settings.subject) == ("chat", "jitsi", JAAS_APP)
    assert settings.signer.key_id == f"{JAAS_APP}/{JAAS_KEY}"
    assert settings.features == {
        "livestreaming": False,
        "recording": False,
        "transcription": False,
        "outbound-call": False,
    }


def test_the_full_kid_is_accepted_for_its_own_app(jaas: dict[str, Any]) -> None:
    settings = parse_options({**jaas, "api_key_id": f"{JAAS_APP}/{JAAS_KEY}"})
    assert settings.signer.key_id == f"{JAAS_APP}/{JAAS_KEY}"
    other = "vpaas-magic-cookie-ffffffffffffffff"
    assert refused({**jaas, "api_key_id": f"{other}/{JAAS_KEY}"}).params["option"] == "api_key_id"


def test_strings_from_a_config_file_are_read(self_hosted: dict[str, Any]) -> None:
    settings = parse_options(
        {
            **self_hosted,
            "join_before_minutes": "0",
            "grace_after_minutes": " 15 ",
            "token_ttl_minutes": "1440",
            "share_email": "Yes",
            "base_url": "https://meet.example.com/",
        }
    )
    assert settings.join_before == timedelta(0)
    assert settings.grace_after == timedelta(minutes=15)
    assert settings.token_ttl == timedelta(days=1)
    assert settings.share_email is True
    assert settings.room_base == "https://meet.example.com"


def test_features_in_every_form(jaas: dict[str, Any]) -> None:
    as_text = parse_options({**jaas, "features": "recording,file-upload"}).features
    as_list = parse_options({**jaas, "features": ["recording", "file-upload"]}).features
    as_map = parse_options(
        {**jaas, "features": {"recording": "true", "file-upload": True}}
    ).features
    assert as_text == as_list == as_map
    assert as_text["recording"] is as_text["file-upload"] is True
    assert as_text["livestreaming"] is False
    assert refused({**jaas, "features": "Recording!"}).params["option"] == "features"
    assert refused({**jaas, "features": 3}).params["option"] == "features"
    assert refused({**jaas, "features": {"recording": "maybe"}}).params["option"] == (
        "features[recording]"
    )


def test_secrets_may_be_given_as_proforum_secrets(
    self_hosted: dict[str, Any], jaas: dict[str, Any], keys: KeyPair
) -> None:
    assert parse_options({**self_hosted, "secret": Secret(SECRET)}).signer.algorithm == "HS256"
    assert parse_options({**jaas, "private_key": Secret(keys.private_pem)}).signer.key_id


def test_a_key_file_path_or_escaped_newlines_are_read(
    jaas: dict[str, Any], keys: KeyPair, tmp_path: Path
) -> None:
    key_file = tmp_path / "jaas.pem"
    key_file.write_text(keys.private_pem)
    assert parse_options({**jaas, "private_key": str(key_file)}).mode == "jaas"
    assert parse_options({**jaas, "private_key": key_file}).mode == "jaas"
    escaped = keys.private_pem.replace("\n", "\\n")  # as in a one-line environment variable
    assert parse_options({**jaas, "private_key": escaped}).mode == "jaas"
    missing = refused({**jaas, "private_key": str(tmp_path / "nope.pem")})
    assert missing.params["option"] == "private_key"
    assert "nope.pem" not in str(missing)


def test_empty_settings_say_how_to_configure() -> None:
    with pytest.raises(JitsiNotConfigured) as caught:
        parse_options({})
    assert caught.value.params["option"] == "jitsi"
    assert "video_options={'jitsi'" in caught.value.message("en")


@pytest.mark.parametrize(
    ("change", "option"),
    [
        ({"mode": "cloud"}, "mode"),
        ({"base_url": "http://meet.example.com"}, "base_url"),
        ({"base_url": "https://"}, "base_url"),
        ({"base_url": "https://meet.example.com/a/b"}, "base_url"),
        ({"base_url": "https://meet.example.com/?x=1"}, "base_url"),
        ({"base_url": "https://user:pw@meet.example.com"}, "base_url"),
        ({"base_url": "https://meet.example.com:99999"}, "base_url"),
        ({"base_url": "https://meet.example.com/a b"}, "base_url"),
        ({"base_url": 42}, "base_url"),
        ({"app_id": ""}, "app_id"),
        ({"app_id": "has space"}, "app_id"),
        ({"secret": "too-short"}, "secret"),
        ({"secret": 12345}, "secret"),
        ({"algorithm": "none"}, "algorithm"),
        ({"algorithm": "RS256"}, "secret"),
        ({"key_id": "k1"}, "key_id"),
        ({"audience": "two words"}, "audience"),
        ({"subject": ""}, "subject"),
        ({"room_prefix": "Has-Dash"}, "room_prefix"),
        ({"join_before_minutes": -1}, "join_before_minutes"),
        ({"grace_after_minutes": "1441"}, "grace_after_minutes"),
        ({"token_ttl_minutes": 0}, "token_ttl_minutes"),
        ({"token_ttl_minutes": True}, "token_ttl_minutes"),
        ({"token_ttl_minutes": 1.5}, "token_ttl_minutes"),
        ({"share_email": "perhaps"}, "share_email"),
        ({"unregistered_links": "token"}, "unregistered_links"),
        ({"features": "recording"}, "features"),
        ({"api_key_id": "k"}, "api_key_id"),
        ({"colour": "blue"}, "colour"),
        ({SECRET: "pasted in the wrong place"}, "?"),
    ],
)
def test_self_hosted_mistakes_name_the_option(
    self_hosted: dict[str, Any], change: dict[str, Any], option: str
) -> None:
    error = refused({**self_hosted, **change})
    assert error.params["option"] == option
    assert SECRET not in str(error)
    assert SECRET not in repr(error)


@pytest.mark.parametrize(
    ("change", "option"),
    [
        ({"app_id": "my-app"}, "app_id"),
        ({"api_key_id": ""}, "api_key_id"),
        ({"api_key_id": "bad key"}, "api_key_id"),
        (
            {"private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n"},
            "private_key",
        ),
        ({"private_key": None}, "private_key"),
        ({"base_url": "https://8x8.vc/tenant"}, "base_url"),
        ({"secret": SECRET}, "secret"),
        ({"subject": "*"}, "subject"),
    ],
)
def test_jaas_mistakes_name_the_option(
    jaas: dict[str, Any], change: dict[str, Any], option: str
) -> None:
    assert refused({**jaas, **change}).params["option"] == option


def test_missing_required_options(self_hosted: dict[str, Any], jaas: dict[str, Any]) -> None:
    for name in ("base_url", "app_id", "secret"):
        options = dict(self_hosted)
        del options[name]
        assert refused(options).params["option"] == name
    for name in ("app_id", "api_key_id", "private_key"):
        options = dict(jaas)
        del options[name]
        assert refused(options).params["option"] == name


def pem(key: Any, password: bytes | None = None) -> str:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode()


def test_keys_that_cannot_sign_rs256_are_refused(jaas: dict[str, Any], keys: KeyPair) -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    curve = ec.generate_private_key(ec.SECP256R1())
    locked = serialization.load_pem_private_key(keys.private_pem.encode(), None)
    cases = {
        "1024 bits": pem(small),
        "an EC key": pem(curve),
        "an encrypted key": pem(locked, b"passphrase"),
        "a public key": keys.public_pem,
    }
    for key_text in cases.values():
        error = refused({**jaas, "private_key": key_text})
        assert error.params["option"] == "private_key"
        body = key_text.splitlines()[1]
        assert body not in str(error)
        assert error.__cause__ is None  # the parser's message is not chained in


def test_not_a_mapping_is_refused() -> None:
    assert refused(["mode", "jaas"]).params["option"] == "jitsi"

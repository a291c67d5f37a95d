import json

import pytest

from common.channels import LONG_LIVED, NOT_SAFE_TO_REPEAT, service_config, target_of
from common.settings import ConfigError, ServiceSettings, SigningKeySettings, load_settings
from common.tokens import kid_of, load_private_key, load_public_keys, write_key_pair
from gateway.settings import GatewaySettings


class _Signer(ServiceSettings, SigningKeySettings):
    pass


def test_defaults_need_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("GRPC_PORT", "METRICS_PORT", "MONGODB_URI", "STATION_ADDR"):
        monkeypatch.delenv(var, raising=False)
    settings = load_settings(ServiceSettings, service_name="station")
    assert settings.bind_port == 50052
    assert settings.bind_metrics_port == 9102
    assert settings.peer("station") == "127.0.0.1:50052"
    assert settings.mongodb_uri.startswith("mongodb://")


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRPC_PORT", "6000")
    monkeypatch.setenv("RIDER_ADDR", "rider.lastmile:50054")
    settings = load_settings(ServiceSettings, service_name="user")
    assert settings.bind_port == 6000
    assert settings.peer("rider") == "rider.lastmile:50054"


@pytest.mark.parametrize(
    "var,value",
    [("GRPC_PORT", "65536"), ("GRPC_PORT", "-1"), ("RPC_TIMEOUT_S", "0"), ("LOG_LEVEL", "LOUD")],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, var: str, value: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as err:
        load_settings(ServiceSettings, service_name="user")
    assert err.value.code == 2
    assert var in err.value.message and repr(value) in err.value.message
    assert var in capsys.readouterr().err


def test_missing_keys_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("JWT_PUBLIC_KEYS_FILE", "JWT_PRIVATE_KEY_FILE"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigError) as err:
        load_settings(_Signer, service_name="user")
    assert "JWT_PUBLIC_KEYS_FILE is required but not set" in err.value.message
    assert "JWT_PRIVATE_KEY_FILE is required but not set" in err.value.message


def test_the_signing_key_id_is_found_in_the_key_set(tmp_path) -> None:
    write_key_pair(tmp_path / "old.pem", tmp_path / "jwks.json", "2026-11")
    write_key_pair(tmp_path / "signing.pem", tmp_path / "jwks.json", "2026-12")
    keys = load_public_keys(tmp_path / "jwks.json")
    assert set(keys) == {"2026-11", "2026-12"}
    assert kid_of(load_private_key(tmp_path / "signing.pem"), keys) == "2026-12"
    assert (tmp_path / "signing.pem").stat().st_mode & 0o077 == 0


def test_targets_use_dns_resolution_for_round_robin() -> None:
    assert target_of("matching:50056") == "dns:///matching:50056"
    assert target_of("dns:///a:1") == "dns:///a:1"
    assert target_of("ipv4:127.0.0.1:1,127.0.0.1:2") == "ipv4:127.0.0.1:1,127.0.0.1:2"
    assert target_of("unix:/tmp/s") == "unix:/tmp/s"


def names(entry: dict) -> set[tuple[str, str]]:
    return {(n["service"], n["method"]) for n in entry["name"]}


def test_service_config_retries_only_what_is_safe_and_bounds_unary_calls() -> None:
    config = json.loads(json.dumps(service_config(2.5)))
    assert config["loadBalancingConfig"] == [{"round_robin": {}}]
    assert config["retryThrottling"] == {"maxTokens": 10, "tokenRatio": 0.1}
    default, safe, long_lived, long_unsafe = config["methodConfig"]
    assert default["name"] == [{}] and default["timeout"] == "2.500s"
    assert default["waitForReady"] is True and "retryPolicy" not in default
    assert service_config(1, wait_for_ready=False)["methodConfig"][0]["waitForReady"] is False
    for entry in (safe, long_lived):
        assert entry["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
    assert safe["timeout"] == "2.500s"
    assert ("lastmile.v1.TripService", "BookSeats") in names(safe)
    assert ("lastmile.v1.RiderService", "Claim") in names(safe)
    assert not names(safe) & NOT_SAFE_TO_REPEAT
    assert ("lastmile.v1.UserService", "Login") not in names(safe)
    assert "timeout" not in long_lived and "retryPolicy" not in long_unsafe
    assert names(long_lived) | names(long_unsafe) == set(LONG_LIVED)
    # No method is named twice (grpc refuses such a config).
    listed = [n for e in config["methodConfig"] for n in map(str, e["name"])]
    assert len(listed) == len(set(listed))


def test_the_ticket_key_can_come_from_a_mounted_file_and_is_not_printed(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_key_pair(tmp_path / "k.pem", tmp_path / "jwks.json", "k")
    monkeypatch.setenv("JWT_PUBLIC_KEYS_FILE", str(tmp_path / "jwks.json"))
    key = tmp_path / "ticket-secret"
    key.write_text("f" * 40 + "\n")
    monkeypatch.setenv("STREAM_TICKET_SECRET", "e" * 40)
    monkeypatch.setenv("STREAM_TICKET_SECRET_FILE", str(key))
    settings = load_settings(GatewaySettings)
    assert settings.stream_ticket_secret.get_secret_value() == "f" * 40
    assert "f" * 40 not in repr(settings)
    monkeypatch.setenv("STREAM_TICKET_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError):
        load_settings(GatewaySettings)
    assert "STREAM_TICKET_SECRET_FILE" in capsys.readouterr().err

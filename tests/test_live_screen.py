"""`markets.screen`: the pure pick, Gamma payloads and pages, the config checks, and
`alpha-arena run --once` / `status` end to end against the fake exchange."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from alpha_arena.cli import main
from alpha_arena.config import Secrets, runner_problems, validate
from alpha_arena.config.sections import MarketsConfig, ScreenConfig
from alpha_arena.data.payload import Payload
from alpha_arena.data.polymarket import PolymarketClient
from alpha_arena.errors import ConfigError
from alpha_arena.live.screen import (
    Candidate,
    candidate,
    gamma_query,
    read_screen,
    resolve,
    select,
)
from alpha_arena.live.settings import LiveSettings
from tests.factories import make_dataset
from tests.fake_exchange import FakeExchange, numeric_dataset, set_gamma_fields
from tests.live_configs import MOMENTUM_PARAMS, write_live_config

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
CATS = ("politics", "sports", "crypto")


# ----- the pure pick ---------------------------------------------------------------------------

_candidates = st.lists(
    st.builds(
        Candidate,
        condition_id=st.sampled_from([f"0x{i:02x}" for i in range(30)]),
        categories=st.frozensets(st.sampled_from(CATS), max_size=2),
        volume_24h=st.sampled_from([0.0, 10.0, 500.0, 1000.0, 5000.0]),
        liquidity=st.sampled_from([0.0, 100.0, 500.0, 2000.0]),
        end_time=st.one_of(
            st.none(), st.integers(-5, 120).map(lambda d: NOW + timedelta(days=d, hours=1))
        ),
        accepting_orders=st.booleans(),
    ),
    max_size=40,
    unique_by=lambda c: c.condition_id,
)
_screens = st.builds(
    ScreenConfig,
    categories=st.lists(st.sampled_from(CATS), max_size=2, unique=True).map(tuple),
    min_volume_24h=st.sampled_from([0.0, 500.0, 1000.0]),
    min_liquidity=st.sampled_from([0.0, 500.0]),
    closes_within_days=st.sampled_from([None, 10.0, 60.0]),
    max_markets=st.sampled_from([None, 1, 3, 10]),
    order_by=st.sampled_from(["volume_24h", "liquidity"]),
)


def _meets(c: Candidate, s: ScreenConfig) -> bool:
    """The criteria written out again, apart from the code under test."""
    ok = c.accepting_orders and c.volume_24h >= s.min_volume_24h
    ok = ok and c.liquidity >= s.min_liquidity
    ok = ok and (not s.categories or any(cat in c.categories for cat in s.categories))
    if s.closes_within_days is not None:
        ok = ok and c.end_time is not None
        ok = ok and NOW < c.end_time <= NOW + timedelta(days=s.closes_within_days)
    return ok


@settings(deadline=None, max_examples=150)
@given(
    found=_candidates,
    screen=_screens,
    ids=st.lists(st.sampled_from([f"0x{i:02x}" for i in range(0, 30, 3)]), max_size=3, unique=True),
    cap=st.integers(3, 12),
)
def test_property_pick_meets_every_criterion_in_order_within_caps(found, screen, ids, cap):
    markets = MarketsConfig(ids=tuple(ids), max_markets=cap, screen=screen)
    picked = select(found, markets, NOW)
    assert picked[: len(ids)] == tuple(ids)  # listed ids always kept, first
    extra = picked[len(ids) :]
    assert len(set(picked)) == len(picked)
    room = cap - len(ids) if screen.max_markets is None else min(screen.max_markets, cap - len(ids))
    room = max(room, 0)
    assert len(extra) <= room
    by_id = {c.condition_id: c for c in found}
    key = (lambda c: c.volume_24h) if screen.order_by == "volume_24h" else (lambda c: c.liquidity)
    for cid in extra:
        assert cid not in ids
        assert _meets(by_id[cid], screen), cid
    values = [key(by_id[cid]) for cid in extra]
    assert values == sorted(values, reverse=True)
    left = [c for cid, c in by_id.items() if cid not in picked and cid not in ids]
    eligible = [c for c in left if _meets(c, screen)]
    if len(extra) < room:
        assert eligible == []  # fewer than room picked: nothing eligible was left out
    elif eligible and extra:
        assert max(key(c) for c in eligible) <= values[-1]


def test_ties_go_by_condition_id_and_no_screen_means_the_ids():
    same = [Candidate(cid, frozenset(), 100.0, 1.0, None) for cid in ("0xc", "0xa", "0xb")]
    markets = MarketsConfig(screen=ScreenConfig(max_markets=2))
    assert select(same, markets, NOW) == ("0xa", "0xb")
    assert select(same, MarketsConfig(ids=("0xz",)), NOW) == ("0xz",)


# ----- Gamma payloads, query and pages ---------------------------------------------------------


def _gamma(cid: str, **fields) -> dict:
    base = {
        "conditionId": cid,
        "question": f"Q {cid}?",
        "clobTokenIds": json.dumps([f"{cid}1", f"{cid}2"]),
        "outcomes": json.dumps(["Yes", "No"]),
        "endDate": (NOW + timedelta(days=30)).isoformat(),
        "active": True,
        "closed": False,
        "volume24hr": 100.0,
        "liquidityNum": 50.0,
    }
    return {**base, **fields}


def test_candidate_reads_tags_volume_liquidity_and_skips_what_cannot_trade():
    item = _gamma(
        "0x1",
        category=None,
        tags=[{"label": "Elections"}],
        liquidityNum=None,
        liquidity="750.5",
        events=[{"id": "9", "tags": [{"label": "Politics", "slug": "us-elections"}]}],
        acceptingOrders=False,
    )
    c = candidate(Payload(item, "GET /markets"))
    assert c is not None
    assert c.categories == {"politics", "us-elections", "elections"}
    assert (c.volume_24h, c.liquidity, c.accepting_orders) == (100.0, 750.5, False)
    assert candidate(Payload(_gamma("0x2", closed=True), "GET /markets")) is None
    assert candidate(Payload(_gamma("0x3", clobTokenIds=None), "GET /markets")) is None


def test_gamma_query_filters_what_gamma_can():
    screen = ScreenConfig(min_liquidity=500, closes_within_days=60, order_by="liquidity")
    q = gamma_query(screen, NOW)
    assert q == {
        "active": True,
        "closed": False,
        "order": "liquidity",
        "ascending": False,
        "include_tag": True,
        "liquidity_num_min": 500,
        "end_date_min": "2026-11-30T12:00:00Z",
        "end_date_max": "2027-01-29T12:00:00Z",
    }
    assert "liquidity_num_min" not in gamma_query(ScreenConfig(), NOW)


def _paged_client(items: list[dict], seen: list[dict]) -> PolymarketClient:
    def handler(request: httpx.Request) -> httpx.Response:
        query = {k: v[0] for k, v in parse_qs(urlparse(str(request.url)).query).items()}
        seen.append(query)
        offset, limit = int(query["offset"]), int(query["limit"])
        return httpx.Response(200, json=items[offset : offset + limit])

    return PolymarketClient(gamma_url="http://gamma.test", transport=httpx.MockTransport(handler))


def test_every_page_is_read_and_the_best_may_sit_on_the_last():
    items = [_gamma(f"0x{i:03x}", volume24hr=float(i % 7)) for i in range(250)]
    items[-1] = _gamma("0xbest", volume24hr=99.0)
    items[120] = _gamma("0xsecond", volume24hr=50.0, category="Sports")
    seen: list[dict] = []
    with _paged_client(items, seen) as client:
        markets = MarketsConfig(ids=("0xmine",), screen=ScreenConfig(max_markets=2))
        result = resolve(client, markets, NOW, page_size=100)
        sports = MarketsConfig(screen=ScreenConfig(categories=("sports",)))
        assert resolve(client, sports, NOW, page_size=100).ids == ("0xsecond",)
    assert result.ids == ("0xmine", "0xbest", "0xsecond")
    assert result.screened == ("0xbest", "0xsecond")
    assert result.looked_at == 250
    assert [q["offset"] for q in seen[:3]] == ["0", "100", "200"]
    assert seen[0]["active"] == "true"
    assert seen[0]["closed"] == "false"
    assert seen[0]["order"] == "volume_24hr"
    assert seen[0]["ascending"] == "false"


def test_an_empty_pick_is_a_config_error_naming_the_screen():
    seen: list[dict] = []
    with _paged_client([_gamma("0x1", volume24hr=5.0)], seen) as client:
        markets = MarketsConfig(screen=ScreenConfig(min_volume_24h=1000))
        with pytest.raises(ConfigError, match=r"markets\.screen: expected at least one open"):
            resolve(client, markets, NOW)


# ----- the config section ----------------------------------------------------------------------


def _problems(markets) -> list[str]:
    cfg, problems = validate({"markets": markets}, Secrets({}))
    return [p.path for p in [*problems, *runner_problems(cfg)]]


def test_every_bad_screen_key_is_named_by_its_dotted_path():
    bad = {
        "categories": [3],
        "min_volume_24h": -1,
        "min_liquidity": "lots",
        "closes_within_days": 0,
        "max_markets": 1.5,
        "order_by": "price",
        "top": 5,
    }
    assert sorted(_problems({"screen": bad})) == sorted(f"markets.screen.{k}" for k in bad)
    assert _problems({"screen": "politics"}) == ["markets.screen"]


def test_ids_or_screen_must_give_the_runner_a_market():
    assert _problems({}) == ["markets.ids"]
    assert _problems({"screen": {"categories": "politics"}}) == []
    assert _problems({"screen": None}) == ["markets.ids"]
    full = {"ids": ["0xa", "0xb"], "max_markets": 2}
    assert _problems({**full, "screen": {}}) == ["markets.screen"]
    assert _problems({**full, "max_markets": 5, "screen": {"max_markets": 4}}) == [
        "markets.screen.max_markets"
    ]
    cfg, _ = validate({"markets": {"screen": {"categories": ["Politics"]}}}, Secrets({}))
    assert cfg.markets.screen == ScreenConfig(categories=("politics",))
    shown = json.loads(json.dumps(cfg.public(), default=str))["markets"]["screen"]
    assert shown["categories"] == ["politics"]
    assert shown["order_by"] == "volume_24h"
    with pytest.raises(ConfigError, match="--shard"):
        LiveSettings.from_config(cfg).shard(0, 2)


# ----- end to end: run --once, status, config check ---------------------------------------------


@pytest.fixture
def data():
    return numeric_dataset(make_dataset(5, 40, seed=3).select(["m2", "m3", "m4"]))


def _config(path: Path, fx: FakeExchange, markets: dict) -> Path:
    return write_live_config(path, fx, markets, ops={"prometheus_port": 0})


def _volumes(fx: FakeExchange, **fields: dict) -> None:
    for cid, extra in fields.items():
        set_gamma_fields(fx, cid, extra)


def test_run_once_trades_the_screened_markets_and_status_shows_them(data, tmp_path, capsys):
    screen = {"categories": ["sports"], "min_volume_24h": 1000, "max_markets": 1}
    with FakeExchange(data) as fx:
        _volumes(
            fx,
            m2={"volume24hr": 5000.0, "category": "Sports"},
            m3={"volume24hr": 9000.0, "category": "Sports"},
            m4={"volume24hr": 20000.0},  # politics: out of the screen
        )
        config = _config(tmp_path, fx, {"ids": ["m4"], "screen": screen})
        args = ["run", "--config", str(config), "--once", "--interval", "0"]
        assert main([*args, "--no-metrics-server"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out.strip().splitlines()[-1])["cycles"] == 1
    saved = read_screen(tmp_path / "state")
    assert saved is not None
    assert (saved["ids"], saved["screened"], saved["looked_at"]) == (["m4", "m3"], ["m3"], 3)
    audit = [json.loads(x) for x in (tmp_path / "state" / "audit.jsonl").read_text().splitlines()]
    picks = [r for r in audit if r["event"] == "screen"]
    assert [r["ids"] for r in picks] == [["m4", "m3"]]
    decision = json.loads((tmp_path / "state" / "decisions.jsonl").read_text().splitlines()[0])
    assert decision["status"] == "ok"
    assert main(["status", "--config", str(config)]) == 0
    shown = capsys.readouterr().out
    assert "screened:       1 of 3 open markets" in shown
    assert ": m3" in shown


def test_run_refuses_a_screen_that_picks_nothing(data, tmp_path, capsys):
    with FakeExchange(data) as fx:
        config = _config(tmp_path, fx, {"screen": {"min_liquidity": 1e9}})
        assert main(["run", "--config", str(config), "--once", "--no-ops"]) == 2
    err = capsys.readouterr().err
    assert "markets.screen: expected at least one open market" in err
    assert not (tmp_path / "state" / "decisions.jsonl").exists()


def test_config_check_names_and_run_refuses_bad_screen_values(data, tmp_path, capsys):
    with FakeExchange(data) as fx:
        bad = {"min_volume_24h": "high", "order_by": "spread", "max_markets": 0}
        config = _config(tmp_path, fx, {"screen": bad})
        assert main(["config", "check", "--config", str(config)]) != 0
        out = capsys.readouterr().out
        for key in bad:
            assert f"markets.screen.{key}: expected" in out, key
        assert main(["run", "--config", str(config), "--once", "--no-ops"]) == 2
        err = capsys.readouterr().err
        assert "markets.screen.order_by" in err
        assert fx.state.requests == []  # refused before asking Gamma


def test_listed_ids_run_with_an_alert_when_the_screen_picks_nothing(data, tmp_path):
    from alpha_arena.backtest.inputs import resolve_strategy
    from alpha_arena.live.runner import LiveRunner

    alerts: list[str] = []
    with FakeExchange(data) as fx:
        config = _config(tmp_path, fx, {"ids": ["m2"], "screen": {"min_volume_24h": 1e9}})
        cfg, problems = validate(yaml.safe_load(config.read_text()), Secrets({}), tmp_path)
        assert list(problems) == []
        strategy = resolve_strategy("momentum", MOMENTUM_PARAMS, 0)
        runner = LiveRunner(
            LiveSettings.from_config(cfg), strategy, interval=0, on_alert=alerts.append
        )
        assert runner.settings.markets == ["m2"]
        assert runner.run(max_cycles=1).cycles == 1
    assert "markets.screen picked no open market; trading markets.ids only" in alerts
    assert read_screen(tmp_path / "state")["screened"] == []
    (tmp_path / "state" / "screen.json").write_text('{"ids": []}')
    assert read_screen(tmp_path / "state") is None  # a partial file is no pick

"""`cohost` misused as a new user would: each mistake ends in one line on stderr and a non-zero exit."""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.cli import build_parser
from storage.log import InteractionLog
from tests.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "bot/data/demo_catalog.yaml"


def cohost(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    env.pop("COHOST_STREAMER_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a refused command (no traceback, no log lines before it)."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture
def logged_db(tmp_path: Path) -> Path:
    """A real interaction log with rows for demo-room and second-room only."""
    path = tmp_path / "show.db"
    log = InteractionLog(path)
    log.open()
    for room in ("demo-room", "second-room"):
        log.record("room_events", {"room_id": room, "event": "open", "detail": "12 products"})
    log.record("viewer_events", {"room_id": "demo-room", "viewer_id": "v1", "event": "join"})
    log.close()
    return path


def test_busy_port_is_named_before_the_model_loads(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cohost("serve", "--port", str(port), "--db", str(tmp_path / "c.db"), cwd=tmp_path)
    line = one_line(result)  # nothing logged before it: no room opened, no model loaded
    assert f"port {port}" in line and "in use" in line
    assert not (tmp_path / "c.db").exists()


def test_report_of_a_room_without_rows_lists_the_rooms_it_has(logged_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    line = one_line(cohost("report", "--db", str(logged_db), "--room", "no-such-room", "--out", str(out)))
    assert "no-such-room" in line and "no rows" in line
    assert "demo-room" in line and "second-room" in line
    assert not out.exists()


def test_report_into_a_missing_folder_makes_it(logged_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "tonight" / "demo.html"
    result = cohost("report", "--db", str(logged_db), "--room", "demo-room", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.is_file() and "demo-room" in out.read_text(encoding="utf-8")


def test_report_into_a_folder_says_to_give_a_file(logged_db: Path, tmp_path: Path) -> None:
    line = one_line(cohost("report", "--db", str(logged_db), "--room", "demo-room", "--out", str(tmp_path)))
    assert "is a folder" in line


def test_report_of_a_missing_database(tmp_path: Path) -> None:
    line = one_line(cohost("report", "--db", str(tmp_path / "none.db"), "--room", "demo-room"))
    assert "none.db" in line and "no such database" in line


def test_export_labels_of_a_room_nobody_labelled(logged_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "labelled"
    line = one_line(cohost("export-labels", "--db", str(logged_db), "--room", "demo-room", "--out", str(out)))
    assert "no labelled comment" in line and "/ops" in line
    assert not out.exists()


def test_training_commands_name_a_room_they_cannot_load(tmp_path: Path) -> None:
    (tmp_path / "rooms").mkdir()
    (tmp_path / "catalog.yaml").write_text(DEMO.read_text(encoding="utf-8"), encoding="utf-8")
    line = '{"id": "q1", "text": "6号链接多少钱", "on_screen": null, "expect": {"kind": "answer", "product": "d01", "source": "price"}}'
    (tmp_path / "questions-dev.jsonl").write_text(line + "\n", encoding="utf-8")
    result = cohost("eval-rooms", "--eval-dir", str(tmp_path), "--hold", "dev", "fashoin", timeout=300)
    assert one_line(result) == "cohost: --hold: no labelled room named fashoin"
    assert result.returncode == 2 and result.stdout == ""
    # a file among the folders (`--train-rooms data/*`), named; nothing written
    (tmp_path / "notes.md").write_text("not a room", encoding="utf-8")
    out = tmp_path / "models"
    result = cohost(
        "train-kind",
        "--eval-dir",
        str(tmp_path),
        "--train-rooms",
        str(tmp_path / "notes.md"),
        "--out",
        str(out),
    )
    assert one_line(result) == f"cohost: no catalog.yaml or questions file in {tmp_path / 'notes.md'}"
    assert not out.exists()


def test_simulate_against_a_stopped_server_fails(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    line = one_line(cohost("simulate", "--url", url, "--viewers", "3", "--minutes", "0.1", cwd=tmp_path))
    assert url in line and "no server answers" in line


async def test_simulate_with_a_refused_token_says_so_in_one_line(live_server) -> None:
    """No `coroutine 'SimViewer.run' was never awaited` warning after the error."""
    import asyncio

    live = await live_server()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    env.pop("COHOST_STREAMER_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "bot.cli", "simulate", "--url", live.url, "--token", "bad", "--viewers", "3"],
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 1, out
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cohost simulate: --token refused"), lines


def test_simulate_with_a_url_that_is_no_server_address(tmp_path: Path) -> None:
    line = one_line(cohost("simulate", "--url", "127.0.0.1:8080", "--viewers", "1", cwd=tmp_path))
    assert "--url" in line and "http" in line


def test_a_config_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    config = tmp_path / "gbk.yaml"
    config.write_bytes("server:\n  host: 主机\n".encode("gbk"))
    line = one_line(cohost("serve", "--config", str(config), cwd=tmp_path))
    assert str(config) in line and "UTF-8" in line


def test_config_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "broken.yaml"
    config.write_text("server:\n  port: 8099\n  host: [127.0.0.1\nstorage:\n  db_path: x.db\n")
    line = one_line(cohost("serve", "--config", str(config), cwd=tmp_path))
    assert str(config) in line and "line 4" in line and "not valid YAML" in line


def test_catalog_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    catalog = tmp_path / "shelf.yaml"
    lines = DEMO.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5] + ": : oops ["  # one broken line in the middle of the demo shelf
    catalog.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cohost("serve", "--catalog", str(catalog), "--port", str(free_port()), cwd=tmp_path)
    line = one_line(result)
    assert str(catalog) in line and "line 6" in line and "not valid YAML" in line


def test_check_catalog_says_ok_or_the_one_mistake_without_starting_a_server(tmp_path: Path) -> None:
    # a streamer editing a shelf had to start the server to find each mistake
    good = cohost("check-catalog", str(DEMO))
    assert good.returncode == 0, good.stderr
    first, *notes = good.stdout.strip().splitlines()
    assert first == f"{DEMO}: ok, room demo-room, 14 products, 63 FAQ entries"
    assert all(n.startswith("  note: ") for n in notes), notes  # the demo gives some products English
    broken = tmp_path / "shelf.yaml"
    shelf = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    shelf["products"][0]["price"] = "¥99"
    broken.write_text(yaml.safe_dump(shelf, allow_unicode=True), encoding="utf-8")
    line = one_line(cohost("check-catalog", str(DEMO), str(broken)))
    assert line.startswith(f"cohost: {broken}: product ") and "'¥99' is not a number" in line
    # two files opening one room, as serve would refuse them
    line = one_line(cohost("check-catalog", str(DEMO), str(DEMO)))
    assert "room_id 'demo-room' is already opened by" in line


def test_check_catalog_notes_a_field_replies_cannot_name(tmp_path: Path) -> None:
    # a key with no Chinese name is said in Chinese replies with no name before its value; a name
    # worded as a question is said as the field's name ("6号链接里面有什么：…"): notes, still ok
    shelf = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    first = shelf["products"][0]
    first["attributes"]["harvest_season"] = "每年9月"
    first["attributes"]["contents"] = ["衬衫", "防尘袋"]
    # and one worded as a question by a measure word ("圈口多大", a jade shop's trial: not noted)
    first["attributes"]["inner_diameter"] = "56mm"
    # and one worded as an A-not-A question ("能不能飘", a party shop's trial: not noted)
    first["attributes"]["floats"] = "充氦气可飘12小时"
    first["names"] = {
        "contents": ["里面有什么", "包装内容"],
        "inner_diameter": ["圈口多大", "圈口"],
        "floats": ["能不能飘", "飘浮时间"],
    }
    path = tmp_path / "shelf.yaml"
    path.write_text(yaml.safe_dump(shelf, allow_unicode=True), encoding="utf-8")
    result = cohost("check-catalog", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{path}: ok, room demo-room")
    notes = [line.strip() for line in lines[1:] if not re.search(r" en: |`en:`| aliases: ", line)]
    assert len(notes) == 4 and all(n.startswith("note: ") for n in notes), notes
    assert any("names.contents" in n and "里面有什么" in n for n in notes)
    assert any("names.floats" in n and "能不能飘" in n for n in notes)
    assert any("names.inner_diameter" in n and "圈口多大" in n for n in notes)
    assert any("attributes.harvest_season (d01)" in n and "names: {harvest_season:" in n for n in notes)


def test_check_catalog_notes_a_field_name_that_only_asks(tmp_path: Path) -> None:
    # an aquarium shop's trial: `body_length: [体长, 多大]` took "这个适合多大的缸" (a tank size asked) as
    # the fish's body length, sent at 0.91; a name that is only a question word is said in any question
    shelf = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    first = shelf["products"][0]
    first["attributes"]["body_length"] = "4-5cm"
    first["names"] = {"body_length": ["体长", "多大", "多少颗"]}
    path = tmp_path / "shelf.yaml"
    path.write_text(yaml.safe_dump(shelf, allow_unicode=True), encoding="utf-8")
    result = cohost("check-catalog", str(path))
    assert result.returncode == 0, result.stderr
    notes = [n for n in result.stdout.splitlines() if "question word" in n]
    assert len(notes) == 2 and "d01 names.body_length: '多大'" in notes[0], notes
    assert "'多少颗'" in notes[1]  # with its measure word (a nail shop's trial: not noted)
    assert "question word" not in cohost("check-catalog", str(DEMO)).stdout  # "在哪看" names the platform


def test_check_catalog_notes_what_english_replies_will_quote_in_chinese(tmp_path: Path) -> None:
    # a shelf with English values on some products: English viewers got "(from the shelf, in
    # Chinese)" for whatever the `en:` blocks left out, and check-catalog said only "ok"
    shelf = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for product in shelf["products"]:
        product.pop("en", None)
    path = tmp_path / "shelf.yaml"
    path.write_text(yaml.safe_dump(shelf, allow_unicode=True), encoding="utf-8")
    assert not [n for n in cohost("check-catalog", str(path)).stdout.splitlines() if "en:" in n]
    first, others = shelf["products"][0], [p["id"] for p in shelf["products"][1:]]
    first["en"] = {"shipping": "Ships within 48 hours."}
    path.write_text(yaml.safe_dump(shelf, allow_unicode=True), encoding="utf-8")
    result = cohost("check-catalog", str(path))
    assert result.returncode == 0, result.stderr
    notes = [line.strip() for line in result.stdout.splitlines()[1:]]
    untranslated = next(n for n in notes if n.startswith(f"note: {first['id']} en: no English for "))
    chinese = [k for k, v in first["attributes"].items() if re.search(r"[\u4e00-\u9fff]", str(v))]
    assert chinese and all(k in untranslated for k in chinese), untranslated
    assert "shipping" not in untranslated and "sizes" not in untranslated, (
        untranslated
    )  # English, or no Chinese
    assert f"note: {', '.join(others)}: no `en:` block" in "\n".join(notes), notes


def test_check_catalog_notes_an_original_price_beside_prices_by_version(tmp_path: Path) -> None:
    # a seafood shop's trial: 398 struck through beside "¥238起" read as a discount no version has
    shelf = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    product = next(p for p in shelf["products"] if p.get("original_price"))
    product["prices"] = {"小份": product["price"], "大份": product["price"] + 50}
    path = tmp_path / "shelf.yaml"
    path.write_text(yaml.safe_dump(shelf, allow_unicode=True), encoding="utf-8")
    notes = cohost("check-catalog", str(path)).stdout
    assert f"note: {product['id']}: original_price" in notes and "struck through" in notes, notes
    del product["original_price"]
    path.write_text(yaml.safe_dump(shelf, allow_unicode=True), encoding="utf-8")
    assert "struck through" not in cohost("check-catalog", str(path)).stdout


def test_check_catalog_notes_a_text_saying_sold_out(tmp_path: Path) -> None:
    # a shoe shop's trial: after a restock to 30, "多久发货" was answered "目前已售罄，补货后72小时内发货"
    shelf = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    assert "售罄" not in cohost("check-catalog", str(DEMO)).stdout
    product = shelf["products"][0]
    product["shipping"] = "目前已售罄，补货后72小时内发货"
    path = tmp_path / "shelf.yaml"
    path.write_text(yaml.safe_dump(shelf, allow_unicode=True), encoding="utf-8")
    notes = cohost("check-catalog", str(path)).stdout
    assert f"note: {product['id']}: shipping says '售罄'" in notes and "restock" in notes, notes
    # when the goods come back, said as a date, is as stale after the restock (two shops' trials:
    # "预计下周补货" answered "什么时候补货" with 20 in stock)
    product["shipping"] = "付款后48小时内发货"
    product["faq"][0]["a"] = "这批卖得快，预计下周三到仓"
    path.write_text(yaml.safe_dump(shelf, allow_unicode=True), encoding="utf-8")
    notes = cohost("check-catalog", str(path)).stdout
    assert f"note: {product['id']}: faq {product['faq'][0]['id']} says '预计下周三到仓'" in notes, notes
    # "snapped up" says sold out too (a watch shop's trial: "这批已经抢完了" quoted after a restock to 20)
    product["faq"][0]["a"] = "这批已经抢完了，补货时间以直播间通知为准"
    path.write_text(yaml.safe_dump(shelf, allow_unicode=True), encoding="utf-8")
    notes = cohost("check-catalog", str(path)).stdout
    assert f"note: {product['id']}: faq {product['faq'][0]['id']} says '抢完'" in notes, notes


def test_output_read_by_a_reader_that_stops_early_ends_without_a_traceback() -> None:
    # `cohost check-catalog shelf.yaml | head -1` printed a BrokenPipeError traceback
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "check-catalog", str(DEMO)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before anything is written
    with proc.stderr:
        err = proc.stderr.read()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(subs.choices)


@pytest.mark.parametrize("name", sorted(_subcommands()))
def test_help_explains_every_option(name: str) -> None:
    result = cohost(name, "--help")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    for action in _subcommands()[name]._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        assert action.help and len(action.help) > 8, f"{name} {action.option_strings[-1]} has no help text"
        assert action.option_strings[-1] in text
        assert " ".join(action.help.split()[:3]) in text, f"{name} {action.option_strings[-1]}"


def test_check_catalog_notes_a_value_a_comment_mark_cuts_and_a_one_character_alias(tmp_path: Path) -> None:
    # a fishing shop's trial: `line_range: PE line #0.6-#1.5` was read "PE line" (YAML's comment begins
    # at " #"), and English replies said no sizes; its one-character aliases (线, 饵) drew a reel's
    # "带不带线啊" and a rod's "适合多重的饵" to the line and the bait, with nothing said beforehand
    text = DEMO.read_text(encoding="utf-8")
    first = yaml.safe_load(text)["products"][0]
    alias = f"    aliases: [{', '.join(first['aliases'])}]\n"
    assert alias in text and "    attributes:\n" in text
    added = "      line_range: PE line #0.6-#1.5\n      code: '尺码 #2'\n      fabric: 纯棉 # 面料\n"
    cut = text.replace(alias, alias.replace("]", ", 衣]"), 1).replace(
        "    attributes:\n", "    attributes:\n" + added, 1
    )
    path = tmp_path / "shelf.yaml"
    path.write_text(cut, encoding="utf-8")
    result = cohost("check-catalog", str(path))
    assert result.returncode == 0, result.stderr
    notes = [line.strip() for line in result.stdout.splitlines()[1:] if " en: " not in line]
    line = cut[: cut.index(added)].count("\n") + 1
    assert notes[0] == (
        f"note: line {line}: the value 'PE line' stops before '#0.6-#1.5', which YAML reads as a comment; "
        "put the whole value in quotes to keep it"
    )  # a quoted '#', and a comment written "# so", are left alone
    said = [n for n in notes if f"{first['id']} aliases:" in n]
    assert len(said) == 1 and said[0].startswith(f"note: {first['id']} aliases: '衣' is one character"), notes

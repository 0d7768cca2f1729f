"""Wire-format benchmark: mailkit_async's XML-RPC and JSON codecs against the stdlib.

Usage::

    python benchmarks/bench_wire.py [--quick] [--json PATH]

Measures, in one process, the median time of repeated runs for:

(a) XML-RPC encode of a ``mailkit.sendmail_mass`` methodCall (100 / 1 000 / 10 000
    recipients): ``encode_method_call`` vs ``xmlrpc.client.dumps(...).encode()``;
(b) XML-RPC decode of a ``report.message.recipients`` methodResponse (8 fields per row)
    and of a ``sendmail_mass.results`` response: ``decode_method_response`` vs
    ``xmlrpc.client.loads``;
(c) JSON encode / decode of the same payloads: ``_json.dumps`` / ``_json.loads`` vs
    ``json.dumps(...).encode()`` / ``json.loads``.

Candidates of one case run round-robin (each round times every candidate once, after a
``gc.collect()``), so machine noise hits both alike and the ratio stays meaningful. A
sample repeats a call until it lasts at least a few milliseconds; results are kept alive
until the sample ends, so freeing them is not billed to either side. The XML bodies are
laid out like Mailkit's documented answers (indented, ``<i4>`` integers); one more decode
case uses the compact layout ``xmlrpc.client.dumps`` writes, where lxml's advantage of
dropping blank text is smaller.

Goals checked at the end: XML-RPC decode at most 0.5x ``xmlrpc.client.loads`` and XML-RPC
encode at most 1.0x ``xmlrpc.client.dumps``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
import xmlrpc.client
from collections.abc import Callable
from datetime import datetime
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from mailkit_async._wire import _json as wire_json
from mailkit_async._wire._xmlrpc import (
    decode_method_response,
    encode_method_call,
)

CLIENT_ID = 123456
CLIENT_MD5 = "5f4dcc3b5aa765d61d8327deb882cf99"
SEND_MASS = "mailkit.sendmail_mass"

# ------------------------------------------------------------------------------------------
# Deterministic payloads
# ------------------------------------------------------------------------------------------

GIVEN = (
    "Jan", "Petr", "Jiří", "Tomáš", "Lukáš", "Ondřej", "Martin", "Jakub", "Vojtěch", "Matěj",
    "Eva", "Jana", "Lucie", "Tereza", "Kateřina", "Zuzana", "Barbora", "Šárka", "Markéta", "Anežka",
)  # fmt: skip
FAMILY = (
    "Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák",
    "Němec", "Pokorný", "Marek", "Pospíšil", "Hájek", "Jelínek", "Král", "Růžička", "Beneš",
    "Fiala", "Sedláček",
)  # fmt: skip
CITIES = ("Praha", "Brno", "Ostrava", "Plzeň", "Liberec", "Olomouc", "České Budějovice", "Zlín")
COMPANIES = (
    "Pekárna U Nováků s.r.o.",
    "Kovo & Dřevo a.s.",
    "Zahrada <Eden> v.o.s.",
    "Účetnictví Král",
    "Stavby Dvořák & syn",
    "",
)
DOMAINS = ("seznam.cz", "email.cz", "centrum.cz", "gmail.com", "firma.cz", "volny.cz")
PRODUCTS = ("Kávovar Espresso", "Čajová konvice 1,5 l", "Boty vel. 42", "Kniha „XML & vy“")
STATUSES = ("sent", "sent", "sent", "failed", "wait", "wait_ab")
ERRORS = (
    (2, "invalid email status permanent"),
    (4, "missing mailinglist_id"),
    (6, "unsubscribed email"),
    (1, "url return null"),
)


def _ascii(text: str) -> str:
    table = str.maketrans("áčďéěíňóřšťúůýžÁČĎÉĚÍŇÓŘŠŤÚŮÝŽ", "acdeeinorstuuyzACDEEINORSTUUYZ")
    return text.translate(table).lower()


def make_recipients(count: int, seed: int = 2024) -> list[dict[str, Any]]:
    """sendmail_mass recipients: every 5th carries 25 custom fields, the others 2."""
    rng = random.Random(seed)
    recipients: list[dict[str, Any]] = []
    for index in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        if index % 5 == 4:
            customs = {
                f"custom{k}": f"{rng.choice(CITIES)} {k} · {given} #{rng.randrange(10**5)}"
                for k in range(1, 24)
            }
            customs["first_name"], customs["last_name"] = given, family
        else:
            customs = {"first_name": given, "last_name": family}
        recipients.append(
            {
                "send_to": f"{_ascii(given)}.{_ascii(family)}{index}@{rng.choice(DOMAINS)}",
                "mailinglist_id": 98765,
                "campaign_id": 4242,
                "subject": f"{given}, Vaše objednávka č. {2024_000 + index} je na cestě",
                "create_email": "TRUE",
                "customs": customs,
                "content": {
                    "ORDER_ID": f"OBJ-{2024_000_000 + index}",
                    "AMOUNT": f"{rng.randrange(100, 100_000) / 100:.2f} Kč",
                    "ITEM": rng.choice(PRODUCTS),
                    "COMPANY": rng.choice(COMPANIES),
                    "URL": f"https://eshop.example.cz/objednavka/{index}?utm_source=mailkit&utm=a",
                },
            }
        )
    return recipients


def make_report_rows(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """report.message.recipients rows: the 8 documented fields, IDs and counts as int."""
    rng = random.Random(seed)
    return [
        {
            "DATE": f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d} "
            f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}",
            "ID_SEND_MESSAGE": 1_392_000_000 + index,
            "EMAIL": f"{_ascii(rng.choice(GIVEN))}.{index}@{rng.choice(DOMAINS)}",
            "STATUS": rng.choice(STATUSES),
            "AB_VERSION": rng.choice(("", "", "A", "B")),
            "ID_EMAIL": 47_000_000 + rng.randrange(10**6),
            "READ_COUNT": rng.randrange(0, 6),
            "CLICK_COUNT": rng.randrange(0, 3),
        }
        for index in range(count)
    ]


def make_results(count: int, seed: int = 11) -> dict[str, Any]:
    """A sendmail_mass.results answer listing ``count`` rejected recipients."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        code, info = rng.choice(ERRORS)
        rows.append(
            {
                "ERROR_CODE": code,
                "INFO": info,
                "DATE": "2024-08-22 16:12:33",
                "ID_EMAIL": 47_086_782 + index,
                "EMAIL": f"mail{index}@{rng.choice(DOMAINS)}",
                "ID_SEND": 1_214_123,
                "ID_SEND_MESSAGE": 1_392_658_739 + index,
            }
        )
    return {"status": "ERROR", "results": rows}


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mailkit_response_xml(value: Any) -> bytes:
    """A methodResponse laid out the way Mailkit's documentation shows it (indented, <i4>)."""
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<methodResponse>", "  <params>"]
    lines.append("    <param>")

    def put(item: Any, pad: str) -> None:
        if isinstance(item, dict):
            lines.append(f"{pad}<value>")
            lines.append(f"{pad}  <struct>")
            for key, inner in item.items():
                lines.append(f"{pad}    <member>")
                lines.append(f"{pad}      <name>{_xml_escape(key)}</name>")
                put(inner, pad + "      ")
                lines.append(f"{pad}    </member>")
            lines.append(f"{pad}  </struct>")
            lines.append(f"{pad}</value>")
        elif isinstance(item, list):
            lines.append(f"{pad}<value>")
            lines.append(f"{pad}  <array>")
            lines.append(f"{pad}    <data>")
            for inner in item:
                put(inner, pad + "      ")
            lines.append(f"{pad}    </data>")
            lines.append(f"{pad}  </array>")
            lines.append(f"{pad}</value>")
        elif isinstance(item, int):
            lines.append(f"{pad}<value>\n{pad}  <i4>{item}</i4>\n{pad}</value>")
        else:
            lines.append(
                f"{pad}<value>\n{pad}  <string>{_xml_escape(item)}</string>\n{pad}</value>"
            )

    put(value, "      ")
    lines += ["    </param>", "  </params>", "</methodResponse>", ""]
    return "\n".join(lines).encode("utf-8")


# ------------------------------------------------------------------------------------------
# Timing
# ------------------------------------------------------------------------------------------


def _calibrate(fn: Callable[[], object], min_sample: float) -> int:
    fn()  # warm-up
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    return 1 if once >= min_sample else min(10_000, int(min_sample / once) + 1)


def measure(
    candidates: dict[str, Callable[[], object]], *, rounds: int, min_sample: float = 0.005
) -> dict[str, dict[str, float]]:
    """Round-robin samples of each candidate; seconds per call (median, min, max)."""
    loops = {name: _calibrate(fn, min_sample) for name, fn in candidates.items()}
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            count = loops[name]
            kept: list[object] = []
            keep = kept.append
            gc.collect()
            start = time.perf_counter()
            for _ in range(count):
                keep(fn())
            samples[name].append((time.perf_counter() - start) / count)
            del kept
    return {
        name: {
            "median": statistics.median(times),
            "min": min(times),
            "max": max(times),
            "samples": len(times),
            "loops": loops[name],
        }
        for name, times in samples.items()
    }


# ------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------


def _check_equal(label: str, ours: object, anchor: object) -> None:
    if ours != anchor:
        raise SystemExit(f"{label}: our result differs from the anchor's")


ANCHORS = {
    ("xmlrpc", "encode"): "xmlrpc.client.dumps",
    ("xmlrpc", "decode"): "xmlrpc.client.loads",
    ("json", "encode"): "json.dumps",
    ("json", "decode"): "json.loads",
}


def _case(
    case: str,
    n: int,
    codec: str,
    kind: str,
    ours: Callable[[], object],
    anchor: Callable[[], object],
) -> dict[str, Any]:
    return {
        "case": case,
        "n": n,
        "codec": codec,
        "kind": kind,
        "ours": ours,
        "anchor": anchor,
        "anchor_name": ANCHORS[codec, kind],
    }


def build_cases(sizes: list[int], results_size: int) -> list[dict[str, Any]]:
    """(label, N, kind, ours, anchor, codec) for every case; outputs are checked for equality."""
    cases: list[dict[str, Any]] = []
    for n in sizes:
        recipients = make_recipients(n)
        params = [CLIENT_ID, CLIENT_MD5, recipients, {"id_send": "today"}]

        def ours_enc(params: list[Any] = params) -> bytes:
            return encode_method_call(SEND_MASS, params)

        def std_enc(params: list[Any] = params) -> bytes:
            return xmlrpc.client.dumps(tuple(params), methodname=SEND_MASS).encode("utf-8")

        _check_equal(f"encode {n}", xmlrpc.client.loads(ours_enc()), xmlrpc.client.loads(std_enc()))
        cases.append(
            _case("XML-RPC encode sendmail_mass", n, "xmlrpc", "encode", ours_enc, std_enc)
        )

        request = {"function": SEND_MASS, "id": str(CLIENT_ID), "md5": CLIENT_MD5,
                   "recipients": recipients, "options": {"id_send": "today"}}  # fmt: skip

        def ours_jenc(request: dict[str, Any] = request) -> bytes:
            return wire_json.dumps(request)

        def std_jenc(request: dict[str, Any] = request) -> bytes:
            return json.dumps(request, ensure_ascii=False, separators=(",", ":")).encode()

        _check_equal(f"json encode {n}", json.loads(ours_jenc()), json.loads(std_jenc()))
        cases.append(_case("JSON encode sendmail_mass", n, "json", "encode", ours_jenc, std_jenc))

    for n in sizes:
        # sendmail_mass's answer: data, the list of the call's addresses, request_id
        sent = {
            "data": "OK",
            "list": [r["send_to"] for r in make_recipients(n)],
            "request_id": 123456,
        }
        cases += _decode_cases(
            "sendmail_mass answer",
            n,
            sent,
            mailkit_response_xml(sent),
            json.dumps({**sent, "error_status": 0}).encode(),
        )
    for n in sizes:
        rows = make_report_rows(n)
        xml_body = mailkit_response_xml(rows)
        json_body = json.dumps(rows).encode()
        cases += _decode_cases("report.message.recipients", n, rows, xml_body, json_body)
    # The same rows as Python's xmlrpc.client writes them: no indentation, <int> not <i4>.
    # Less whitespace to parse narrows the gap to the stdlib, so this is the harder case.
    rows = make_report_rows(sizes[-1])
    cases += _decode_cases(
        "report.message.recipients, compact body",
        sizes[-1],
        rows,
        xmlrpc.client.dumps((rows,), methodresponse=True).encode(),
        json.dumps(rows, separators=(",", ":")).encode(),
    )
    answer = make_results(results_size)
    cases += _decode_cases(
        "sendmail_mass.results",
        results_size,
        answer,
        mailkit_response_xml(answer),
        json.dumps({**answer, "error_status": 1}).encode(),
    )
    return cases


def _decode_cases(
    label: str, n: int, expected: Any, xml_body: bytes, json_body: bytes
) -> list[dict[str, Any]]:
    def ours_dec() -> object:
        return decode_method_response(xml_body, function="mailkit." + label.split(",")[0])

    def std_dec() -> object:
        return xmlrpc.client.loads(xml_body)[0][0]

    def ours_jdec() -> object:
        return wire_json.loads(json_body)

    def std_jdec() -> object:
        return json.loads(json_body)

    _check_equal(f"decode {label}", ours_dec(), expected)
    _check_equal(f"decode {label} (stdlib)", std_dec(), expected)
    _check_equal(f"json decode {label}", ours_jdec(), std_jdec())
    return [
        _case(f"XML-RPC decode {label}", n, "xmlrpc", "decode", ours_dec, std_dec),
        _case(f"JSON decode {label}", n, "json", "decode", ours_jdec, std_jdec),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, fewer rounds")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)

    sizes = [100, 1000] if args.quick else [100, 1000, 10_000]
    results_size = 1000 if args.quick else 10_000
    rounds = 3 if args.quick else 9

    started = time.perf_counter()
    cases = build_cases(sizes, results_size)
    order = {("xmlrpc", "encode"): 0, ("xmlrpc", "decode"): 1, ("json", "encode"): 2}
    cases.sort(key=lambda c: (order.get((c["codec"], c["kind"]), 3), c["case"], c["n"]))
    rows = []
    for case in cases:
        timing = measure({"ours": case["ours"], "anchor": case["anchor"]}, rounds=rounds)
        ours, anchor = timing["ours"]["median"], timing["anchor"]["median"]
        rows.append(
            {
                "case": case["case"],
                "n": case["n"],
                "codec": case["codec"],
                "kind": case["kind"],
                "anchor": case["anchor_name"],
                "ours_ms": ours * 1e3,
                "anchor_ms": anchor * 1e3,
                "ratio": ours / anchor,
                "us_per_item": ours / case["n"] * 1e6,
                "ours_min_ms": timing["ours"]["min"] * 1e3,
                "anchor_min_ms": timing["anchor"]["min"] * 1e3,
                "samples": timing["ours"]["samples"],
            }
        )
        print(f"  {case['case']:<44} N={case['n']:<6} ratio {ours / anchor:.2f}", file=sys.stderr)

    print("| case | N | ours median ms | anchor median ms | ratio (ours/anchor) | µs per item |")
    print("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['case']} (vs {row['anchor']}) | {row['n']} | {row['ours_ms']:.2f} | "
            f"{row['anchor_ms']:.2f} | {row['ratio']:.2f} | {row['us_per_item']:.2f} |"
        )

    goals = []
    for row in rows:
        if row["codec"] == "xmlrpc":
            limit = 0.5 if row["kind"] == "decode" else 1.0
            ok = row["ratio"] <= limit
            goals.append({"case": row["case"], "n": row["n"], "limit": limit, "ok": ok})
    missed = [g for g in goals if not g["ok"]]
    print()
    print("Goals: XML-RPC decode <= 0.5x xmlrpc.client.loads, encode <= 1.0x xmlrpc.client.dumps:")
    print(
        "all met"
        if not missed
        else "MISSED: " + ", ".join(f"{g['case']} N={g['n']}" for g in missed)
    )
    print(f"(python {platform.python_version()}, {time.perf_counter() - started:.0f} s)")

    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(
                {
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                    "when": datetime.now().isoformat(timespec="seconds"),
                    "rounds": rounds,
                    "rows": rows,
                    "goals": goals,
                },
                out,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

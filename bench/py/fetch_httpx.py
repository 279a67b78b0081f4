"""A Python client of the four provider APIs (httpx + orjson, asyncio), paging the same endpoints
as cardrecon with the same windows, page sizes and concurrency, against the sandbox.

usage: fetch_httpx.py BASE_URL PERIOD(YYYY-MM) TIMEZONE MARGIN_DAYS CONCURRENCY OUT_DIR

Like cardrecon it reads every window, checks each window's count against the provider's total
(a second pass: the first page again, or for keysecure, which reports no total, the whole window),
fetches one keysecure detail per record for its fee, drops identical repeats, and writes one
JSONL file per provider. Unlike cardrecon it keeps no page archive, has no retries, rate limit or
resume; it is the lean script a user would write. Prints records fetched and seconds.
"""
import asyncio
import datetime as dt
import os
import sys
import time
from zoneinfo import ZoneInfo

import httpx
import orjson

BASE, PERIOD, TZ, MARGIN, CONC, OUT = sys.argv[1:7]
CONC = int(CONC)
zone = ZoneInfo(TZ)
y, m = map(int, PERIOD.split("-"))
first = dt.date(y, m, 1)
nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
margin = dt.timedelta(days=int(MARGIN))
FROM = dt.datetime.combine(first - margin, dt.time(), zone).astimezone(dt.timezone.utc)
TO = dt.datetime.combine(nxt + margin, dt.time(), zone).astimezone(dt.timezone.utc)
SHANGHAI = ZoneInfo("Asia/Shanghai")
BUSINESS_TYPES = [1, 2, 3, 8, 10, 101, 102]


def windows(days):
    out, a = [], FROM
    while a < TO:
        b = min(a + dt.timedelta(days=days), TO)
        out.append((a, b))
        a = b
    return out


async def gather_limited(n, coros):
    sem = asyncio.Semaphore(n)

    async def one(c):
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


async def read_window(get_page, size):
    """Pages of one window until a short page or the reported total: (records, total)."""
    records, total, index = [], None, 0
    while True:
        page, total = await get_page(index)
        records.extend(page)
        index += 1
        if len(page) < size or not page or (total is not None and len(records) >= total):
            return records, total


async def fetch_windows(ws, get_page, size):
    """Every window read, then checked once more; returns the distinct records."""
    first = await gather_limited(CONC, [read_window(lambda i, w=w: get_page(w, i), size) for w in ws])

    async def check(w, known):
        recs, total = known
        if total is not None:
            _, t = await get_page(w, 0)
            if t == total:
                return known
        return await read_window(lambda i: get_page(w, i), size)

    second = await gather_limited(CONC, [check(w, k) for w, k in zip(ws, first)])
    seen, out = set(), []
    for recs, total in second:
        for r in recs:
            key = orjson.dumps(r, option=orjson.OPT_SORT_KEYS)
            if key not in seen:
                seen.add(key)
                out.append(r)
        if total is not None and len({orjson.dumps(r, option=orjson.OPT_SORT_KEYS) for r in recs}) != total:
            raise SystemExit(f"incomplete window: {total} reported, {len(recs)} fetched")
    return out


def ok(resp, code_field, good):
    body = orjson.loads(resp.content)
    if resp.status_code != 200 or body.get(code_field) != good:
        raise SystemExit(f"{resp.request.url}: HTTP {resp.status_code} {body}")
    return body


async def keysecure(c):
    base = BASE + "/keysecure/open-api/v1"
    key = "sandbox-keysecure-key"
    ts = lambda: str(int(time.time() * 1000) - 1000)
    r = await c.post(base + "/auth/token", headers={"Api-Key": key, "Timestamp": ts()}, json={"api_secret": "sandbox-keysecure-secret"})
    token = ok(r, "code", 0)["data"]["access_token"]
    hdr = lambda: {"Api-Key": key, "Timestamp": ts(), "Access-Token": token, "Timezone": "UTC+0"}

    async def page(w, i):
        body = {"start_time": w[0].strftime("%Y-%m-%d %H:%M:%S"), "end_time": (w[1] - dt.timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S"), "page": i, "size": 100}
        return ok(await c.post(base + "/card/consume/list", headers=hdr(), json=body), "code", 0)["data"]["list"], None

    listed = await fetch_windows(windows(90), page, 100)

    async def detail(rec):
        r = await c.get(f"{base}/card/consume/{rec['consume_no']}/info", headers=hdr())
        body = orjson.loads(r.content)
        if body.get("code") == 0:
            d = body["data"]
            d.pop("cvv", None), d.pop("pin", None)
            return d
        return rec

    return await gather_limited(CONC, [detail(r) for r in listed])


async def txv3(c):
    url = BASE + "/txv3/v3/openapi/card/transactions"

    async def page(w, i):
        body = {"start_time": str(int(w[0][0].timestamp())), "end_time": str(int(w[0][1].timestamp()) - 1), "page": i + 1, "size": 200, "business_type": w[1]}
        d = ok(await c.post(url, headers={"X-Api-Key": "sandbox-txv3-key"}, json=body), "code", "00000")["data"]
        return d["records"], d["total"]

    return await fetch_windows([(w, bt) for bt in BUSINESS_TYPES for w in windows(60)], page, 200)


async def cardapp(c):
    base = BASE + "/cardapp/v1/openApi"
    local = lambda t: t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")

    def pager(path, field):
        async def page(w, i):
            body = {"customer_id": 10000011, "app_id": 100001, "key": "sandbox-cardapp-key", "page_no": i + 1, "page_size": 100}
            if w is not None:
                body["start_time"], body["end_time"] = local(w[0]), local(w[1] - dt.timedelta(seconds=1))
            d = ok(await c.post(f"{base}/{path}", json=body), "code", 0)["data"]
            return d[field], d["total"]
        return page

    cards = await fetch_windows([None], pager("card/cardList", "card_list"), 100)
    trades = await fetch_windows(windows(31), pager("card/tradeList", "trade_list"), 100)
    orders = await fetch_windows(windows(31), pager("order/orderList", "order_list"), 100)
    for card in cards:
        card.pop("cvv", None), card.pop("pin", None)
    return trades + orders


async def usertrans(c):
    base = BASE + "/usertrans"
    r = await c.post(base + "/thirdPartyLogin", json={"app_key": "sandbox-usertrans-key", "app_secret": "sandbox-usertrans-secret"})
    token = orjson.loads(r.content)["data"]["userToken"]

    async def page(w, i):
        q = {"page": i + 1, "page_num": 100, "start_date": int(w[0].timestamp()), "end_date": int(w[1].timestamp()) - 1}
        r = await c.get(base + "/userTrans", params=q, headers={"Authorization": f"Bearer {token}"})
        if r.status_code != 200:
            raise SystemExit(f"usertrans: HTTP {r.status_code}")
        d = orjson.loads(r.content)["data"]
        return d["list"], d["total"]

    return await fetch_windows(windows(31), page, 100)


async def main():
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=4 * CONC, max_keepalive_connections=4 * CONC)
    async with httpx.AsyncClient(limits=limits, timeout=30) as c:
        results = await asyncio.gather(keysecure(c), txv3(c), cardapp(c), usertrans(c))
    os.makedirs(OUT, exist_ok=True)
    total = 0
    for name, recs in zip(["keysecure", "txv3", "cardapp", "usertrans"], results):
        total += len(recs)
        with open(os.path.join(OUT, name + ".jsonl"), "wb") as f:
            for r in recs:
                f.write(orjson.dumps(r) + b"\n")
    print(f"{total} {time.perf_counter() - started:.3f}")


asyncio.run(main())
